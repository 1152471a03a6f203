"""The two direction models of notebook 06: the shipped files, and the recipe that makes them."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from bertlib.model import BertForMaskedLM
from bertlib.paths import file_sha256
from bertlib.training.checkpoint import seed_everything
from bertlib.training.directions import (
    DIRECTIONS_CONFIG,
    FOLDERS,
    direction_checkpoint,
    load_direction,
    masked_lm_loss,
    pretrain_direction,
)
from bertlib.training.pretraining import LIVE_DEMO_OPTIONS, model_config, pretraining_data
from bertlib.training.sampling import BatchOrder, batch_at

#: The sha256 of each shipped model.safetensors, as `python -m bertlib.training.directions` wrote it.
SHIPPED_SHA256 = {
    "bidirectional": "db6bba635ac6387fdcc7d0d4af067c84fabdec051fcf9bd05791d08c210b25b6",
    "left-to-right": "ab97657ec4e3f2831b1a5a2a59fd2705251fe969b6dc4ea72c2887ba40e21cc5",
}


@pytest.fixture(scope="module")
def small_data():
    """Examples of the first 30 training stories (and the usual held-out ones): seconds to make."""
    return pretraining_data(replace(LIVE_DEMO_OPTIONS, documents=30), seed=0)


@pytest.mark.parametrize("causal", [False, True])
def test_the_shipped_models_are_the_recorded_bytes_and_small(causal):
    folder = direction_checkpoint(causal)
    weights = folder / "model.safetensors"
    assert folder.name == FOLDERS[causal]
    assert file_sha256(weights) == SHIPPED_SHA256[folder.name]
    assert weights.stat().st_size < 2_000_000
    model = load_direction(causal)
    assert not model.training
    assert model.config.hidden_size == 64 and model.config.num_hidden_layers == 2


def test_the_causal_loss_ignores_every_token_after_the_last_blank(small_data):
    torch.manual_seed(0)
    model = load_direction(causal=False)  # trained: its guesses depend on the context
    batch = batch_at(small_data.train, BatchOrder(len(small_data.train), 8, 0), 0)
    last = int(batch.masked_positions.max())
    changed = replace(batch, input_ids=batch.input_ids.clone())
    changed.input_ids[:, last + 1 :] = 5  # every token after the last blank of any row
    with torch.no_grad():
        causal = [masked_lm_loss(model, b, causal=True).item() for b in (batch, changed)]
        both_sides = [masked_lm_loss(model, b, causal=False).item() for b in (batch, changed)]
    assert causal[0] == pytest.approx(causal[1], abs=1e-6)
    assert abs(both_sides[0] - both_sides[1]) > 1e-5  # it moves (by 2e-5 here); the causal one by under 1e-6


def test_both_directions_start_alike_train_on_the_same_batches_and_end_apart(small_data):
    config = replace(DIRECTIONS_CONFIG, steps=3, warmup_steps=1)
    seed_everything(config.seed)
    untrained = BertForMaskedLM(model_config(LIVE_DEMO_OPTIONS, len(small_data.tokenizer.vocab)))
    bidirectional = pretrain_direction(False, config, small_data)
    again = pretrain_direction(False, config, small_data)
    left_to_right = pretrain_direction(True, config, small_data)
    weight = "bert.encoder.layer.0.attention.self.query.weight"
    start, one, two, causal = (m.state_dict()[weight] for m in (untrained, bidirectional, again, left_to_right))
    assert torch.equal(one, two)  # seeded: the same run twice gives the same weights
    assert not torch.equal(one, start) and not torch.equal(causal, start)
    assert not torch.equal(one, causal)  # only the mask differs, and it matters
