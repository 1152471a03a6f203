"""Evidence that pre-training helps: the same fine-tuning from the shipped checkpoint and from
random init, over several seeds, next to a bag-of-words baseline for sentiment.

The comparison is kept fair by construction:

- both models have the same architecture, the same steps, batch size and dropout on each task;
- each gets the same learning-rate search: every rate of the task's grid is tried with seed 0,
  and each model keeps its own best rate on the dev split (never on test);
- the chosen rate is then run with seeds 0 .. N-1 and scored on the test splits;
- the bag-of-words logistic regression picks its L2 penalty on dev too (`baselines.py`); it is
  deterministic, so its "seeds" agree.

`python -m bertlib evidence` prints the table and saves everything to data/evidence.json, which
notebooks 07 and 09 and the README show (`load_evidence()`, `evidence_table()`). Its job ends at running
the comparison and saying whether the targets hold; each single run is `finetuning.py`'s.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bertlib.errors import BertlibInputError
from bertlib.paths import DATA_DIR
from bertlib.training.baselines import fit_bag_of_words
from bertlib.training.checkpoint import atomic_write_text
from bertlib.training.finetuning import FinetuneOptions, FineTuningTask, finetune, make_task
from bertlib.training.registry import PRETRAINED_VS_RANDOM, Contender, task_names, task_spec, task_specs

EVIDENCE_FILE = "evidence.json"
#: Pre-trained must beat random init by this many points (percent) on every test split.
MIN_GAIN_POINTS = 10.0


BAG_OF_WORDS = "bag-of-words"


def _all_tasks() -> tuple[str, ...]:
    return task_names()


@dataclass(frozen=True)
class EvidencePlan:
    """What the evidence runs: how many seeds, on which registered tasks, from which checkpoint."""

    seeds: int = 5
    tasks: tuple[str, ...] = field(default_factory=_all_tasks)
    checkpoint: Path | None = None  # default: the shipped checkpoint
    allow_unfinished: bool = False  # accept a checkpoint whose pre-training run did not finish

    def __post_init__(self) -> None:
        """Refuse a bad seed count or an unknown task, naming the option."""
        if isinstance(self.seeds, bool) or not isinstance(self.seeds, int) or self.seeds < 1:
            raise BertlibInputError(
                f"seeds={self.seeds!r} (--seeds) must be a whole number of at least 1: each "
                "model needs a seed to be scored (5 gives a mean and a spread)."
            )
        unknown = [task for task in self.tasks if task not in task_specs()]
        if isinstance(self.tasks, str) or unknown or not self.tasks:
            raise BertlibInputError(
                f"tasks={self.tasks!r} (--tasks): choose among {', '.join(task_names())}, "
                "e.g. --tasks sentiment,ner (Python: a tuple)."
            )

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
    """One model's scores on one test split, one value per seed (fractions in [0, 1])."""

    task: str
    split: str
    metric: str
    model: str
    values: list[float]
    lr: float | None = None  # the learning rate chosen on dev (None for the bag of words)
    dev_by_lr: dict[str, float] = field(default_factory=dict)  # the search: lr -> dev score (seed 0)

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


def run_contender(task: FineTuningTask, contender: Contender, plan: EvidencePlan, progress: bool) -> list[Row]:
    """Search the learning rate on dev (seed 0), then run every seed at the best one; one Row per test split."""
    spec = task_spec(task.name)
    budget, splits = spec.budget, spec.test_splits

    def options(eval_splits: tuple[str, ...]) -> FinetuneOptions:
        return plan.finetune_options(task.name, contender, eval_splits)

    dev_by_lr: dict[str, float] = {}
    for lr in budget.lrs:
        run = finetune(options(("dev",)), budget.config(seed=0, lr=lr, progress=progress), task=task)
        dev_by_lr[f"{lr:g}"] = run.headline("dev")
    best_lr = float(max(dev_by_lr, key=dev_by_lr.__getitem__))
    values: dict[str, list[float]] = {split: [] for split in splits}
    for seed in range(plan.seeds):
        run = finetune(options(splits), budget.config(seed=seed, lr=best_lr, progress=progress), task=task)
        for split in splits:
            values[split].append(run.headline(split))
    rows = [Row(task.name, split, task.headline, contender.name, values[split], best_lr, dev_by_lr) for split in splits]
    print(
        f"{task.name}, {contender.name}: lr {best_lr:g} (dev by lr {dev_by_lr}); "
        + "; ".join(f"{row.split} {row.cell()}" for row in rows),
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
    return [
        Row(task.name, split, "accuracy", BAG_OF_WORDS, [model.accuracy(*texts_labels(split))] * seeds)
        for split in task_spec(task.name).test_splits
    ]


def collect_rows(plan: EvidencePlan, progress: bool = True) -> list[Row]:
    """Every contender of every planned task (and the bag of words where the task's entry asks)."""
    rows: list[Row] = []
    for name in plan.tasks:
        task = make_task(FinetuneOptions(task=name, checkpoint=plan.checkpoint))
        for contender in task_spec(name).contenders:
            rows += run_contender(task, contender, plan, progress)
        if task_spec(name).bag_of_words:
            rows += bag_of_words_rows(plan.seeds, task)
    return rows


# -- judging and showing -------------------------------------------------------------------------------


def _find(rows: list[Row], task: str, split: str, model: str) -> Row | None:
    return next((r for r in rows if (r.task, r.split, r.model) == (task, split, model)), None)


def check_targets(rows: list[Row]) -> list[TargetCheck]:
    """The issue's targets: pre-trained beats random init by >= 10 points with ranges apart, on
    every test split; the bag of words stays below pre-trained on the negation split."""
    checks = []
    for row in rows:
        random = _find(rows, row.task, row.split, "random init")
        if row.model == "pre-trained" and random is not None:
            checks += gain_checks(row, random)
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


def gain_checks(pretrained: Row, random: Row) -> list[TargetCheck]:
    """Pre-trained's mean gain over random init, and whether their ranges over the seeds are apart."""
    where = f"{pretrained.task} {pretrained.split}"
    gain = 100 * (pretrained.mean - random.mean)
    return [
        TargetCheck(
            f"{where}: pre-trained >= random init + {MIN_GAIN_POINTS:g} points",
            gain >= MIN_GAIN_POINTS,
            f"gain {gain:.1f} points",
        ),
        TargetCheck(
            f"{where}: ranges do not overlap",
            min(pretrained.values) > max(random.values),
            f"pre-trained min {100 * min(pretrained.values):.1f} vs random max {100 * max(random.values):.1f}",
        ),
    ]


def evidence_table(rows: list[Row]) -> str:
    """A markdown table: one line per (task, split), one column per model, mean ± std (min–max) in %."""
    models = list(dict.fromkeys(r.model for r in rows))
    lines = ["| task | split | metric | " + " | ".join(models) + " |", "|---" * (3 + len(models)) + "|"]
    for task, split in dict.fromkeys((r.task, r.split) for r in rows):
        found = [_find(rows, task, split, m) for m in models]
        cells = [row.cell() if row else "" for row in found]
        metric = next(r.metric for r in rows if (r.task, r.split) == (task, split))
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

    @property
    def all_hold(self) -> bool:
        """Whether every target holds."""
        return all(c.holds for c in self.checks)

    def to_dict(self) -> dict:
        """The result as JSON-ready data (data/evidence.json)."""
        return {
            "command": self.command,
            "seeds": self.seeds,
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
        )


def run_evidence_plan(
    plan: EvidencePlan, out: Path | None = None, progress: bool = True, command: str = ""
) -> EvidenceResult:
    """Run every comparison, print the table and the target checks, and save the JSON."""
    rows = collect_rows(plan, progress)
    result = EvidenceResult(
        rows, check_targets(rows), command, plan.seeds, {name: asdict(task_spec(name).budget) for name in plan.tasks}
    )
    out = out or DATA_DIR / EVIDENCE_FILE
    atomic_write_text(out, json.dumps(result.to_dict(), indent=2) + "\n")
    print(evidence_table(rows))
    print(checks_text(result.checks))
    return result


def load_evidence(path: str | Path | None = None) -> EvidenceResult:
    """The saved evidence (data/evidence.json by default), e.g. for notebooks 07 and 09:
    `print(evidence_table(load_evidence().rows))`."""
    path = Path(path) if path is not None else DATA_DIR / EVIDENCE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found; make it with `python -m bertlib evidence`.")
    return EvidenceResult.from_dict(json.loads(path.read_text()))
