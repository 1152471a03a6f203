"""Bad options, paths and faults of `python -m bertlib`, by name. Each ends as an argparse-style
message (usage + "error:", exit code 2, no traceback) that names the option and the fix, before
any training; or, for Ctrl-C, exit code 130 with the model marked unfinished. Two runs on one
--out: the second is refused with the first's PID."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from bertlib.__main__ import main
from bertlib.errors import BertlibInputError
from bertlib.training.checkpoint import LOCK_FILE, RUN_STATE, TRAINING_STATE

from .test_cli import TINY_CORPUS, TINY_FINETUNE, TINY_PRETRAIN

REPO = Path(__file__).resolve().parents[2]


def refused(argv: list[str], capsys) -> str:
    """Run the command in this process; it must end as an argparse error. Returns the message."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m bertlib") and "Traceback" not in err
    return err.split(": error: ", 1)[1]


# -- options refused by argparse, each naming the option and the fix ------------------------------

BAD_OPTIONS = {
    "threads-0": (["pretrain", "--threads", "0"], "--threads: must be at least 1", "torch's choice"),
    "eval-every-negative": (["pretrain", "--eval-every", "-1"], "--eval-every: must be at least 0", "only at the end"),
    "checkpoint-every-negative": (
        ["finetune", "--task", "ner", "--checkpoint-every", "-3"],
        "--checkpoint-every: must be at least 0",
        "Ctrl-C",
    ),
    "max-grad-norm-negative": (["pretrain", "--max-grad-norm", "-1"], "--max-grad-norm", "flip the gradients"),
    "lr-inf": (["pretrain", "--lr", "inf"], "--lr: must be a finite number above 0", "e.g. 1e-3"),
    "lr-nan": (["pretrain", "--lr", "nan"], "--lr: must be a finite number", "not nan"),
    "lr-0": (["finetune", "--task", "ner", "--lr", "0"], "--lr: must be a finite number above 0", "not 0"),
    "documents-0": (["pretrain", "--documents", "0"], "--documents: must be at least 1", "train on all"),
    "batch-size-0": (["pretrain", "--batch-size", "0"], "--batch-size: must be at least 1", "not 0"),
    "steps-2.5": (["pretrain", "--steps", "2.5"], "--steps: '2.5' is not a whole number", "at least 1"),
    "warmup-negative": (["pretrain", "--warmup-steps", "-5"], "--warmup-steps: must be at least 0", "not -5"),
    "accumulation-0": (["pretrain", "--accumulation-steps", "0"], "--accumulation-steps", "at least 1"),
    "weight-decay-negative": (["pretrain", "--weight-decay", "-0.1"], "--weight-decay", "no decay"),
    "dropout-1": (
        ["pretrain", "--dropout", "1"],
        "--dropout: must be a finite number of at least 0 and below 1",
        "e.g. 0.1",
    ),
    "seed-negative": (["pretrain", "--seed", "-1"], "--seed: must be at least 0", "not -1"),
    "hidden-size-0": (["pretrain", "--hidden-size", "0"], "--hidden-size: must be at least 1", "preset's"),
    "held-out-documents-1": (["pretrain", "--held-out-documents", "1"], "--held-out-documents", "at least 2"),
    "doc-stride-0": (
        ["finetune", "--task", "qa", "--doc-stride", "0"],
        "--doc-stride: must be at least 1",
        "must move on",
    ),
    "doc-stride-negative": (["finetune", "--task", "qa", "--doc-stride", "-2"], "--doc-stride", "not -2"),
    "evidence-seeds-0": (["evidence", "--seeds", "0"], "--seeds: must be at least 1", "mean and a spread"),
    "evidence-threads-0": (["evidence", "--threads", "0"], "--threads: must be at least 1", "torch's choice"),
}


@pytest.mark.parametrize("argv, names, fix", BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_bad_option_is_an_argparse_error(argv, names, fix, capsys):
    message = refused(argv, capsys)
    assert names in message and fix in message


# -- refused after parsing, before any work ---------------------------------------------------------


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pretrained")
    assert main(["pretrain", *TINY_PRETRAIN, "--out", str(out)]) == 0
    return out


def test_a_finished_run_is_marked_finished_and_unlocked(pretrained):
    state = json.loads((pretrained / RUN_STATE).read_text())
    assert state["finished"] is True and state["step"] == 2
    assert not (pretrained / LOCK_FILE).exists()
    assert not [p for p in pretrained.rglob("*") if ".tmp-" in p.name or p.name.endswith(".partial")]


LATE_CASES = {
    "documents-more-than-the-corpus": (["pretrain", "--documents", "100000"], "--documents", "Use 1 to"),
    "warmup-longer-than-steps": (
        ["pretrain", "--steps", "2", "--warmup-steps", "5"],
        "--warmup-steps",
        "use at most 2",
    ),
    "batch-not-divisible-by-accumulation": (
        ["pretrain", "--batch-size", "10", "--accumulation-steps", "4"],
        "--accumulation-steps",
        "same size",
    ),
    "doc-stride-not-below-seq-length": (
        ["finetune", "--task", "qa", "--doc-stride", "64"],
        "--doc-stride",
        "--doc-stride 32",
    ),
    "eval-split-unknown": (["finetune", "--task", "ner", "--eval-splits", "dev,bogus"], "--eval-splits", "dev, test"),
    "device-unknown": (["pretrain", "--device", "tpu9"], "--device", "cpu, cuda or cuda:N"),
    "seq-length-beyond-checkpoint": (
        ["finetune", "--task", "ner", "--seq-length", "128"],
        "--seq-length",
        "--seq-length 64 or less",
    ),
    "checkpoint-missing": (
        ["finetune", "--task", "ner", "--checkpoint", "/no/such/model"],
        "--checkpoint",
        "no such folder",
    ),
    "resume-missing": (["pretrain", *TINY_PRETRAIN, "--resume", "/no/such/checkpoint"], "--resume", "OUT/checkpoint"),
    "evidence-task-unknown": (["evidence", "--tasks", "sentiment,pos"], "--tasks", "choose among"),
    "evidence-out-is-a-folder": (["evidence", "--out", "/tmp"], "--out /tmp is a folder", "evidence.json"),
}


@pytest.mark.parametrize("argv, option, fix", LATE_CASES.values(), ids=LATE_CASES.keys())
def test_bad_value_is_refused_before_any_work(argv, option, fix, tmp_path, capsys):
    out = tmp_path / "out"
    message = refused([*argv, *([] if argv[0] == "evidence" else ["--out", str(out)])], capsys)
    assert option in message and fix in message
    assert not out.exists()  # refused before the output folder was touched


def test_out_that_is_a_file_is_refused_before_training(tmp_path, capsys):
    (tmp_path / "model").write_text("my notes")
    message = refused(["pretrain", *TINY_PRETRAIN, "--out", str(tmp_path / "model")], capsys)
    assert "--out" in message and "is a file, not a folder" in message
    assert (tmp_path / "model").read_text() == "my notes"


def test_out_under_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "notes").write_text("x")
    message = refused(["pretrain", *TINY_PRETRAIN, "--out", str(tmp_path / "notes" / "run")], capsys)
    assert "a part of its path is a file" in message


def test_read_only_out_is_refused_before_training(tmp_path, capsys, monkeypatch):
    import bertlib.training.pretraining as pretraining

    out = tmp_path / "ro"
    out.mkdir()
    if os.geteuid() == 0:  # root writes through permission bits: make the folder a read-only mount
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(out)], capture_output=True)
        if done.returncode:
            pytest.skip(f"cannot mount a read-only tmpfs here: {done.stderr.decode().strip()}")
    else:
        out.chmod(0o555)
    monkeypatch.setattr(pretraining, "pretrain", lambda *a, **k: pytest.fail("training started"))
    try:
        message = refused(["pretrain", *TINY_PRETRAIN, "--out", str(out)], capsys)
    finally:
        subprocess.run(["umount", str(out)], capture_output=True) if os.geteuid() == 0 else out.chmod(0o755)
    assert str(out) in message and ("read-only" in message or "not writable" in message)
    assert "choose another --out" in message.lower()


def test_finetune_from_a_checkpoint_subfolder_says_which_folder(pretrained, tmp_path, capsys):
    message = refused(
        [
            "finetune",
            "--task",
            "ner",
            "--checkpoint",
            str(pretrained / "checkpoint"),
            *TINY_FINETUNE,
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert "lacks vocab.txt" in message and "not its checkpoint/ subfolder" in message


def test_finetune_out_onto_its_own_checkpoint_is_refused(pretrained, capsys):
    before = (pretrained / "model.safetensors").read_bytes()
    message = refused(
        ["finetune", "--task", "ner", "--checkpoint", str(pretrained), *TINY_FINETUNE, "--out", str(pretrained)], capsys
    )
    assert "would overwrite the pre-trained model" in message
    assert (pretrained / "model.safetensors").read_bytes() == before


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(BertlibInputError, match="--documents"):
        main(["pretrain", "--documents", "100000", "--debug", "--out", str(tmp_path)])


# -- resume with other options: refused with the list and both ways out ----------------------------

CHANGED = {
    "lr": (["--lr", "0.001"], "--lr (lr): 0.002 in the checkpoint, 0.001 now", "--lr 0.002"),
    "batch-size": (["--batch-size", "16"], "--batch-size (batch_size): 8 in the checkpoint, 16 now", "--batch-size 8"),
    "seed": (["--seed", "7"], "--seed (seed): 0 in the checkpoint, 7 now", "--seed 0"),
    "documents": (["--documents", "30"], "--documents (documents): 40 in the checkpoint, 30 now", "--documents 40"),
    "dropout": (["--dropout", "0.2"], "--dropout (dropout): 0.1 in the checkpoint, 0.2 now", "--dropout 0.1"),
    "preset": (["--preset", "mini"], "--preset (preset): 'tiny' in the checkpoint, 'mini' now", "--preset tiny"),
}


@pytest.mark.parametrize("change, listed, as_before", CHANGED.values(), ids=[f"resume-other-{k}" for k in CHANGED])
def test_resume_with_a_changed_option_is_refused_with_the_list(change, listed, as_before, pretrained, tmp_path, capsys):
    message = refused(
        ["pretrain", *TINY_PRETRAIN, *change, "--out", str(tmp_path), "--resume", str(pretrained / "checkpoint")],
        capsys,
    )
    assert listed in message and as_before in message
    assert "To resume as before" in message and "leave out --resume" in message
    assert "fix config.json" not in message


def test_resume_from_a_malicious_training_state_is_refused_safely(tmp_path, capsys):
    from .test_faults_training import Evil, fresh_model

    checkpoint = tmp_path / "checkpoint"
    fresh_model().save_pretrained(checkpoint)
    marker = tmp_path / "pwned"
    torch.save({"step": 0, "data_position": 0, "optimizer": Evil(marker), "scheduler": {}}, checkpoint / TRAINING_STATE)
    message = refused(["pretrain", *TINY_PRETRAIN, "--out", str(tmp_path / "out"), "--resume", str(checkpoint)], capsys)
    assert "Refused" in message and "could run code" in message
    assert "weights_only" not in message and not marker.exists()


# -- real concurrency and a real Ctrl-C ------------------------------------------------------------

# Long enough to be interrupted: the tiny corpus, a narrow model, and an evaluation at every step.
LONG_PRETRAIN = ["pretrain", "--steps", "100000", *TINY_CORPUS, "--hidden-size", "16", "--eval-every", "1"]
LONG_PRETRAIN += ["--device", "cpu", "--threads", "1", "--no-progress"]


@dataclass
class Interrupted:
    out: Path
    pid: int  # the first run's
    second: subprocess.CompletedProcess  # a second run on the same --out, while the first trained
    returncode: int  # the first run's, after SIGINT
    stdout: str
    stderr: str


def bertlib_process(argv: list[str], **kwargs) -> dict:
    return dict(
        args=[sys.executable, "-m", "bertlib", *argv],
        cwd=REPO,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        **kwargs,
    )


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory) -> Interrupted:
    """A real pre-training process: a second one is started on its --out while it trains, then it
    gets SIGINT (Ctrl-C) after logging its first step."""
    out = tmp_path_factory.mktemp("interrupted")
    first = subprocess.Popen(
        **bertlib_process([*LONG_PRETRAIN, "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    )
    deadline, seen = time.monotonic() + 120, []
    while time.monotonic() < deadline:
        line = first.stdout.readline()
        seen.append(line)
        if line.startswith("step 1:") or not line:
            break
    assert seen and seen[-1].startswith("step 1:"), "".join(seen) + first.stderr.read()
    second = subprocess.run(**bertlib_process([*LONG_PRETRAIN, "--out", str(out)], capture_output=True), timeout=120)
    first.send_signal(signal.SIGINT)
    stdout, stderr = first.communicate(timeout=120)
    return Interrupted(out, first.pid, second, first.returncode, "".join(seen) + stdout, stderr)


def test_second_run_on_the_same_out_is_refused_with_the_holders_pid(interrupted):
    second = interrupted.second
    assert second.returncode == 2 and "Traceback" not in second.stderr
    assert f"is in use by another run (PID {interrupted.pid}" in second.stderr
    assert "choose another --out" in second.stderr


def test_sigint_exits_130_and_marks_the_model_unfinished(interrupted):
    assert interrupted.returncode == 130, interrupted.stderr
    assert "saved to" not in interrupted.stdout and "Traceback" not in interrupted.stderr
    assert "Not finished" in interrupted.stderr and "--resume" in interrupted.stderr
    state = json.loads((interrupted.out / RUN_STATE).read_text())
    assert state["finished"] is False and state["step"] >= 1
    assert state["resume"].endswith(f"--resume {interrupted.out / 'checkpoint'}")
    assert (interrupted.out / "checkpoint" / TRAINING_STATE).is_file()
    assert not (interrupted.out / LOCK_FILE).exists()


def test_finetune_refuses_an_unfinished_checkpoint(interrupted, tmp_path, capsys):
    message = refused(
        [
            "finetune",
            "--task",
            "sentiment",
            "--checkpoint",
            str(interrupted.out),
            *TINY_FINETUNE,
            "--out",
            str(tmp_path),
        ],
        capsys,
    )
    assert "unfinished" in message and "--allow-unfinished" in message and "--resume" in message


def test_finetune_takes_an_unfinished_checkpoint_when_allowed(interrupted, tmp_path, capsys):
    assert (
        main(
            [
                "finetune",
                "--task",
                "sentiment",
                "--checkpoint",
                str(interrupted.out),
                *TINY_FINETUNE,
                "--allow-unfinished",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    assert "saved to" in capsys.readouterr().out
    assert json.loads((tmp_path / RUN_STATE).read_text())["finished"] is True


def test_a_stale_lock_from_a_dead_run_is_taken_over(tmp_path, capsys):
    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / LOCK_FILE).write_text(json.dumps({"pid": dead.pid, "command": "python -m bertlib pretrain"}))
    assert main(["pretrain", *TINY_PRETRAIN, "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert f"stale lock {tmp_path / LOCK_FILE} of PID {dead.pid}" in captured.err
    assert "saved to" in captured.out and not (tmp_path / LOCK_FILE).exists()


def test_real_full_disk_at_the_final_save_is_a_clear_error(tmp_path, capsys):
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a real full disk needs `mount -t tmpfs` (root); test_faults_training simulates ENOSPC")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True)
    if done.returncode:
        pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.decode().strip()}")
    try:
        message = refused(["pretrain", *TINY_PRETRAIN, "--out", str(disk)], capsys)
        assert "the disk is full: free" in message and "MB or choose another --out" in message
        assert sorted(p.name for p in disk.iterdir()) == [RUN_STATE]  # no partial files, no lock
        assert json.loads((disk / RUN_STATE).read_text())["finished"] is False
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# -- second sweep: empty paths, "~", and an option for another task ---------------------------------

EMPTY_PATHS = {
    "pretrain-out-empty": (["pretrain", "--out", ""], "argument --out: is empty; give a folder", "runs/mine"),
    "pretrain-resume-empty": (["pretrain", "--resume", ""], "argument --resume: is empty", "give a folder"),
    "finetune-out-empty": (["finetune", "--task", "ner", "--out", " "], "argument --out: is empty", "give a folder"),
    "finetune-checkpoint-empty": (
        ["finetune", "--task", "ner", "--checkpoint", ""],
        "argument --checkpoint: is empty",
        "give a folder",
    ),
    "evidence-out-empty": (["evidence", "--out", ""], "argument --out: is empty", "give a JSON file"),
    "doc-stride-for-sentiment": (
        ["finetune", "--task", "sentiment", "--doc-stride", "32"],
        "--doc-stride 32 only applies to --task qa",
        "leave it out for --task sentiment",
    ),
    "doc-stride-for-ner": (
        ["finetune", "--task", "ner", "--doc-stride", "16"],
        "only applies to --task qa",
        "leave it out for --task ner",
    ),
}


@pytest.mark.parametrize("argv, names, fix", EMPTY_PATHS.values(), ids=EMPTY_PATHS.keys())
def test_empty_path_or_misplaced_option_is_refused(argv, names, fix, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # were it taken as ".", this is where files would appear
    message = refused(argv, capsys)
    assert names in message and fix in message
    assert list(tmp_path.iterdir()) == []


def test_home_folder_in_a_path_option_is_expanded(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    message = refused(["finetune", "--task", "ner", "--checkpoint", "~/nope"], capsys)
    assert f"--checkpoint {tmp_path / 'nope'}: no such folder" in message


def test_sentiment_with_a_short_seq_length_needs_no_doc_stride():
    from bertlib.training.finetuning import FinetuneOptions

    assert FinetuneOptions(task="sentiment", max_seq_length=16).doc_stride == 32  # QA's stride, unused here
