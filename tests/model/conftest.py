"""Fixtures for the model tests: a tiny config and a padded batch of sentence pairs."""

from __future__ import annotations

import pytest
import torch

from bertlib.model import BertConfig


@pytest.fixture
def config() -> BertConfig:
    """Tiny, odd-sized on purpose (37 is no multiple of anything), so that shapes cannot coincide."""
    return BertConfig(
        vocab_size=99,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=40,
        num_labels=3,
    )


@pytest.fixture
def batch() -> dict[str, torch.Tensor]:
    """Three sentence pairs of 10, 7 and 4 tokens, padded to 10, with segment ids 0 then 1."""
    generator = torch.Generator().manual_seed(1)
    lengths = torch.tensor([10, 7, 4])
    attention_mask = (torch.arange(10)[None, :] < lengths[:, None]).long()  # (3, 10)
    input_ids = torch.randint(1, 99, (3, 10), generator=generator) * attention_mask  # [PAD] = 0
    token_type_ids = (torch.arange(10)[None, :] >= lengths[:, None] // 2).long() * attention_mask
    return {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_mask}


def perturb(model: torch.nn.Module, seed: int = 0, scale: float = 0.1) -> torch.nn.Module:
    """Add noise to every parameter, so that zero biases and unit LayerNorms cannot hide a mix-up."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn(parameter.shape, generator=generator) * scale)
    return model.eval()
