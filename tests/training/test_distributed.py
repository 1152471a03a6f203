"""The `pretrain` command under torchrun: 2 CPU processes (gloo, DistributedDataParallel) give the
losses of one process with the same global batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import torch

from bertlib.__main__ import main
from bertlib.paths import REPO_ROOT

# Dropout off: each process would draw its own dropout masks. A small corpus keeps it fast.
TINY_RUN = [
    "pretrain",
    "--steps",
    "4",
    "--batch-size",
    "16",
    "--warmup-steps",
    "0",
    "--lr",
    "1e-2",
    "--dropout",
    "0",
    "--documents",
    "60",
    "--held-out-documents",
    "10",
    "--dupe-factor",
    "1",
    "--eval-every",
    "0",
    "--device",
    "cpu",
    "--threads",
    "1",
    "--no-progress",
]


def test_two_processes_match_one_with_the_same_global_batch(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            "-m",
            "bertlib",
            *TINY_RUN,
            "--out",
            str(tmp_path / "ddp"),
        ],
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    main([*TINY_RUN, "--out", str(tmp_path / "single")])

    distributed = json.loads((tmp_path / "ddp" / "pretraining.json").read_text())
    assert distributed["processes"] == 2
    losses = [json.loads((tmp_path / run / "history.json").read_text())["loss"] for run in ("ddp", "single")]
    # Each process masks a different number of tokens: only a global-count mean makes these equal.
    assert torch.allclose(torch.tensor(losses[0]), torch.tensor(losses[1]), atol=1e-4, rtol=0)
