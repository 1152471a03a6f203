"""Bad inputs and faults of the training library, by name: every one ends in a clear error that
names the value and the fix, or in the right result; a failed save leaves no partial file and
the last good checkpoint whole; a diverged step is never applied or saved."""

from __future__ import annotations

import errno
import json
import math
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from bertlib.errors import BertlibInputError, UnsafeFileError
from bertlib.model import BertForPreTraining
from bertlib.training import checkpoint as checkpoint_module
from bertlib.training.checkpoint import (
    LOCK_FILE,
    TRAINING_STATE,
    FolderInUseError,
    ResumeError,
    SaveError,
    UnfinishedRunError,
    acquire_lock,
    atomic_write_json,
    load_checkpoint,
    read_training_state,
    release_lock,
    require_finished,
    save_model_files,
    write_run_state,
)
from bertlib.training.evidence import EvidencePlan
from bertlib.training.finetuning import FinetuneOptions
from bertlib.training.objectives import PreTrainingObjective
from bertlib.training.pretraining import PretrainRunOptions
from bertlib.training.trainer import NonFiniteError, Trainer, TrainingConfig, train

from .conftest import pretraining_examples, tiny_config

QUICK = dict(steps=4, batch_size=8, lr=3e-3, progress=False, device="cpu")


def fresh_model(seed: int = 0) -> BertForPreTraining:
    torch.manual_seed(seed)
    return BertForPreTraining(tiny_config())


def leftovers(folder: Path) -> list[str]:
    """Temporary or partial files a failed save could leave behind."""
    return sorted(p.name for p in folder.rglob("*") if ".tmp-" in p.name or p.name.endswith((".partial", ".old")))


# -- every TrainingConfig field: type and range ---------------------------------------------------

BAD_CONFIGS = {
    "steps-2.5": (dict(steps=2.5), "steps=2.5"),
    "steps-True": (dict(steps=True), "steps=True"),
    "steps-0": (dict(steps=0), "at least 1"),
    "batch_size-0": (dict(batch_size=0), "batch_size=0"),
    "batch_size-float": (dict(batch_size=8.0), "batch_size=8.0"),
    "lr-inf": (dict(lr=math.inf), "lr=inf"),
    "lr-nan": (dict(lr=math.nan), "lr=nan"),
    "lr-0": (dict(lr=0.0), "above 0"),
    "lr-negative": (dict(lr=-1e-3), "lr=-0.001"),
    "lr-text": (dict(lr="1e-3"), "lr='1e-3'"),
    "warmup-negative": (dict(warmup_steps=-1), "warmup_steps=-1"),
    "warmup-longer-than-run": (dict(steps=4, warmup_steps=5), "longer than the run"),
    "weight_decay-negative": (dict(weight_decay=-0.1), "weight_decay=-0.1"),
    "max_grad_norm-negative": (dict(max_grad_norm=-1.0), "flip the gradients"),
    "max_grad_norm-0": (dict(max_grad_norm=0.0), "Turn clipping off with None"),
    "max_grad_norm-nan": (dict(max_grad_norm=math.nan), "max_grad_norm=nan"),
    "accumulation-0": (dict(accumulation_steps=0), "accumulation_steps=0"),
    "accumulation-uneven": (dict(batch_size=10, accumulation_steps=4), "not divisible by accumulation_steps"),
    "eval_every-negative": (dict(eval_every=-1), "eval_every=-1"),
    "checkpoint_every-negative": (dict(checkpoint_every=-3), "checkpoint_every=-3"),
    "seed-negative": (dict(seed=-1), "seed=-1"),
    "bf16-text": (dict(bf16="yes"), "bf16='yes'"),
    "progress-1": (dict(progress=1), "True or False"),
    "device-None": (dict(device=None), "device=None"),
}


@pytest.mark.parametrize("fields, message", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_training_config_refuses(fields, message):
    with pytest.raises(BertlibInputError) as error:
        TrainingConfig(**{**QUICK, **fields})
    assert message in str(error.value)


def test_training_config_takes_numpy_integers_and_int_lr():
    import numpy as np

    config = TrainingConfig(steps=np.int64(3), batch_size=8, lr=1)
    assert config.steps == 3 and config.lr == 1


BAD_OPTIONS = {
    "pretrain-documents-0": (lambda: PretrainRunOptions(documents=0), "documents=0"),
    "pretrain-dropout-1": (lambda: PretrainRunOptions(dropout=1.0), "dropout=1.0"),
    "pretrain-preset-unknown": (lambda: PretrainRunOptions(preset="huge"), "preset='huge'"),
    "pretrain-held-out-1": (lambda: PretrainRunOptions(held_out_documents=1), "held_out_documents=1"),
    "pretrain-hidden-size-True": (lambda: PretrainRunOptions(hidden_size=True), "hidden_size=True"),
    "finetune-doc-stride-0": (lambda: FinetuneOptions(task="qa", doc_stride=0), "never ends"),
    "finetune-doc-stride-negative": (lambda: FinetuneOptions(task="qa", doc_stride=-2), "doc_stride=-2"),
    "finetune-doc-stride-past-window": (lambda: FinetuneOptions(task="qa", doc_stride=64), "skips text"),
    "finetune-eval-splits-string": (lambda: FinetuneOptions(eval_splits="dev"), "eval_splits='dev'"),
    "finetune-eval-split-unknown": (
        lambda: FinetuneOptions(task="ner", eval_splits=("dev", "test_negation")),
        "ner splits",
    ),
    "finetune-pooling-max": (lambda: FinetuneOptions(pooling="max"), "pooling='max'"),
    "evidence-seeds-0": (lambda: EvidencePlan(seeds=0), "seeds=0"),
    "evidence-task-unknown": (lambda: EvidencePlan(tasks=("pos",)), "choose among"),
}


@pytest.mark.parametrize("make, message", BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_run_options_refuse(make, message):
    with pytest.raises(BertlibInputError) as error:
        make()
    assert message in str(error.value)


# -- non-finite losses and gradients ------------------------------------------------------------------


class BadAtCall(PreTrainingObjective):
    """Pre-training, but from forward call `call` on the loss is NaN (`kind="loss"`), or the loss
    stays finite and the gradient is infinite (`kind="gradient"`: d sqrt(x)/dx at x = 0)."""

    def __init__(self, call: int, kind: str):
        self.calls, self.call, self.kind = 0, call, kind

    def sums(self, model, batch):
        self.calls += 1
        sums = super().sums(model, batch)
        if self.calls < self.call:
            return sums
        if self.kind == "loss":
            return sums * math.nan
        weight = next(model.parameters())
        return sums + torch.sqrt((weight - weight.detach()).abs().sum())


@pytest.mark.parametrize(
    "kind, words",
    [("loss", "loss is not a finite number"), ("gradient", "gradient norm")],
    ids=["nan-loss", "inf-gradient"],
)
def test_non_finite_step_stops_with_the_step_and_leaves_the_checkpoint(kind, words, tmp_path):
    config = TrainingConfig(**{**QUICK, "steps": 6, "checkpoint_every": 2})
    model = fresh_model()
    trainer = Trainer(model, pretraining_examples(), BadAtCall(call=3, kind=kind), config, out_dir=tmp_path)
    saved = {}
    original_save = trainer.save

    def save_and_remember(*args):
        path = original_save(*args)
        saved.update({name: (path / name).read_bytes() for name in (TRAINING_STATE, "model.safetensors")})
        saved["weights"] = [p.detach().clone() for p in model.parameters()]
        return path

    trainer.save = save_and_remember
    with pytest.raises(NonFiniteError) as error:
        trainer.run()
    assert f"{words}" in str(error.value) and "step 3 of 6" in str(error.value)
    assert "--lr" in str(error.value) and "is untouched" in str(error.value)
    checkpoint = tmp_path / "checkpoint"
    assert {name: (checkpoint / name).read_bytes() for name in saved if name != "weights"} == {
        name: value for name, value in saved.items() if name != "weights"
    }
    assert read_training_state(checkpoint).step == 2
    # Step 3 was not applied: the weights are those saved after step 2.
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), saved["weights"], strict=True))


# -- resuming ------------------------------------------------------------------------------------------


def test_resume_with_other_options_lists_each_difference(tmp_path):
    config = TrainingConfig(**QUICK)
    train(fresh_model(), pretraining_examples(), PreTrainingObjective(), config, out_dir=tmp_path)
    changed = replace(config, lr=1e-3, seed=5)
    trainer_args = (fresh_model(), pretraining_examples(), PreTrainingObjective(), changed)
    with pytest.raises(ResumeError) as error:
        Trainer(*trainer_args, resume_from=tmp_path / "checkpoint", run_options={"dropout": 0.1})
    text = str(error.value)
    assert "--lr (lr): 0.003 in the checkpoint, 0.001 now" in text and "--seed (seed): 0" in text
    assert "same learning rate and seed" in text and "--lr 0.003, --seed 0" in text
    assert "leave out --resume" in text and "config.json" not in text


def test_resume_into_another_model_does_not_say_fix_config_json(tmp_path):
    train(fresh_model(), pretraining_examples(), PreTrainingObjective(), TrainingConfig(**QUICK), out_dir=tmp_path)
    torch.manual_seed(0)
    wider = BertForPreTraining(tiny_config(hidden_size=32, intermediate_size=64))
    with pytest.raises(ResumeError) as error:
        load_checkpoint(tmp_path / "checkpoint", wider)
    assert "another --preset" in str(error.value) and "hidden_size 16 there, 32 here" in str(error.value)
    assert "config.json" not in str(error.value)


class Evil:
    """A pickle that would run a shell command when loaded unsafely."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_malicious_training_state_is_refused_without_suggesting_weights_only_false(tmp_path):
    marker = tmp_path / "pwned"
    fresh_model().save_pretrained(tmp_path)
    torch.save({"step": 1, "data_position": 1, "optimizer": {}, "scheduler": Evil(marker)}, tmp_path / TRAINING_STATE)
    with pytest.raises(UnsafeFileError) as error:
        load_checkpoint(tmp_path, fresh_model())
    assert "weights_only" not in str(error.value) and "Refused" in str(error.value)
    assert not marker.exists()


def test_training_state_of_the_wrong_shape_is_refused(tmp_path):
    torch.save({"weights": torch.zeros(2)}, tmp_path / TRAINING_STATE)
    with pytest.raises(BertlibInputError, match="not a training state that bertlib wrote"):
        read_training_state(tmp_path)


# -- saves that cannot corrupt or leak ----------------------------------------------------------------


def failing(number: int, after: int = 0):
    """A _write_bytes that writes `after` bytes and then fails as the OS would with `number`."""

    def write(path: Path, data: bytes) -> None:
        path.write_bytes(data[:after])
        raise OSError(number, os.strerror(number))

    return write


@pytest.mark.parametrize(
    "number, words",
    [
        (errno.ENOSPC, "the disk is full: free"),
        (errno.EACCES, "is not writable (permission denied)"),
        (errno.EROFS, "read-only file system"),
    ],
    ids=["simulated-disk-full", "simulated-permission-denied", "simulated-read-only"],
)
def test_failed_json_write_removes_the_partial_file_and_keeps_the_old(number, words, tmp_path, monkeypatch):
    target = tmp_path / "history.json"
    atomic_write_json(target, {"old": True})
    monkeypatch.setattr(checkpoint_module, "_write_bytes", failing(number, after=3))
    with pytest.raises(SaveError) as error:
        atomic_write_json(target, {"new": True})
    assert words in str(error.value) and str(target) in str(error.value)
    assert json.loads(target.read_text()) == {"old": True} and leftovers(tmp_path) == []


def test_simulated_full_disk_during_checkpoint_keeps_the_last_good_one(tmp_path, monkeypatch):
    config = TrainingConfig(**QUICK)
    train(fresh_model(), pretraining_examples(), PreTrainingObjective(), config, out_dir=tmp_path)
    before = (tmp_path / "checkpoint" / TRAINING_STATE).read_bytes()
    monkeypatch.setattr(checkpoint_module, "_write_bytes", failing(errno.ENOSPC, after=100))
    with pytest.raises(SaveError) as error:
        train(fresh_model(), pretraining_examples(), PreTrainingObjective(), config, out_dir=tmp_path)
    text = str(error.value)
    assert "the disk is full: free" in text and "MB or choose another --out" in text
    assert "the last good checkpoint" in text and "is untouched" in text
    assert (tmp_path / "checkpoint" / TRAINING_STATE).read_bytes() == before and leftovers(tmp_path) == []


def test_full_disk_reported_only_as_text_by_safetensors_is_recognised(tmp_path, monkeypatch):
    def refuse(self, path):
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("Error while serializing: I/O error: No space left on device (os error 28)")

    monkeypatch.setattr(BertForPreTraining, "save_pretrained", refuse)
    with pytest.raises(SaveError, match="the disk is full"):
        save_model_files(fresh_model(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_a_write_removes_the_partial_file(tmp_path, monkeypatch):
    def interrupted(path, data):
        path.write_bytes(data[:2])
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint_module, "_write_bytes", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_json(tmp_path / "finetuning.json", {"a": 1})
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def small_tmpfs(tmp_path):
    """mount(size_bytes) -> a folder on a tmpfs of that size; skips where mounting is not allowed."""
    mounted = []

    def mount(size: int) -> Path:
        folder = tmp_path / f"tmpfs{len(mounted)}"
        folder.mkdir()
        if os.geteuid() != 0:
            pytest.skip("a real full disk needs `mount -t tmpfs` (root); the simulated ENOSPC tests cover it")
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, text=True
        )
        if done.returncode:
            pytest.skip(
                f"mounting a tmpfs is not permitted here ({done.stderr.strip()}); the simulated ENOSPC tests cover it"
            )
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=False)


def disk_usage(folder: Path) -> int:
    """Bytes the files under `folder` take in whole 4 KiB pages, as tmpfs counts them."""
    return sum(math.ceil(p.stat().st_size / 4096) * 4096 for p in folder.rglob("*") if p.is_file())


def test_real_full_disk_during_checkpoint_keeps_the_last_good_one(tmp_path, small_tmpfs):
    config = TrainingConfig(**{**QUICK, "checkpoint_every": 1})
    train(
        fresh_model(),
        pretraining_examples(),
        PreTrainingObjective(),
        replace(config, steps=1),
        out_dir=tmp_path / "measure",
    )
    one_checkpoint = disk_usage(tmp_path / "measure" / "checkpoint")
    disk = small_tmpfs(one_checkpoint * 3 // 2)  # room for one checkpoint, not for the next beside it
    with pytest.raises(SaveError) as error:
        train(fresh_model(), pretraining_examples(), PreTrainingObjective(), config, out_dir=disk)
    assert "the disk is full: free" in str(error.value) and "is untouched" in str(error.value)
    assert read_training_state(disk / "checkpoint").step == 1  # the last good one, whole
    load_checkpoint(disk / "checkpoint", fresh_model())
    assert leftovers(disk) == []


def test_out_dir_that_is_a_file_is_refused_before_training(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(BertlibInputError, match="is a file, not a folder"):
        Trainer(
            fresh_model(),
            pretraining_examples(),
            PreTrainingObjective(),
            TrainingConfig(**QUICK),
            out_dir=tmp_path / "notes.txt",
        )
    assert (tmp_path / "notes.txt").read_text() == "mine"


# -- the output folder: lock and run state --------------------------------------------------------


def dead_pid() -> int:
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


def test_a_live_lock_is_refused_naming_its_pid(tmp_path):
    holder = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / LOCK_FILE).write_text(json.dumps({"pid": holder.pid, "command": "python -m bertlib pretrain"}))
        with pytest.raises(FolderInUseError) as error:
            acquire_lock(tmp_path)
        assert f"PID {holder.pid}" in str(error.value) and "choose another --out" in str(error.value)
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("content", ["dead", "garbage"], ids=["stale-lock-dead-pid", "stale-lock-garbage"])
def test_a_stale_lock_is_taken_over(content, tmp_path, capsys):
    text = json.dumps({"pid": dead_pid()}) if content == "dead" else "{not json"
    (tmp_path / LOCK_FILE).write_text(text)
    path = acquire_lock(tmp_path, "mine")
    assert json.loads(path.read_text())["pid"] == os.getpid()
    assert "stale lock" in capsys.readouterr().err
    release_lock(path)
    assert not path.exists()


def test_unfinished_run_state_is_refused_unless_allowed(tmp_path):
    write_run_state(
        tmp_path,
        finished=False,
        reason="it was stopped (Ctrl-C) before its last step",
        step=3,
        steps=10,
        resume="python -m bertlib pretrain --resume x/checkpoint",
    )
    with pytest.raises(UnfinishedRunError) as error:
        require_finished(tmp_path)
    assert "at step 3 of 10" in str(error.value) and "--allow-unfinished" in str(error.value)
    require_finished(tmp_path, allow_unfinished=True)
    write_run_state(tmp_path, finished=True)
    require_finished(tmp_path)


# -- second sweep: a micro-batch with nothing to score ----------------------------------------------


def test_a_micro_batch_with_no_label_adds_zero_not_nan():
    """The heads' mean loss refuses all -100 labels (it would be NaN), but the trainer sums: a tiny
    micro-batch with no masked token (or only -100 tags) adds 0 with a gradient, and the step's count
    (clamped to 1) keeps the step finite."""
    from types import SimpleNamespace

    from bertlib.training.objectives import LabelObjective

    logits = torch.randn(2, 5, 3, requires_grad=True)
    batch = SimpleNamespace(labels=torch.full((2, 5), -100), as_kwargs=dict)
    objective = LabelObjective("tagging")
    summed = objective.sums(lambda: SimpleNamespace(logits=logits), batch)
    summed.sum().backward()
    assert objective.counts(batch).tolist() == [0.0] and summed.tolist() == [0.0]
    assert torch.equal(logits.grad, torch.zeros_like(logits))


def test_course_py_names_an_unknown_command(tmp_path):
    import sys

    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, str(repo / "course.py"), "bogus"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "unknown command 'bogus'; choose one of lab, test, student, site, setup" in done.stderr
