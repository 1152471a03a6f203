"""The shipped fully fine-tuned QA model (notebook 09 loads it): made by the command line from the
shipped checkpoint with QA's full budget, its recorded hash, and that it scores what its record says."""

from __future__ import annotations

import json

import pytest

from bertlib.assets import FINE_TUNED_TASKS, fine_tuned_checkpoint, shipped_checkpoint
from bertlib.model import BertForQuestionAnswering
from bertlib.paths import data_path, file_sha256
from bertlib.training.finetuning import FinetuneOptions, make_task
from bertlib.training.registry import task_spec

MAX_BYTES = 10 * 2**20


@pytest.fixture(scope="module")
def record() -> dict:
    return json.loads((fine_tuned_checkpoint("qa") / "finetuning.json").read_text())


def test_weights_match_the_recorded_hash_and_stay_small(record):
    weights = fine_tuned_checkpoint("qa") / "model.safetensors"
    assert file_sha256(weights) == record["sha256"]
    assert weights.stat().st_size <= MAX_BYTES


def test_it_was_made_from_the_shipped_checkpoint_with_the_full_budget(record):
    command = record["command"]
    assert command.startswith("python -m bertlib finetune --task qa ") and "--checkpoint" not in command
    budget = task_spec("qa").budget
    words = command.split()
    assert record["steps"] == budget.steps and float(words[words.index("--lr") + 1]) == budget.lr
    assert (fine_tuned_checkpoint("qa") / "vocab.txt").read_text() == data_path("vocab.txt").read_text()
    assert (shipped_checkpoint() / "vocab.txt").read_text() == data_path("vocab.txt").read_text()


def test_it_reproduces_its_recorded_dev_scores(record):
    model = BertForQuestionAnswering.from_pretrained(fine_tuned_checkpoint("qa")).eval()
    scores = make_task(FinetuneOptions(task="qa")).score(model, "dev")
    assert round(scores.f1, 3) == round(record["scores"]["dev"]["f1"], 3)
    assert round(scores.exact_match, 3) == round(record["scores"]["dev"]["exact_match"], 3)


def test_only_the_listed_tasks_ship_a_fine_tuned_model():
    assert FINE_TUNED_TASKS == ("qa",)
    with pytest.raises(FileNotFoundError, match="python -m bertlib finetune --task ner"):
        fine_tuned_checkpoint("ner")
