"""The task registry: one `TaskSpec` per fine-tuning task, read by fine-tuning, evidence and the CLI.

Everything bertlib knows about a task that is not in its class lives in its entry: its splits,
its fine-tuning budget, the test splits and contenders of the evidence, and the help text of
``python -m bertlib finetune --task``. Adding a task is one entry plus its class:

    register_task(TaskSpec(name="nli", task_class=NliTask, description="sentence-pair entailment",
                           title="NLI", splits=("train", "dev", "test"),
                           budget=TaskBudget(steps=300, batch_size=32, lr=1e-3, lrs=(5e-4, 1e-3)),
                           test_splits=("test",)))

The course's three tasks (sentiment, ner, qa) are registered by bertlib.training.finetuning, next
to their classes; `task_specs()` imports it first, so they are always there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bertlib.errors import BertlibInputError
from bertlib.training.trainer import TrainingConfig

if TYPE_CHECKING:
    from bertlib.training.finetuning import FineTuningTask


@dataclass(frozen=True)
class TaskBudget:
    """A task's fine-tuning budget: the same for every model compared on it (evidence.py). The
    notebooks run it live when it takes under a minute on 2 cores, else its `live_steps`, and show
    the full run from a model fine-tuned by the same budget (`python -m bertlib finetune`)."""

    steps: int
    batch_size: int
    lr: float  # the rate notebooks use: pre-trained's best on dev in the evidence search
    lrs: tuple[float, ...]  # the learning-rate grid each model searches on dev for the evidence
    warmup_fraction: float = 0.1
    live_steps: int | None = None  # the notebooks' live run if `steps` take over a minute (None: all `steps`)
    search_seeds: int = 1  # seeds whose mean dev score picks the evidence's rate (one seed's luck can pick badly)
    dropout: float = 0.1  # hidden, attention and classifier dropout while fine-tuning (every model compared)

    def __post_init__(self) -> None:
        """Refuse a search over no seeds: the evidence could not choose a rate."""
        if not isinstance(self.search_seeds, int) or self.search_seeds < 1:
            raise BertlibInputError(
                f"TaskBudget(search_seeds={self.search_seeds!r}) must be a whole number of at least 1: "
                "the seeds whose mean dev score picks the learning rate."
            )

    def config(
        self, seed: int = 0, lr: float | None = None, progress: bool = True, live: bool = False
    ) -> TrainingConfig:
        """The loop's settings for one run of this budget (`live`: the notebooks' shorter run, if any)."""
        steps = self.live_steps if live and self.live_steps else self.steps
        return TrainingConfig(
            steps=steps,
            batch_size=self.batch_size,
            lr=lr or self.lr,
            seed=seed,
            warmup_steps=int(self.warmup_fraction * steps),
            progress=progress,
        )


@dataclass(frozen=True)
class Contender:
    """One of the models the evidence compares: how it starts, and (sentiment) how it pools."""

    name: str
    init: str  # "pretrained" or "random"
    pooling: str = "mean"


#: The evidence's usual pair: the pre-trained checkpoint against the same architecture from scratch.
PRETRAINED_VS_RANDOM = (Contender("pre-trained", "pretrained"), Contender("random init", "random"))


@dataclass(frozen=True)
class ReportedMetric:
    """A metric the evidence reports as its own row beside the task's headline (e.g. QA's exact match)."""

    attribute: str  # a field of the task's scores, e.g. "exact_match"
    label: str  # how the evidence table names it, e.g. "exact match"


@dataclass(frozen=True)
class EvidenceTarget:
    """What the evidence demands of the pre-trained model's headline metric, on every test split
    (points are percentage points over the seeds)."""

    at_least: float = 0.0  # the pre-trained model's mean, in %
    gain_over_random: float = 10.0  # how far the pre-trained mean must be above random init's
    max_std: float | None = None  # the most the pre-trained model may vary between seeds (None: no limit)


@dataclass(frozen=True)
class TaskSpec:
    """Everything about one fine-tuning task outside its class."""

    name: str  # the --task value, e.g. "sentiment"
    task_class: type[FineTuningTask]  # makes its features, model head, objective, predictions and scores
    description: str  # its line in `finetune --help`
    title: str  # how prose names it, e.g. "NER"
    splits: tuple[str, ...]  # every split it has (for --eval-splits)
    budget: TaskBudget  # steps, batch size and learning rates
    test_splits: tuple[str, ...] = ("test",)  # the splits the evidence scores
    contenders: tuple[Contender, ...] = PRETRAINED_VS_RANDOM  # the models the evidence compares
    bag_of_words: bool = False  # the evidence adds the bag-of-words baseline (a sentence-label task)
    headline_label: str = ""  # how the evidence table names the headline metric (default: the class's `headline`)
    reported: tuple[ReportedMetric, ...] = ()  # further rows of the evidence, without targets
    target: EvidenceTarget = EvidenceTarget()  # what the evidence checks of the pre-trained model


_TASKS: dict[str, TaskSpec] = {}


def register_task(spec: TaskSpec) -> TaskSpec:
    """Add a task to the registry (a name may be registered once); returns `spec`."""
    class_name = getattr(spec.task_class, "name", None)
    if class_name != spec.name:
        raise BertlibInputError(
            f"TaskSpec {spec.name!r} names the class {spec.task_class.__name__}, whose `name` is "
            f"{class_name!r}; give the class name = {spec.name!r} (runs check that they agree)."
        )
    if spec.name in _TASKS:
        raise BertlibInputError(
            f"A task named {spec.name!r} is already registered; choose another name or unregister_task it first."
        )
    _TASKS[spec.name] = spec
    return spec


def unregister_task(name: str) -> None:
    """Remove a task from the registry (tests that register a toy task call this after)."""
    _TASKS.pop(name, None)


def task_specs() -> dict[str, TaskSpec]:
    """Every registered task, by name, the course's three first."""
    import bertlib.training.finetuning  # noqa: F401  (registers the course's tasks, next to their classes)

    return dict(_TASKS)


def task_names() -> tuple[str, ...]:
    """The registered tasks' names, e.g. ("sentiment", "ner", "qa")."""
    return tuple(task_specs())


def task_spec(name: str, option: str = "--task") -> TaskSpec:
    """The entry of task `name`, or an error that names the choices."""
    specs = task_specs()
    if name not in specs:
        raise BertlibInputError(f"Unknown task {name!r} ({option}); choose one of {', '.join(specs)}.")
    return specs[name]
