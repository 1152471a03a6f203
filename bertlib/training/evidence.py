"""Evidence that pre-training helps: the same fine-tuning from the shipped checkpoint and from
random init, over several seeds, next to a bag-of-words baseline for sentiment.

The comparison is kept fair by construction:

- both models have the same architecture, the same steps, batch size and dropout on each task;
- each gets the same learning-rate search: every rate of the task's grid is tried with the first
  seed (the first `budget.search_seeds` seeds, where the task's dev scores are close enough for one
  seed's luck to decide), and each model keeps its own best rate on the dev split, the mean over
  those seeds (never on test);
- the chosen rate is then run with seeds first_seed .. first_seed + N - 1 and scored on the test splits;
- the bag-of-words logistic regression picks its L2 penalty on dev too (`baselines.py`); it is
  deterministic, so its "seeds" agree.

Every single run depends only on its task, model, rate and seed, so `jobs` processes (one torch
thread each by default) give the same numbers as one (tests/training/test_evidence.py checks short
runs; two full runs have differed slightly in some NER and QA dev scores, enough to move a
near-tie). `python -m bertlib evidence` prints the table,
the target checks and its run time, and saves everything to data/evidence.json, which the notebooks
and the README show (`load_evidence()`, `evidence_table()`). Its job ends at running the comparison
and saying whether the targets (each task's `EvidenceTarget`) hold; each single run is
`finetuning.py`'s.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import statistics
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from bertlib.errors import BertlibInputError
from bertlib.paths import DATA_DIR
from bertlib.training.baselines import fit_bag_of_words
from bertlib.training.checkpoint import atomic_write_text
from bertlib.training.finetuning import FinetuneOptions, FineTuningTask, finetune, make_task
from bertlib.training.registry import (
    PRETRAINED_VS_RANDOM,
    Contender,
    EvidenceTarget,
    task_names,
    task_spec,
    task_specs,
)
from bertlib.training.trainer import TrainingConfig

EVIDENCE_FILE = "evidence.json"
BAG_OF_WORDS = "bag-of-words"


def _all_tasks() -> tuple[str, ...]:
    return task_names()


@dataclass(frozen=True)
class EvidencePlan:
    """What the evidence runs: how many seeds from which, on which registered tasks, from which
    checkpoint, in how many processes."""

    seeds: int = 5
    tasks: tuple[str, ...] = field(default_factory=_all_tasks)
    checkpoint: Path | None = None  # default: the shipped checkpoint
    allow_unfinished: bool = False  # accept a checkpoint whose pre-training run did not finish
    first_seed: int = 0  # the seeds are first_seed .. first_seed + seeds - 1; the rate search uses the first
    # (the first budget.search_seeds of them)
    jobs: int = 1  # processes running fine-tuning runs side by side (the numbers do not depend on it)
    threads: int | None = None  # torch threads per run (default: torch's choice with 1 job, 1 thread with more)

    def __post_init__(self) -> None:
        """Refuse a bad seed count, first seed, job count or an unknown task, naming the option."""
        for name, minimum, flag, why in (
            ("seeds", 1, "--seeds", "each model needs a seed to be scored (5 gives a mean and a spread)"),
            ("first_seed", 0, "--first-seed", "seeds are whole numbers from 0"),
            ("jobs", 1, "--jobs", "one process per core at most is useful, e.g. --jobs 2"),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise BertlibInputError(
                    f"{name}={value!r} ({flag}) must be a whole number of at least {minimum}: {why}."
                )
        unknown = [task for task in self.tasks if task not in task_specs()]
        if isinstance(self.tasks, str) or unknown or not self.tasks:
            raise BertlibInputError(
                f"tasks={self.tasks!r} (--tasks): choose among {', '.join(task_names())}, "
                "e.g. --tasks sentiment,ner (Python: a tuple)."
            )

    @property
    def seed_list(self) -> list[int]:
        """The fine-tuning seeds, in order."""
        return list(range(self.first_seed, self.first_seed + self.seeds))

    def finetune_options(
        self, task: str, contender: Contender = PRETRAINED_VS_RANDOM[0], eval_splits: tuple[str, ...] = ("dev",)
    ) -> FinetuneOptions:
        """The options of one of the plan's fine-tuning runs: `contender` on `task`, from the plan's
        checkpoint, scored on `eval_splits` (the CLI checks the checkpoint with the same ones)."""
        return FinetuneOptions(
            task=task,
            init=contender.init,
            checkpoint=self.checkpoint,
            pooling=contender.pooling,
            eval_splits=eval_splits,
            allow_unfinished=self.allow_unfinished,
        )


@dataclass
class Row:
    """One model's scores on one test split and metric, one value per seed (fractions in [0, 1])."""

    task: str
    split: str
    metric: str  # as the table names it, e.g. "accuracy" or "exact match"
    model: str
    values: list[float]
    lr: float | None = None  # the learning rate chosen on dev (None for the bag of words)
    dev_by_lr: dict[str, float] = field(default_factory=dict)  # the search: lr -> mean dev score over the search seeds
    headline: bool = True  # the task's headline metric (the targets are about it), or a reported extra

    @property
    def mean(self) -> float:
        """The mean over the seeds."""
        return statistics.fmean(self.values)

    @property
    def std(self) -> float:
        """The sample standard deviation over the seeds (0 for one seed)."""
        return statistics.stdev(self.values) if len(self.values) > 1 else 0.0

    def cell(self) -> str:
        """ "97.1 ± 0.5 (96.3–97.8)", in percent."""
        return (
            f"{100 * self.mean:.1f} ± {100 * self.std:.1f} ({100 * min(self.values):.1f}–{100 * max(self.values):.1f})"
        )


@dataclass(frozen=True)
class TargetCheck:
    """One of the evidence's targets, whether it holds, and the numbers behind it."""

    target: str
    holds: bool
    detail: str


# -- running ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRequest:
    """One fine-tuning run of the evidence: everything its numbers depend on."""

    task: str
    contender: Contender
    config: TrainingConfig  # the loop's settings: the task's budget at one learning rate and seed
    splits: tuple[str, ...]  # scored at the end: ("dev",) in the search, the test splits after


_TASKS_MADE: dict[tuple[str, Path | None], FineTuningTask] = {}  # a process's tasks, features made once


def _task(name: str, checkpoint: Path | None) -> FineTuningTask:
    if (name, checkpoint) not in _TASKS_MADE:
        _TASKS_MADE[name, checkpoint] = make_task(FinetuneOptions(task=name, checkpoint=checkpoint))
    return _TASKS_MADE[name, checkpoint]


def run_request(plan: EvidencePlan, request: RunRequest, progress: bool = False) -> dict[str, dict[str, float]]:
    """Run one request; its headline and reported metrics on each split: split -> metric -> value."""
    spec = task_spec(request.task)
    task = _task(request.task, plan.checkpoint)
    options = plan.finetune_options(request.task, request.contender, request.splits)
    config = dataclasses.replace(request.config, progress=progress)
    run = finetune(options, config, task=task)
    metrics = (task.headline, *(reported.attribute for reported in spec.reported))
    return {split: {name: float(getattr(run.scores[split], name)) for name in metrics} for split in request.splits}


def _start_worker(threads: int) -> None:
    torch.set_num_threads(threads)


def _run_in_worker(job: tuple[EvidencePlan, RunRequest]) -> dict[str, dict[str, float]]:
    return run_request(*job)


def run_requests(
    plan: EvidencePlan, requests: Sequence[RunRequest], progress: bool = True
) -> list[dict[str, dict[str, float]]]:
    """Every request's metrics, in order: one after another, or in `plan.jobs` fresh processes
    (spawned, so a task registered at run time outside bertlib needs jobs=1)."""
    if plan.jobs == 1:
        return [run_request(plan, request, progress) for request in requests]
    context = multiprocessing.get_context("spawn")  # fork would copy torch's thread pools mid-use
    with ProcessPoolExecutor(plan.jobs, context, initializer=_start_worker, initargs=(plan.threads or 1,)) as pool:
        futures = [pool.submit(_run_in_worker, (plan, request)) for request in requests]
        if progress:  # bars from several processes would garble each other: one line per finished run
            for done, future in enumerate(as_completed(futures), start=1):
                future.result()  # a run's error ends the evidence here, with its traceback
                print(f"  {done}/{len(futures)} runs done", flush=True)
        return [future.result() for future in futures]


def contender_rows(plan: EvidencePlan, progress: bool = True) -> list[Row]:
    """Search every contender's learning rate on dev (the mean over the task's first `search_seeds`
    seeds), then run every seed at its best rate; one Row per (task, contender, test split, metric)."""
    pairs = [(name, contender) for name in plan.tasks for contender in task_spec(name).contenders]

    def search_seeds(name: str) -> range:
        return range(plan.first_seed, plan.first_seed + task_spec(name).budget.search_seeds)

    search = [
        RunRequest(name, contender, task_spec(name).budget.config(seed, lr), ("dev",))
        for name, contender in pairs
        for lr in task_spec(name).budget.lrs
        for seed in search_seeds(name)
    ]
    found = iter(run_requests(plan, search, progress))
    dev_by_lr = {
        (name, contender): {
            f"{lr:g}": statistics.fmean(
                next(found)["dev"][task_spec(name).task_class.headline] for _ in search_seeds(name)
            )
            for lr in task_spec(name).budget.lrs
        }
        for name, contender in pairs
    }
    best_lr = {pair: float(max(scores, key=scores.__getitem__)) for pair, scores in dev_by_lr.items()}
    runs = [
        RunRequest(
            name, contender, task_spec(name).budget.config(seed, best_lr[name, contender]), task_spec(name).test_splits
        )
        for name, contender in pairs
        for seed in plan.seed_list
    ]
    results = iter(run_requests(plan, runs, progress))
    rows: list[Row] = []
    for name, contender in pairs:
        spec = task_spec(name)
        per_seed = [next(results) for _ in plan.seed_list]
        metrics = [(spec.task_class.headline, spec.headline_label or spec.task_class.headline, True)]
        metrics += [(reported.attribute, reported.label, False) for reported in spec.reported]
        found_rows = [
            Row(
                name,
                split,
                label,
                contender.name,
                [run[split][attribute] for run in per_seed],
                best_lr[name, contender],
                dev_by_lr[name, contender],
                headline,
            )
            for split in spec.test_splits
            for attribute, label, headline in metrics
        ]
        rows += found_rows
        print(
            f"{name}, {contender.name}: lr {best_lr[name, contender]:g} (dev by lr {dev_by_lr[name, contender]}); "
            + "; ".join(f"{row.split} {row.metric} {row.cell()}" for row in found_rows),
            flush=True,
        )
    return rows


def bag_of_words_rows(seeds: int, task: FineTuningTask) -> list[Row]:
    """The deterministic bag-of-words baseline on a sentence-label task's test splits (its value
    repeated per seed); the course's is sentiment. Its examples have `.text` and `.label`."""

    def texts_labels(split: str) -> tuple[list[str], list[int]]:
        examples = task.examples(split)
        return [e.text for e in examples], [e.label for e in examples]

    model = fit_bag_of_words(texts_labels("train"), texts_labels("dev"))
    spec = task_spec(task.name)
    return [
        Row(
            task.name,
            split,
            spec.headline_label or "accuracy",
            BAG_OF_WORDS,
            [model.accuracy(*texts_labels(split))] * seeds,
        )
        for split in spec.test_splits
    ]


def collect_rows(plan: EvidencePlan, progress: bool = True) -> list[Row]:
    """Every contender of every planned task (and the bag of words where the task's entry asks),
    ordered by task, then contender."""
    rows = contender_rows(plan, progress)
    for name in plan.tasks:
        if task_spec(name).bag_of_words:
            rows += bag_of_words_rows(plan.seeds, _task(name, plan.checkpoint))
    order = {name: i for i, name in enumerate(plan.tasks)}
    return sorted(rows, key=lambda row: order[row.task])  # stable: contenders keep their order


# -- judging and showing -------------------------------------------------------------------------------


def _find(rows: list[Row], task: str, split: str, model: str, metric: str | None = None) -> Row | None:
    """`model`'s row on `task`'s `split`: for `metric`, or (None) for the task's headline metric."""
    return next(
        (
            r
            for r in rows
            if (r.task, r.split, r.model) == (task, split, model) and (r.metric == metric if metric else r.headline)
        ),
        None,
    )


def check_targets(rows: list[Row]) -> list[TargetCheck]:
    """The targets of each task's entry: the pre-trained model's level, its gain over random init
    with the ranges over the seeds apart, its spread; no chosen learning rate at the edge of its
    grid; and the bag of words below pre-trained on the negation split."""
    checks = []
    for row in rows:
        random = _find(rows, row.task, row.split, "random init")
        if row.model == "pre-trained" and row.headline and random is not None:
            checks += target_checks(row, random)
    checks += edge_checks(rows)
    negation = _find(rows, "sentiment", "test_negation", "pre-trained")
    bag = _find(rows, "sentiment", "test_negation", BAG_OF_WORDS)
    if negation and bag:
        checks.append(
            TargetCheck(
                "sentiment test_negation: bag-of-words below pre-trained",
                bag.mean < min(negation.values),
                f"bag-of-words {100 * bag.mean:.1f} vs pre-trained min {100 * min(negation.values):.1f}",
            )
        )
    return checks


def target_checks(pretrained: Row, random: Row) -> list[TargetCheck]:
    """The task's `EvidenceTarget` on one test split: level, gain over random init, ranges apart, spread."""
    target = task_spec(pretrained.task).target if pretrained.task in task_specs() else EvidenceTarget()
    at_least, min_gain = target.at_least, target.gain_over_random
    where = f"{pretrained.task} {pretrained.split}"
    gain = 100 * (pretrained.mean - random.mean)
    checks = []
    if at_least:
        checks.append(
            TargetCheck(
                f"{where}: pre-trained {pretrained.metric} >= {at_least:g}",
                100 * pretrained.mean >= at_least,
                f"mean {100 * pretrained.mean:.1f}",
            )
        )
    checks += [
        TargetCheck(
            f"{where}: pre-trained >= random init + {min_gain:g} points",
            gain >= min_gain,
            f"gain {gain:.1f} points",
        ),
        TargetCheck(
            f"{where}: ranges do not overlap",
            min(pretrained.values) > max(random.values),
            f"pre-trained min {100 * min(pretrained.values):.1f} vs random max {100 * max(random.values):.1f}",
        ),
    ]
    if target.max_std is not None:
        checks.append(
            TargetCheck(
                f"{where}: pre-trained std <= {target.max_std:g} points",
                100 * pretrained.std <= target.max_std,
                f"std {100 * pretrained.std:.1f}",
            )
        )
    return checks


def edge_checks(rows: list[Row]) -> list[TargetCheck]:
    """Each model's chosen rate lies inside its grid, not at an end: a best rate at the edge means
    a better one may lie beyond it."""
    checks = []
    for task, model in dict.fromkeys((r.task, r.model) for r in rows if r.lr is not None and len(r.dev_by_lr) >= 3):
        row = next(r for r in rows if (r.task, r.model) == (task, model))
        grid = sorted(float(lr) for lr in row.dev_by_lr)
        checks.append(
            TargetCheck(
                f"{task}, {model}: chosen rate inside the grid",
                grid[0] < float(row.lr or 0) < grid[-1],
                f"lr {row.lr:g} of {', '.join(f'{lr:g}' for lr in grid)}",
            )
        )
    return checks


def evidence_table(rows: list[Row]) -> str:
    """A markdown table: one line per (task, split, metric), one column per model, mean ± std (min–max) in %."""
    models = list(dict.fromkeys(r.model for r in rows))
    lines = ["| task | split | metric | " + " | ".join(models) + " |", "|---" * (3 + len(models)) + "|"]
    for task, split, metric in dict.fromkeys((r.task, r.split, r.metric) for r in rows):
        cells = [row.cell() if (row := _find(rows, task, split, m, metric)) else "" for m in models]
        lines.append(f"| {task} | {split} | {metric} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def checks_text(checks: list[TargetCheck]) -> str:
    """The target checks as a markdown checklist."""
    return "\n".join(f"- [{'x' if c.holds else ' '}] {c.target}: {c.detail}" for c in checks)


@dataclass
class EvidenceResult:
    """The evidence: every row, the target checks, and how it was made."""

    rows: list[Row]
    checks: list[TargetCheck]
    command: str = ""
    seeds: int = 0
    budgets: dict = field(default_factory=dict)
    first_seed: int = 0
    seconds: float = 0.0  # the command's run time
    jobs: int = 1  # processes it ran in

    @property
    def all_hold(self) -> bool:
        """Whether every target holds."""
        return all(c.holds for c in self.checks)

    @property
    def seed_list(self) -> list[int]:
        """The fine-tuning seeds, as the plan that made this result ran them."""
        return list(range(self.first_seed, self.first_seed + self.seeds))

    @property
    def seed_range(self) -> str:
        """ "seeds 0–4"."""
        return f"seeds {self.first_seed}–{self.first_seed + self.seeds - 1}"

    @property
    def run_time(self) -> str:
        """ "41 min with 2 processes"."""
        processes = "1 process" if self.jobs == 1 else f"{self.jobs} processes"
        return f"{self.seconds / 60:.0f} min with {processes}"

    def to_dict(self) -> dict:
        """The result as JSON-ready data (data/evidence.json)."""
        return {
            "command": self.command,
            "seeds": self.seeds,
            "first_seed": self.first_seed,
            "seconds": round(self.seconds, 1),
            "jobs": self.jobs,
            "budgets": self.budgets,
            "rows": [asdict(r) for r in self.rows],
            "checks": [asdict(c) for c in self.checks],
            "table": evidence_table(self.rows),
        }

    @classmethod
    def from_dict(cls, data: dict) -> EvidenceResult:
        """A result read back from `to_dict`'s data."""
        return cls(
            rows=[Row(**r) for r in data["rows"]],
            checks=[TargetCheck(**c) for c in data["checks"]],
            command=data["command"],
            seeds=data["seeds"],
            budgets=data["budgets"],
            first_seed=data.get("first_seed", 0),
            seconds=data.get("seconds", 0.0),
            jobs=data.get("jobs", 1),
        )


def run_evidence_plan(
    plan: EvidencePlan, out: Path | None = None, progress: bool = True, command: str = ""
) -> EvidenceResult:
    """Run every comparison, print the table, the target checks and the run time, and save the JSON."""
    started = time.perf_counter()
    rows = collect_rows(plan, progress)
    budgets = {name: asdict(task_spec(name).budget) for name in plan.tasks}
    result = EvidenceResult(
        rows,
        check_targets(rows),
        command,
        plan.seeds,
        budgets,
        plan.first_seed,
        time.perf_counter() - started,
        plan.jobs,
    )
    out = out or DATA_DIR / EVIDENCE_FILE
    atomic_write_text(out, json.dumps(result.to_dict(), indent=2) + "\n")
    print(evidence_table(rows))
    print(checks_text(result.checks))
    print(
        f"{'Every target holds' if result.all_hold else 'Some targets do not hold'}; "
        f"the evidence took {result.run_time}."
    )
    return result


def load_evidence(path: str | Path | None = None) -> EvidenceResult:
    """The saved evidence (data/evidence.json by default), e.g. for the notebooks:
    `print(evidence_table(load_evidence().rows))`."""
    path = Path(path) if path is not None else DATA_DIR / EVIDENCE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; make it with `python -m bertlib evidence`.")
    return EvidenceResult.from_dict(json.loads(path.read_text()))
