"""Checkpoints: RNG states as plain data, bit-identical resume, and a KeyboardInterrupt that loses nothing."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from bertlib.model import BertForPreTraining
from bertlib.training.checkpoint import TRAINING_STATE, capture_rng, load_checkpoint, restore_rng
from bertlib.training.objectives import PreTrainingObjective
from bertlib.training.trainer import TrainingConfig, train

from .conftest import pretraining_examples, tiny_config

STEPS = 8
CONFIG = TrainingConfig(
    steps=STEPS, batch_size=8, accumulation_steps=2, lr=3e-3, warmup_steps=2, progress=False, device="cpu", seed=3
)


class StopAfter(PreTrainingObjective):
    """Pre-training, but a KeyboardInterrupt arrives (as from a notebook's stop button) during the
    forward pass of micro-batch number `calls`: in the middle of an optimiser step."""

    def __init__(self, calls: int):
        self.calls_left = calls

    def sums(self, model, batch):
        self.calls_left -= 1
        if self.calls_left < 0:
            raise KeyboardInterrupt
        return super().sums(model, batch)


def fresh_model(seed: int) -> BertForPreTraining:
    torch.manual_seed(seed)
    return BertForPreTraining(tiny_config())  # dropout 0.1: resuming must restore the RNG too


def test_rng_state_round_trips_through_plain_data():
    state = capture_rng()
    expected = (random.random(), np.random.rand(), torch.rand(3))
    random.random(), np.random.rand(), torch.rand(5)  # move every generator on
    restore_rng(state)
    assert (random.random(), np.random.rand()) == expected[:2]
    assert torch.equal(torch.rand(3), expected[2])


def test_resumed_run_is_bit_identical_to_an_uninterrupted_one(tmp_path, capsys):
    examples = pretraining_examples()
    uninterrupted = train(fresh_model(0), examples, PreTrainingObjective(), CONFIG)

    # Stop halfway through step 5 (micro-batch 10 of 16), as a student pressing stop would.
    halted = train(fresh_model(0), examples, StopAfter(calls=9), CONFIG, out_dir=tmp_path)
    assert halted.interrupted and halted.steps == [1, 2, 3, 4]
    assert "Stopped at step 4 of 8" in capsys.readouterr().out
    assert (tmp_path / "checkpoint" / "model.safetensors").is_file()
    torch.load(tmp_path / "checkpoint" / TRAINING_STATE, weights_only=True)  # plain data only

    # A fresh start: new objects, other initial weights, generators moved on.
    torch.rand(100), random.random(), np.random.rand()
    resumed = train(fresh_model(seed=99), examples, PreTrainingObjective(), CONFIG, resume_from=tmp_path / "checkpoint")
    assert resumed.steps == list(range(1, STEPS + 1)) and not resumed.interrupted
    assert torch.equal(torch.tensor(resumed.loss), torch.tensor(uninterrupted.loss))
    assert torch.equal(torch.tensor(resumed.lr), torch.tensor(uninterrupted.lr))


def test_resume_with_another_step_count_is_refused(tmp_path):
    train(
        fresh_model(0),
        pretraining_examples(),
        PreTrainingObjective(),
        TrainingConfig(steps=2, batch_size=8, progress=False, device="cpu"),
        out_dir=tmp_path,
    )
    with pytest.raises(ValueError, match="same number of steps"):
        train(
            fresh_model(0),
            pretraining_examples(),
            PreTrainingObjective(),
            TrainingConfig(steps=4, batch_size=8, progress=False, device="cpu"),
            resume_from=tmp_path / "checkpoint",
        )


def test_resume_from_a_folder_without_training_state_says_what_is_needed(tmp_path):
    fresh_model(0).save_pretrained(tmp_path)
    with pytest.raises(FileNotFoundError, match="checkpoint folder written during training"):
        load_checkpoint(tmp_path, fresh_model(0))
