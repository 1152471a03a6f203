"""Training checkpoints, and the files a run writes: never half-written, never two runs at once.

A checkpoint is a folder:

    config.json, model.safetensors    the model, written by its own `save_pretrained`
    training_state.pt                 optimiser, schedule, RNG states, step, data position, history,
                                      and the options of the run (a resume must use the same ones)

`training_state.pt` holds only tensors and plain Python values, so it loads with
`torch.load(weights_only=True)`, which runs no pickled code (`bertlib.errors.safe_torch_load`).
With the batch order a pure function of (seed, position) (`batches.py`), restoring all of it
makes a resumed run compute bit for bit what an uninterrupted one would.

Every file is first written under a temporary name beside its final one and then renamed, so a
crash, a full disk or Ctrl-C leaves either the old file or the new one, never a torn one; a
failed write removes its partial file and says why (`SaveError`). A run's output folder holds a
lock (`run.lock`, with the holder's PID) while a run writes to it, and `run_state.json`, which
says whether the model in it is finished. Its job ends at writing and reading these files;
deciding when to write them is the trainer's and the command line's job.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import random
import re
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from bertlib.errors import BertlibInputError, safe_torch_load
from bertlib.model.pretrained import CheckpointError, PretrainedModel, read_weights

TRAINING_STATE = "training_state.pt"
#: Beside a run's model: {"finished": bool, ...}. A missing file means a model made before it existed.
RUN_STATE = "run_state.json"
#: Held in a run's output folder while the run writes there: {"pid": ..., "host": ..., "command": ...}.
LOCK_FILE = "run.lock"
_MB = 2**20


# -- random number generators as plain data ----------------------------------------------------------


def capture_rng() -> dict[str, Any]:
    """The state of every random number generator training draws from, as tensors and plain values."""
    version, python_state, gauss = random.getstate()
    numpy_state = np.random.get_state(legacy=False)
    return {
        "python": {"version": version, "state": torch.tensor(python_state, dtype=torch.int64), "gauss": gauss},
        "numpy": {
            "key": torch.from_numpy(numpy_state["state"]["key"].astype(np.int64)),
            "pos": int(numpy_state["state"]["pos"]),
            "has_gauss": int(numpy_state["has_gauss"]),
            "gauss": float(numpy_state["gauss"]),
        },
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng(state: dict[str, Any]) -> None:
    """Put every generator back where `capture_rng` found it."""
    python = state["python"]
    random.setstate((python["version"], tuple(python["state"].tolist()), python["gauss"]))
    numpy = state["numpy"]
    np.random.set_state(
        {
            "bit_generator": "MT19937",
            "state": {"key": numpy["key"].numpy().astype(np.uint32), "pos": numpy["pos"]},
            "has_gauss": numpy["has_gauss"],
            "gauss": numpy["gauss"],
        }
    )
    torch.set_rng_state(state["torch"])
    if state["cuda"]:
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's generators (every device's)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


# -- writing files safely --------------------------------------------------------------------------


class MissingFileError(BertlibInputError, FileNotFoundError):
    """A file or folder the user named is not there (a FileNotFoundError too); the message says
    what was expected there."""


class SaveError(BertlibInputError):
    """A file or folder could not be written. The partial file was removed, and the message says
    why (a full disk, a folder that is not writable) and what to do."""


def _error_number(error: BaseException) -> int | None:
    """The OS error number behind a failed write, also when a library reported it only as text
    (safetensors says "No space left on device (os error 28)")."""
    if isinstance(error, OSError) and error.errno is not None:
        return error.errno
    text = str(error)
    found = re.search(r"os error (\d+)", text)
    if found:
        return int(found.group(1))
    for number in (errno.ENOSPC, errno.EACCES, errno.EROFS):
        if os.strerror(number) in text:
            return number
    return None


def _existing_parent(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def write_failure_message(error: BaseException, path: Path, needed_bytes: int | None = None) -> str | None:
    """Why writing `path` failed and what to do, for the failures a user can fix; None otherwise."""
    number = _error_number(error)
    if number in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        free = shutil.disk_usage(_existing_parent(path)).free
        short = max(1, math.ceil(((needed_bytes or 0) - free) / _MB)) if needed_bytes else None
        amount = f"{short} MB" if short else "some space"
        return (
            f"Could not write {path}: the disk is full: free {amount} or choose another --out "
            f"(about {max(1, math.ceil((needed_bytes or _MB) / _MB))} MB are needed, "
            f"{free / _MB:.1f} MB are free)."
        )
    if number in (errno.EACCES, errno.EPERM):
        return (
            f"Could not write {path}: {path.parent} is not writable (permission denied). "
            "Choose another --out, or make the folder writable."
        )
    if number == errno.EROFS:
        return f"Could not write {path}: {path.parent} is on a read-only file system. Choose another --out."
    if isinstance(error, OSError):
        return f"Could not write {path}: {error.strerror or error}. Choose another --out, or fix the folder."
    return None


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def temporary_name(path: Path) -> Path:
    """Where `path` is written before it is renamed into place: beside it (the same file system,
    so the rename is atomic), hidden, and marked with this process's id."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def atomic_write(path: str | Path, write: Callable[[Path], Any], *, needed_bytes: int | None = None) -> Path:
    """Call write(temporary path), then rename the result to `path`. On any failure (Ctrl-C too)
    the temporary file is removed; an OS failure a user can fix becomes a SaveError saying why."""
    path = Path(path)
    temporary = temporary_name(path)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException as error:
        _remove(temporary)
        message = write_failure_message(error, path, needed_bytes) if isinstance(error, Exception) else None
        if message is None:
            raise
        raise SaveError(message + " The partial file was removed.") from error
    return path


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())  # on disk before the rename, or a crash could leave an empty file


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file and a rename."""
    return atomic_write(path, lambda temporary: _write_bytes(temporary, data), needed_bytes=len(data))


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write `text` (UTF-8, "\\n" line ends) to `path` through a temporary file and a rename."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, data: Any) -> Path:
    """Write `data` as indented, key-sorted JSON through a temporary file and a rename."""
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def model_bytes(model: torch.nn.Module) -> int:
    """About how many bytes the model's weights take on disk."""
    return sum(t.numel() * t.element_size() for t in model.state_dict().values())


def save_model_files(model: PretrainedModel, directory: str | Path) -> Path:
    """`model.save_pretrained(directory)`, but written in a temporary folder beside the files and
    then renamed into place one by one: a failure leaves the old files whole and no partial ones."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    temporary = temporary_name(directory / "model")
    try:
        _remove(temporary)
        model.save_pretrained(temporary)
        for name in sorted(os.listdir(temporary)):
            os.replace(temporary / name, directory / name)
        temporary.rmdir()
    except BaseException as error:
        _remove(temporary)
        message = (
            write_failure_message(error, directory / "model.safetensors", model_bytes(model))
            if isinstance(error, Exception)
            else None
        )
        if message is None:
            raise
        raise SaveError(message + " The partial files were removed.") from error
    return directory


def save_vocab(vocab: Any, path: str | Path) -> Path:
    """A tokenizer's `Vocab` as vocab.txt, written through a temporary file and a rename."""
    return atomic_write(path, vocab.save)


# -- the checkpoint folder ---------------------------------------------------------------------------


@dataclass
class TrainingState:
    """Everything besides the weights that a run needs to go on exactly where it stopped."""

    step: int  # optimiser steps completed
    data_position: int  # micro-batches consumed (the next one's position in the batch order)
    optimizer: dict[str, Any]  # optimizer.state_dict()
    scheduler: dict[str, Any]  # scheduler.state_dict()
    rng: dict[str, Any] = field(default_factory=capture_rng)  # see capture_rng
    history: dict[str, Any] = field(default_factory=dict)  # History.to_dict() of the run so far
    options: dict[str, Any] = field(default_factory=dict)  # the run's options (plain values); {} before they were kept


def save_checkpoint(directory: str | Path, model: PretrainedModel, state: TrainingState) -> Path:
    """Write the model and the training state to `directory`, replacing what was there. The folder
    is written beside it first and then swapped in, so a crash or a full disk mid-write leaves the
    last good checkpoint whole, and a failed write leaves no partial folder."""
    directory = Path(directory)
    partial = directory.with_name(directory.name + ".partial")
    buffer = io.BytesIO()
    torch.save(vars(state), buffer)
    state_bytes = buffer.getvalue()
    try:
        _remove(partial)
        model.save_pretrained(partial)
        _write_bytes(partial / TRAINING_STATE, state_bytes)
    except BaseException as error:
        _remove(partial)
        needed = model_bytes(model) + len(state_bytes)
        message = write_failure_message(error, directory, needed) if isinstance(error, Exception) else None
        if message is None:
            raise
        kept = (
            f"the last good checkpoint, {directory}, is untouched"
            if (directory / TRAINING_STATE).is_file()
            else "no earlier checkpoint was there"
        )
        raise SaveError(f"{message} The partial checkpoint was removed; {kept}.") from error
    old = directory.with_name(directory.name + ".old")
    _remove(old)
    if directory.exists():
        directory.rename(old)
    partial.rename(directory)
    _remove(old)
    return directory


def read_training_state(directory: str | Path) -> TrainingState:
    """The training state of the checkpoint in `directory`, read safely (no pickled code runs),
    without the weights. Refuses, with the fix, a folder that is no training checkpoint."""
    directory = Path(directory)
    if not directory.is_dir():
        raise MissingFileError(
            f"{directory} not found: --resume needs a checkpoint folder written during training (e.g. OUT/checkpoint)."
        )
    state_file = directory / TRAINING_STATE
    if not state_file.is_file():
        raise MissingFileError(
            f"{state_file} not found: --resume needs a checkpoint folder written during training "
            "(e.g. OUT/checkpoint), not a model folder without training state."
        )
    loaded = safe_torch_load(state_file, "the training state to resume from")
    required = {"step", "data_position", "optimizer", "scheduler"}
    known = required | {"rng", "history", "options"}
    if not isinstance(loaded, dict) or not required <= set(loaded) or not set(loaded) <= known:
        raise BertlibInputError(
            f"{state_file} is not a training state that bertlib wrote (it needs {sorted(required)}). "
            "Resume from the OUT/checkpoint folder of a bertlib run, or start afresh without --resume."
        )
    return TrainingState(**loaded)


def load_checkpoint_weights(directory: str | Path, model: PretrainedModel) -> None:
    """Load the checkpoint's weights into `model`; weights of another model are refused as a resume
    mistake, with the fix."""
    directory = Path(directory)
    try:
        model.load_weights(read_weights(directory), source=str(directory))
    except CheckpointError:
        raise ResumeError(
            f"The weights in {directory} do not fit the model this run builds, so it cannot resume from "
            f"them: the first run made another model{_size_differences(directory, model)}. This comes from "
            "another --preset, --hidden-size or --seq-length than the first run's. Resume with the first "
            "run's options, or start afresh without --resume."
        ) from None


def _size_differences(directory: Path, model: PretrainedModel) -> str:
    """ " (hidden_size 128 there, 256 here; ...)": the sizes in which the checkpoint's model differs."""
    from bertlib.model import BertConfig

    try:
        saved = BertConfig.from_json_file(directory / "config.json")
    except (OSError, ValueError, TypeError):
        return ""
    names = (
        "num_hidden_layers",
        "hidden_size",
        "num_attention_heads",
        "intermediate_size",
        "vocab_size",
        "max_position_embeddings",
    )
    changed = [
        f"{name} {getattr(saved, name)} there, {getattr(model.config, name)} here"
        for name in names
        if getattr(saved, name, None) != getattr(model.config, name, None)
    ]
    return f" ({'; '.join(changed)})" if changed else ""


def load_checkpoint(directory: str | Path, model: PretrainedModel) -> TrainingState:
    """Load the weights into `model` and return the training state (not yet applied to an
    optimiser, schedule or RNG: `TrainingState` says what to apply)."""
    state = read_training_state(directory)
    load_checkpoint_weights(directory, model)
    return state


# -- resuming with the same options ------------------------------------------------------------------


class ResumeError(BertlibInputError):
    """A resume that would mix two runs: other options, or another model, than the checkpoint's."""


#: How each recorded option is named on the command line, and in words.
OPTION_NAMES = {
    "steps": ("--steps", "number of steps"),
    "batch_size": ("--batch-size", "batch size"),
    "lr": ("--lr", "learning rate"),
    "warmup_steps": ("--warmup-steps", "warm-up"),
    "weight_decay": ("--weight-decay", "weight decay"),
    "max_grad_norm": ("--max-grad-norm", "clipping"),
    "accumulation_steps": ("--accumulation-steps", "accumulation"),
    "seed": ("--seed", "seed"),
    "bf16": ("--bf16", "precision"),
    "preset": ("--preset", "preset"),
    "hidden_size": ("--hidden-size", "hidden size"),
    "max_seq_length": ("--seq-length", "sequence length"),
    "max_predictions_per_seq": ("--max-predictions", "masked tokens per example"),
    "dupe_factor": ("--dupe-factor", "dupe factor"),
    "held_out_documents": ("--held-out-documents", "held-out documents"),
    "dropout": ("--dropout", "dropout"),
    "documents": ("--documents", "number of documents"),
    "task": ("--task", "task"),
    "init": ("--init", "init"),
    "checkpoint": ("--checkpoint", "checkpoint"),
    "pooling": ("--pooling", "pooling"),
    "doc_stride": ("--doc-stride", "document stride"),
}


def as_option(name: str, value: Any) -> str:
    """The command-line words that give `name` this value ("--lr 0.002", "--bf16", "no --documents")."""
    flag = OPTION_NAMES.get(name, (f"--{name.replace('_', '-')}", name))[0]
    if isinstance(value, bool):
        return flag if value else f"no {flag}"
    if value is None:
        return f"{flag} 0" if name == "max_grad_norm" else f"no {flag}"
    return f"{flag} {value:g}" if isinstance(value, float) else f"{flag} {value}"


def option_differences(saved: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """One line per option whose value differs between the checkpoint and this run."""
    return [
        f"{OPTION_NAMES.get(name, ('--' + name, name))[0]} ({name}): {saved[name]!r} in the checkpoint, "
        f"{now[name]!r} now"
        for name in sorted(set(saved) & set(now))
        if saved[name] != now[name]
    ]


def check_same_options(directory: str | Path, saved: dict[str, Any], now: dict[str, Any]) -> None:
    """Refuse to resume with options other than the checkpoint's, listing every difference and
    saying how to resume as before or start afresh. A checkpoint from before options were kept
    ({}) is not checked here."""
    differences = option_differences(saved, now)
    if not differences:
        return
    changed = [name for name in sorted(set(saved) & set(now)) if saved[name] != now[name]]
    words = [OPTION_NAMES.get(name, (name, name))[1] for name in changed]
    same = ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]
    raise ResumeError(
        f"{directory} was saved by a run with other options; resuming with these would mix two runs:\n  - "
        + "\n  - ".join(differences)
        + f"\nTo resume as before, give the same {same} as the first run: "
        + ", ".join(as_option(name, saved[name]) for name in changed)
        + ". To start afresh with the new options, leave out --resume (and use another --out, or the "
        "old run's files there are replaced)."
    )


# -- the state of a run's output folder ---------------------------------------------------------------


def write_run_state(directory: str | Path, finished: bool, **details: Any) -> Path:
    """Write RUN_STATE: whether the model in `directory` is finished, and details (step, steps,
    why it stopped, how to resume)."""
    return atomic_write_json(Path(directory) / RUN_STATE, {"finished": finished, **details})


def read_run_state(directory: str | Path) -> dict[str, Any] | None:
    """The RUN_STATE of `directory`, or None where there is none (a model from before it existed)."""
    path = Path(directory) / RUN_STATE
    if not path.is_file():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        state = None
    if not isinstance(state, dict) or not isinstance(state.get("finished"), bool):
        raise BertlibInputError(
            f'{path} is damaged (it should be JSON with "finished": true or false). '
            "Run the step that made this folder again."
        )
    return state


class UnfinishedRunError(BertlibInputError):
    """A model folder whose run did not finish (stopped by Ctrl-C, crashed, or still running)."""


def require_finished(directory: str | Path, allow_unfinished: bool = False) -> None:
    """Refuse the model in `directory` if its RUN_STATE says it is unfinished, unless allowed."""
    state = read_run_state(directory)
    if state is None or state["finished"] or allow_unfinished:
        return
    where = f" at step {state['step']} of {state['steps']}" if "step" in state and "steps" in state else ""
    why = state.get("reason", "its run did not finish")
    resume = f" ({state['resume']})" if state.get("resume") else ""
    raise UnfinishedRunError(
        f"--checkpoint {directory} holds an unfinished run: {why}{where} (see {Path(directory) / RUN_STATE}). "
        f"Finish it first by resuming it{resume}, or pass --allow-unfinished (Python: allow_unfinished=True) "
        "to use it as it is."
    )


# -- one run per output folder ----------------------------------------------------------------------


class FolderInUseError(BertlibInputError):
    """Another run, still alive, holds the output folder's lock."""


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except (OverflowError, ValueError):
        return False
    return True


def _read_lock(path: Path) -> dict[str, Any]:
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _stale(holder: dict[str, Any]) -> bool:
    """A lock whose holder is gone: its process no longer runs on this machine, or it is unreadable."""
    pid = holder.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return True
    if holder.get("host") not in (None, socket.gethostname()):
        return False  # another machine's process: it cannot be checked from here
    return not _process_alive(pid)


def acquire_lock(directory: str | Path, command: str = "") -> Path:
    """Take `directory`'s LOCK_FILE for this process, or raise FolderInUseError naming the live
    holder. A stale lock (its process is gone) is taken over, with a note on stderr. Creating the
    lock is also the check that the folder is writable."""
    import sys

    path = Path(directory) / LOCK_FILE
    mine = (
        json.dumps(
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "command": command,
                "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            }
        )
        + "\n"
    )
    for _ in range(3):
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _read_lock(path)
            if not _stale(holder):
                on = f" on {holder['host']}" if holder.get("host") not in (None, socket.gethostname()) else ""
                raise FolderInUseError(
                    f"--out {directory} is in use by another run (PID {holder['pid']}{on}, started "
                    f"{holder.get('started', '?')}: {holder.get('command') or 'unknown command'}). Wait for it "
                    f"to finish, or choose another --out. If that run is over, delete {path}."
                ) from None
            print(
                f"note: taking over the stale lock {path} of PID {holder.get('pid')}, which no longer runs.",
                file=sys.stderr,
            )
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        except OSError as error:
            message = write_failure_message(error, path) or f"Could not create {path}: {error}."
            raise SaveError(message) from None
        try:
            os.write(descriptor, mine.encode("utf-8"))
        finally:
            os.close(descriptor)
        return path
    raise FolderInUseError(f"--out {directory}: another run keeps taking its lock {path}; choose another --out.")


def release_lock(path: Path) -> None:
    """Remove a lock this process holds (and only such a lock)."""
    if _read_lock(path).get("pid") == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextmanager
def locked_folder(directory: str | Path, command: str = "") -> Iterator[Path]:
    """Hold `directory`'s lock for the duration of a `with` block."""
    path = acquire_lock(directory, command)
    try:
        yield path
    finally:
        release_lock(path)
