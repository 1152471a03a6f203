"""Batch order: a pure function of (seed, position), split evenly over processes; slicing a Batch."""

from __future__ import annotations

import pytest
import torch

from bertlib.data.pretraining import PretrainingBatch
from bertlib.training.sampling import BatchOrder, batch_at, batches_in_order

from .conftest import classification_examples


def test_order_is_a_pure_function_of_seed_and_position():
    order = BatchOrder(num_examples=10, global_batch=3, seed=7)
    assert torch.equal(order.indices(5), BatchOrder(10, 3, seed=7).indices(5))
    assert not torch.equal(order.indices(0), BatchOrder(10, 3, seed=8).indices(0))


def test_each_epoch_is_a_permutation_without_repeats():
    order = BatchOrder(num_examples=10, global_batch=3, seed=0)
    assert order.batches_per_epoch == 3  # the incomplete fourth batch is dropped
    epoch = torch.cat([order.indices(p) for p in range(3)])
    assert len(set(epoch.tolist())) == 9
    assert not torch.equal(order.indices(0), order.indices(3))  # the next epoch reshuffles


def test_processes_share_out_the_global_batch():
    single = BatchOrder(num_examples=20, global_batch=4, seed=1)
    ranks = [BatchOrder(20, 4, seed=1, rank=r, world_size=2) for r in range(2)]
    for position in range(7):
        assert torch.equal(torch.cat([r.indices(position) for r in ranks]), single.indices(position))


def test_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="divisible by 2"):
        BatchOrder(num_examples=20, global_batch=3, seed=0, world_size=2)
    with pytest.raises(ValueError, match="fewer than one micro-batch"):
        BatchOrder(num_examples=2, global_batch=3, seed=0)


def test_trim_padding_cuts_only_columns_along_the_sequence():
    batch = PretrainingBatch(
        input_ids=torch.tensor([[5, 6, 0, 0], [5, 0, 0, 0]]),
        token_type_ids=torch.zeros(2, 4, dtype=torch.long),
        attention_mask=torch.tensor([[1, 1, 0, 0], [1, 0, 0, 0]]),
        masked_positions=torch.tensor([[1, 0, 0, 0], [0, 0, 0, 0]]),
        mlm_labels=torch.tensor([[6, -100, -100, -100], [-100, -100, -100, -100]]),
        nsp_labels=torch.tensor([1, 0]),
    )
    trimmed = batch.trim_padding()
    assert trimmed.input_ids.tolist() == [[5, 6], [5, 0]]
    assert trimmed.masked_positions.shape == (2, 4)  # positions, not tokens: kept whole
    assert torch.equal(trimmed.nsp_labels, batch.nsp_labels)


def test_batches_in_order_cover_every_example_once():
    examples = classification_examples(count=10)
    batches = batches_in_order(examples, batch_size=4)
    assert [len(b.labels) for b in batches] == [4, 4, 2]
    assert torch.equal(torch.cat([b.labels for b in batches]), examples.labels)
    assert batch_at(examples, BatchOrder(10, 4, seed=0), 0).labels.shape == (4,)
