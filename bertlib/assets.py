"""The course's shipped assets, found and loaded: its tokenizer and its pre-trained checkpoint.

Beside paths.py (which only locates files under data/), this module turns them into objects, so
that fine-tuning, the course's checks and the notebooks find the shipped model without importing
pre-training:

- `course_tokenizer()`: the course's WordPiece tokenizer (data/vocab.txt);
- `shipped_checkpoint()`: the folder of the tiny BERT pre-trained on the course corpus;
- `load_shipped()`: that model in eval mode, with its tokenizer, its record and held-out examples;
- `fine_tuned_checkpoint(task)`: the folder of a model fine-tuned from it with a task's full budget,
  shipped where the notebook's live run cannot reach the full result in a minute (QA).

`RUN_FILE` and `HELD_OUT_FILE` name the files a pre-trained model folder holds beside its weights
(bertlib.training.pretraining writes them). Its job ends at finding and loading; making a
checkpoint is bertlib.training's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from safetensors.torch import load_file

from bertlib.data.pretraining import PretrainingBatch
from bertlib.model import BertForPreTraining
from bertlib.paths import data_path
from bertlib.tokenization import BertTokenizer

#: The record written beside a pre-trained model: how it was made and how well it does.
RUN_FILE = "pretraining.json"
#: The held-out examples it was scored on, written beside it: its score stays checkable even if
#: the corpus or the example-making code changes later.
HELD_OUT_FILE = "held_out.safetensors"
#: The shipped tiny pre-trained checkpoint, under data/ (see data/README.md).
SHIPPED_CHECKPOINT = Path("checkpoints") / "bert-tiny-course"


def shipped_checkpoint() -> Path:
    """The folder of the tiny BERT pre-trained on the course corpus that ships in data/."""
    return data_path(*SHIPPED_CHECKPOINT.parts)


#: Tasks whose fully fine-tuned model ships beside the pre-trained checkpoint (see data/README.md).
FINE_TUNED_TASKS = ("qa",)


def fine_tuned_checkpoint(task: str) -> Path:
    """The folder of the shipped checkpoint fine-tuned on `task` with its full budget, made by
    `python -m bertlib finetune --task TASK --threads 1 --out data/checkpoints/bert-tiny-course-TASK`."""
    if task not in FINE_TUNED_TASKS:
        raise FileNotFoundError(
            f"No fine-tuned model of task {task!r} ships (only {', '.join(FINE_TUNED_TASKS)}); "
            f"make one with `python -m bertlib finetune --task {task} --out runs/{task}`."
        )
    return data_path("checkpoints", f"{SHIPPED_CHECKPOINT.name}-{task}")


def course_tokenizer() -> BertTokenizer:
    """The course's WordPiece tokenizer, from data/vocab.txt (the shipped checkpoint's vocab.txt is
    the same file: tests/training/test_shipped_checkpoint.py checks it)."""
    return BertTokenizer.from_vocab_file(data_path("vocab.txt"))


@dataclass
class ShippedModel:
    """The shipped checkpoint, ready to use."""

    model: BertForPreTraining  # in eval mode
    tokenizer: BertTokenizer  # its vocab.txt
    record: dict  # its pretraining.json: the command, seed, steps and held-out scores
    held_out: PretrainingBatch  # the held-out examples it was scored on (HELD_OUT_FILE)


def load_shipped() -> ShippedModel:
    """The tiny BERT pre-trained on the course corpus that ships in data/checkpoints/."""
    directory = shipped_checkpoint()
    return ShippedModel(
        BertForPreTraining.from_pretrained(directory),
        BertTokenizer.from_vocab_file(directory / "vocab.txt"),
        json.loads((directory / RUN_FILE).read_text()),
        PretrainingBatch(**load_file(directory / HELD_OUT_FILE)),
    )
