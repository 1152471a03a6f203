"""Fixtures for the training tests: tiny models and tiny, seeded example sets that need no data files."""

from __future__ import annotations

import pytest
import torch

from bertlib.data.features import ClassificationBatch
from bertlib.data.pretraining import PretrainingBatch
from bertlib.model import BertConfig
from bertlib.tokenization import Batch

VOCAB = 40
LENGTH = 12


def tiny_config(**overrides) -> BertConfig:
    """A model small enough that a training step takes milliseconds."""
    sizes = dict(
        vocab_size=VOCAB,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=LENGTH,
    )
    return BertConfig(**{**sizes, **overrides})


def padded_ids(count: int, seed: int) -> Batch:
    """`count` sequences of random length (6 to LENGTH) padded to LENGTH, with segments 0 then 1."""
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(6, LENGTH + 1, (count,), generator=generator)
    attention_mask = (torch.arange(LENGTH)[None, :] < lengths[:, None]).long()  # (N, T)
    input_ids = torch.randint(5, VOCAB, (count, LENGTH), generator=generator) * attention_mask
    token_type_ids = (torch.arange(LENGTH)[None, :] >= lengths[:, None] // 2).long() * attention_mask
    return Batch(input_ids, token_type_ids, attention_mask)


def pretraining_examples(count: int = 64, seed: int = 0, predictions: int = 3) -> PretrainingBatch:
    """Sequences with `predictions` masked slots each; some slots are padding (label -100), so the
    number of masked tokens differs from sequence to sequence, as in real pre-training data."""
    examples = padded_ids(count, seed)
    generator = torch.Generator().manual_seed(seed + 1)
    positions = torch.randint(1, 6, (count, predictions), generator=generator)
    labels = examples.input_ids.gather(1, positions)
    labels[torch.rand(count, predictions, generator=generator) < 0.3] = -100
    nsp = torch.randint(0, 2, (count,), generator=generator)
    return PretrainingBatch(**examples.as_kwargs(), masked_positions=positions, mlm_labels=labels, nsp_labels=nsp)


def classification_examples(count: int = 64, seed: int = 0) -> ClassificationBatch:
    """Sequences labelled by whether their second token is in the upper half of the vocabulary."""
    examples = padded_ids(count, seed)
    return ClassificationBatch(**examples.as_kwargs(), labels=(examples.input_ids[:, 1] >= VOCAB // 2).long())


@pytest.fixture
def config() -> BertConfig:
    return tiny_config()
