"""Batches whose order is a pure function of (seed, epoch, position), shared out over processes.

A training set here is a dict of equal-length tensors (`input_ids`, `attention_mask`, labels, ...),
already made by `bertlib.data`. The batch at any position can be computed without replaying the
ones before it, which is what lets a resumed run see exactly the batches an uninterrupted run
would have seen. Under DistributedDataParallel every process takes its own slice of the same
global batch (a distributed sampler), so N processes see the batch one process would. Its job
ends at choosing and slicing examples; making them is `bertlib.data`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

#: A set of examples: column name -> (N, ...) tensor, every column with the same N.
Examples = dict[str, torch.Tensor]
#: Columns that run along the sequence (one value per token) and may be trimmed with it.
SEQUENCE_COLUMNS = frozenset({"input_ids", "token_type_ids", "attention_mask", "labels"})


def example_count(examples: Examples) -> int:
    """N, the number of examples, after checking that every column has N rows."""
    if not examples:
        raise ValueError("The example set has no columns; build it with bertlib.data's feature functions.")
    sizes = {name: len(tensor) for name, tensor in examples.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"Every column needs one row per example, but the sizes differ: {sizes}.")
    return next(iter(sizes.values()))


def trim_padding(batch: Examples) -> Examples:
    """Cut the columns after the batch's longest real sequence (padding sits at the end, so this
    changes no result at a real token and saves the attention over padding)."""
    if "attention_mask" not in batch:
        return batch
    length = int(batch["attention_mask"].sum(dim=1).max())
    sequence_length = batch["attention_mask"].shape[1]
    return {name: tensor[:, :length] if name in SEQUENCE_COLUMNS and tensor.dim() == 2
            and tensor.shape[1] == sequence_length else tensor for name, tensor in batch.items()}



@dataclass(frozen=True)
class BatchOrder:
    """Which examples make up each micro-batch of each process.

    Each epoch shuffles all N examples with a generator seeded by (seed, epoch) and cuts the
    permutation into global micro-batches of `global_batch` examples (the last, incomplete one is
    dropped). Process `rank` of `world_size` takes the rank-th contiguous slice of each.
    """

    num_examples: int
    global_batch: int  # examples in one micro-batch over all processes
    seed: int
    rank: int = 0
    world_size: int = 1

    def __post_init__(self) -> None:
        if self.global_batch % self.world_size:
            raise ValueError(f"A micro-batch of {self.global_batch} examples cannot be split evenly over "
                             f"{self.world_size} processes; choose a batch size divisible by {self.world_size}.")
        if self.batches_per_epoch < 1:
            raise ValueError(f"There are {self.num_examples} examples, fewer than one micro-batch of "
                             f"{self.global_batch}; lower the batch size or make more examples.")

    @property
    def batches_per_epoch(self) -> int:
        return self.num_examples // self.global_batch

    def epoch_permutation(self, epoch: int) -> torch.Tensor:
        """The shuffled example order of an epoch, the same in every process and every run."""
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(self.num_examples, generator=generator)

    def indices(self, position: int) -> torch.Tensor:
        """This process's example indices for micro-batch number `position` (counted from 0 over
        the whole run, across epochs)."""
        epoch, within = divmod(position, self.batches_per_epoch)
        start = within * self.global_batch
        global_indices = self.epoch_permutation(epoch)[start:start + self.global_batch]
        share = self.global_batch // self.world_size
        return global_indices[self.rank * share:(self.rank + 1) * share]


def batch_at(examples: Examples, order: BatchOrder, position: int) -> Examples:
    """The micro-batch at `position`, padding trimmed."""
    index = order.indices(position)
    return trim_padding({name: tensor[index] for name, tensor in examples.items()})


def batches_in_order(examples: Examples, batch_size: int) -> list[Examples]:
    """The examples in their own order, in batches (the last may be smaller): for evaluation."""
    count = example_count(examples)
    return [trim_padding({name: tensor[start:start + batch_size] for name, tensor in examples.items()})
            for start in range(0, count, batch_size)]
