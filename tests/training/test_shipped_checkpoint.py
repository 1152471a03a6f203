"""The shipped tiny pre-trained checkpoint: its recorded hash, that it loads, and that it scores
what its record says on the held-out documents."""

from __future__ import annotations

import hashlib
import json

import pytest

from bertlib.assets import RUN_FILE, load_shipped, shipped_checkpoint
from bertlib.model import BertForPreTraining
from bertlib.paths import data_path
from bertlib.training.pretraining import evaluate_pretraining

MAX_BYTES = 10 * 2**20


@pytest.fixture(scope="module")
def record() -> dict:
    return json.loads((shipped_checkpoint() / RUN_FILE).read_text())


def test_weights_match_the_recorded_hash_and_stay_small(record):
    weights = (shipped_checkpoint() / "model.safetensors").read_bytes()
    assert hashlib.sha256(weights).hexdigest() == record["sha256"]
    assert len(weights) <= MAX_BYTES


def test_it_was_made_by_the_command_line(record):
    assert record["command"].startswith("python -m bertlib pretrain ")
    assert f"--seed {record['seed']}" in record["command"] and f"--steps {record['steps']}" in record["command"]


def test_it_was_made_with_the_course_vocabulary(record):
    assert (shipped_checkpoint() / "vocab.txt").read_text() == data_path("vocab.txt").read_text(), (
        "data/vocab.txt changed since the checkpoint was made: re-run the command in its pretraining.json, "
        "then update data/README.md and python -m bertlib evidence"
    )


def test_it_loads_and_reproduces_its_held_out_mlm_accuracy(record):
    shipped = load_shipped()
    assert isinstance(shipped.model, BertForPreTraining) and not shipped.model.training
    scores = evaluate_pretraining(shipped.model, shipped.held_out)  # the examples it was scored on
    assert round(scores.mlm_accuracy, 3) == round(record["held_out"]["mlm_accuracy"], 3)
    assert scores.masked_tokens == record["held_out"]["masked_tokens"]
    assert round(scores.nsp_accuracy, 3) == round(record["held_out"]["nsp_accuracy"], 3)
