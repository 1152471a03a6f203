"""AdamW's parameter groups and the linear warm-up / decay schedule."""

from __future__ import annotations

import pytest
import torch

from bertlib.model import BertForPreTraining
from bertlib.training.optim import LinearWarmupDecay, build_optimizer, build_scheduler, split_for_weight_decay


def test_no_weight_decay_on_biases_and_layer_norms(config):
    groups = split_for_weight_decay(BertForPreTraining(config))
    assert "bert.encoder.layer.0.attention.self.query.weight" in groups.decay
    assert "bert.embeddings.word_embeddings.weight" in groups.decay
    assert "bert.encoder.layer.0.attention.self.query.bias" in groups.no_decay
    assert "bert.embeddings.LayerNorm.weight" in groups.no_decay
    assert "cls.predictions.bias" in groups.no_decay
    assert not any(name.endswith(("bias", "LayerNorm.weight")) for name in groups.decay)


def test_optimizer_groups_cover_every_parameter_once(config):
    model = BertForPreTraining(config)  # the MLM decoder is tied to the word embeddings
    optimizer = build_optimizer(model, lr=1e-3, weight_decay=0.01)
    decayed, undecayed = (group["params"] for group in optimizer.param_groups)
    assert [group["weight_decay"] for group in optimizer.param_groups] == [0.01, 0.0]
    ids = [id(p) for p in decayed + undecayed]
    assert len(ids) == len(set(ids)) == len(list(model.parameters()))


def test_schedule_rises_linearly_then_falls_to_zero():
    factor = LinearWarmupDecay(warmup_steps=4, total_steps=12)
    assert [factor(s) for s in (0, 2, 4, 8, 12, 13)] == [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]


def test_scheduler_sets_the_optimizer_learning_rate(config):
    optimizer = build_optimizer(BertForPreTraining(config), lr=1e-2)
    scheduler = build_scheduler(optimizer, warmup_steps=2, total_steps=4)
    rates = []
    for _ in range(4):
        rates.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    assert rates == pytest.approx([0.0, 5e-3, 1e-2, 5e-3])


def test_bad_schedule_is_refused():
    with pytest.raises(ValueError, match="warmup_steps"):
        LinearWarmupDecay(warmup_steps=5, total_steps=3)
    with pytest.raises(ValueError, match="lr must be positive"):
        build_optimizer(torch.nn.Linear(2, 2), lr=0)
