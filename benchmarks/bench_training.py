"""Time the training runs the notebooks make, against the course's budgets (figures, not a timed test).

    python benchmarks/bench_training.py                 # live demo + every notebook fine-tuning run
    python benchmarks/bench_training.py --shipped       # also re-run the shipped checkpoint's pre-training

Budgets, on 2 CPU cores:
- the live pre-training demo (`live_pretraining_demo()`) reaches held-out MLM accuracy >= 0.65
  within 60 s, data preparation included;
- the shipped checkpoint's pre-training (the command in its pretraining.json) takes <= 30 min;
- each notebook fine-tuning run (`finetune_for_notebook(task)`: a task's budget, or its `live_steps`)
  takes <= 60 s, scoring included.

Timings depend on what else the machine runs: the load average is printed before and after.
With 2 threads, torch slows down badly when another process competes for the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from bertlib.assets import RUN_FILE, shipped_checkpoint
from bertlib.training import finetune_for_notebook, live_pretraining_demo


@dataclass(frozen=True)
class Timing:
    """How long one notebook run took, against its budget, and whether its result is good enough."""

    what: str
    seconds: float
    budget: float
    result: str
    ok: bool


def timed(what: str, budget: float, work: Callable[[], tuple[str, bool]]) -> Timing:
    """Run `work` and time it against `budget` seconds."""
    started = time.perf_counter()
    result, ok = work()
    seconds = time.perf_counter() - started
    return Timing(what, seconds, budget, result, ok and seconds <= budget)


def live_demo() -> tuple[str, bool]:
    """The live pre-training demo, and whether it reaches held-out MLM accuracy 0.65."""
    accuracy = live_pretraining_demo(progress=False).scores.mlm_accuracy
    return f"held-out MLM accuracy {accuracy:.3f}", accuracy >= 0.65


def notebook_finetune(task: str, **kwargs) -> Callable[[], tuple[str, bool]]:
    """A notebook's fine-tuning run of `task`, as timed work."""

    def work() -> tuple[str, bool]:
        run = finetune_for_notebook(task, progress=False, **kwargs)
        return f"dev {run.task.headline} {run.headline('dev'):.3f}, test {run.headline('test'):.3f}", True

    return work


def shipped_pretraining() -> tuple[str, bool]:
    """Re-run the recorded command into a temporary folder and compare the held-out accuracy."""
    record = json.loads((shipped_checkpoint() / RUN_FILE).read_text())
    argv = shlex.split(record["command"])[3:]  # after "python -m bertlib"
    with tempfile.TemporaryDirectory() as out:
        argv = [*argv[: argv.index("--out")], *argv[argv.index("--out") + 2 :], "--out", out, "--no-progress"]
        subprocess.run([sys.executable, "-m", "bertlib", *argv], check=True)
        again = json.loads((Path(out) / RUN_FILE).read_text())
    accuracy = again["held_out"]["mlm_accuracy"]
    return f"MLM {accuracy:.3f} (recorded {record['held_out']['mlm_accuracy']:.3f})", True


def main() -> None:
    """Time every notebook run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument(
        "--shipped", action="store_true", help="also re-run the shipped checkpoint's pre-training (~10 min)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, load average before: {os.getloadavg()}")
    timings = [timed("live pre-training demo", 60, live_demo)]
    for task in ("sentiment", "ner", "qa"):
        timings.append(timed(f"fine-tune {task} (pre-trained)", 60, notebook_finetune(task)))
    timings.append(timed("fine-tune sentiment (random init)", 60, notebook_finetune("sentiment", init="random")))
    timings.append(timed("fine-tune sentiment ([CLS] pooling)", 60, notebook_finetune("sentiment", pooling="cls")))
    if args.shipped:
        timings.append(timed("shipped checkpoint pre-training", 30 * 60, shipped_pretraining))
    print(f"load average after: {os.getloadavg()}")
    print("| run | seconds | budget | result | within budget |\n|---|---|---|---|---|")
    for t in timings:
        print(f"| {t.what} | {t.seconds:.1f} | {t.budget:.0f} | {t.result} | {'yes' if t.ok else 'NO'} |")


if __name__ == "__main__":
    main()
