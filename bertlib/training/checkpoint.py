"""Training checkpoints: the weights in Hugging Face's format, and everything else beside them.

A checkpoint is a folder:

    config.json, model.safetensors    the model, written by its own `save_pretrained`
    training_state.pt                 optimiser, schedule, RNG states, step, data position, history

`training_state.pt` holds only tensors and plain Python values, so it loads with
`torch.load(weights_only=True)`, which runs no pickled code. With the batch order a pure function
of (seed, position) (`batches.py`), restoring all of it makes a resumed run compute bit for bit
what an uninterrupted one would. Its job ends at writing and reading this folder; deciding when
to write it is the trainer's job.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bertlib.model.pretrained import PretrainedModel, read_weights

TRAINING_STATE = "training_state.pt"


# -- random number generators as plain data ----------------------------------------------------------


def capture_rng() -> dict[str, Any]:
    """The state of every random number generator training draws from, as tensors and plain values."""
    version, python_state, gauss = random.getstate()
    numpy_state = np.random.get_state(legacy=False)
    return {
        "python": {"version": version, "state": torch.tensor(python_state, dtype=torch.int64), "gauss": gauss},
        "numpy": {"key": torch.from_numpy(numpy_state["state"]["key"].astype(np.int64)),
                  "pos": int(numpy_state["state"]["pos"]), "has_gauss": int(numpy_state["has_gauss"]),
                  "gauss": float(numpy_state["gauss"])},
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng(state: dict[str, Any]) -> None:
    """Put every generator back where `capture_rng` found it."""
    python = state["python"]
    random.setstate((python["version"], tuple(python["state"].tolist()), python["gauss"]))
    numpy = state["numpy"]
    np.random.set_state({"bit_generator": "MT19937",
                         "state": {"key": numpy["key"].numpy().astype(np.uint32), "pos": numpy["pos"]},
                         "has_gauss": numpy["has_gauss"], "gauss": numpy["gauss"]})
    torch.set_rng_state(state["torch"])
    if state["cuda"]:
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's generators (every device's)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


# -- the folder ---------------------------------------------------------------------------------


@dataclass
class TrainingState:
    """Everything besides the weights that a run needs to go on exactly where it stopped."""

    step: int  # optimiser steps completed
    data_position: int  # micro-batches consumed (the next one's position in the batch order)
    optimizer: dict[str, Any]  # optimizer.state_dict()
    scheduler: dict[str, Any]  # scheduler.state_dict()
    rng: dict[str, Any] = field(default_factory=capture_rng)  # see capture_rng
    history: dict[str, Any] = field(default_factory=dict)  # History.to_dict() of the run so far


def save_checkpoint(directory: str | Path, model: PretrainedModel, state: TrainingState) -> Path:
    """Write the model and the training state to `directory`, replacing what was there. The folder
    is written beside it first and then renamed, so a crash mid-write leaves the old one whole."""
    directory = Path(directory)
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    torch.save(vars(state), partial / TRAINING_STATE)
    shutil.rmtree(directory, ignore_errors=True)
    partial.rename(directory)
    return directory


def load_checkpoint(directory: str | Path, model: PretrainedModel) -> TrainingState:
    """Load the weights into `model` and return the training state (not yet applied to an
    optimiser, schedule or RNG: `TrainingState` says what to apply)."""
    directory = Path(directory)
    state_file = directory / TRAINING_STATE
    if not state_file.is_file():
        raise FileNotFoundError(
            f"{state_file} not found: --resume needs a checkpoint folder written during training "
            "(e.g. OUT/checkpoint), not a model folder without training state."
        )
    model.load_weights(read_weights(directory), source=str(directory))
    return TrainingState(**torch.load(state_file, map_location="cpu", weights_only=True))
