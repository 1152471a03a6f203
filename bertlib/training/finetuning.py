"""Fine-tuning on the embedded tasks: sentiment, named entities and extractive QA.

Each task is a small class that knows its features (made by `bertlib.data.features`), its model
head and objective, how to predict (`predict` returns `PredictedLabels`, `PredictedTags` or
`PredictedSpans`) and how to score those predictions with `metrics.py`. Everything else about a
task (its splits, budget, evidence contenders, CLI help) is its `TaskSpec` in
bertlib.training.registry; the course's three are registered at the end of the task classes:

- sentiment: sequence classification, accuracy (and macro F1); pooling "mean" or "cls";
- ner: token classification, the prediction of each word read at its first piece, entity F1;
- qa: start/end logits over `doc_stride` windows, the best span over all windows mapped back to
  the context's text, SQuAD exact match and F1.

A run starts from a pre-trained checkpoint (the shipped one by default) or from random init of the
same architecture, so the two can be compared fairly:

    run = finetune(FinetuneOptions(task="sentiment"), TrainingConfig(steps=300, batch_size=32, lr=1e-3))
    run.scores["test"].accuracy

Its job ends at a fine-tuned model and its scores; comparing many runs is `evidence.py`'s job.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch

from bertlib.assets import shipped_checkpoint
from bertlib.data import (
    NER_LABELS,
    best_span,
    classification_features,
    collate_classification,
    collate_qa,
    collate_token_classification,
    load_ner,
    load_qa,
    load_sentiment,
    qa_features,
    token_classification_features,
)
from bertlib.data.tasks import NER_SIZES, QA_SIZES, SENTIMENT_SIZES
from bertlib.errors import BertlibInputError
from bertlib.model import (
    BertConfig,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
)
from bertlib.model.pretrained import PretrainedModel
from bertlib.tokenization import BertTokenizer
from bertlib.tokenization.batch import Batch
from bertlib.training.checkpoint import MissingFileError, require_finished, seed_everything
from bertlib.training.metrics import (
    ClassificationScores,
    NerScores,
    SquadScores,
    classification_scores,
    entity_scores,
    entity_texts,
    squad_scores,
    unseen_entity_recall,
)
from bertlib.training.objectives import LabelObjective, SpanObjective
from bertlib.training.registry import (
    PRETRAINED_VS_RANDOM,
    Contender,
    EvidenceTarget,
    ReportedMetric,
    TaskBudget,
    TaskSpec,
    register_task,
    task_spec,
)
from bertlib.training.sampling import batches_in_order
from bertlib.training.trainer import History, Objective, Trainer, TrainingConfig, is_real, is_whole

INITS = ("pretrained", "random")
POOLINGS = ("mean", "cls")


@dataclass(frozen=True)
class FinetuneOptions:
    """What to fine-tune, from what. The loop's own settings are a `TrainingConfig`."""

    task: str = "sentiment"  # a registered task: "sentiment", "ner" or "qa" (bertlib.training.registry)
    init: str = "pretrained"  # "pretrained": from `checkpoint`; "random": same architecture, fresh weights
    checkpoint: Path | None = None  # a pre-trained model folder (default: the shipped checkpoint)
    pooling: str = "mean"  # sentiment only: "mean" of the top layer, or the pooled "cls" vector
    max_seq_length: int = 64  # tokens per input (QA: per window)
    doc_stride: int = 32  # QA: how far each context window moves
    dropout: float | None = None  # hidden, attention and classifier dropout (None: the task's budget.dropout)
    eval_splits: tuple[str, ...] = ("dev",)  # splits scored at the end; the first is also scored during training
    allow_unfinished: bool = False  # accept a checkpoint whose pre-training run did not finish
    fast_path: bool = False  # BertConfig.fast_path: the GPU training path (same weights, same numbers)

    def __post_init__(self) -> None:
        """Refuse an unknown task or a setting of the wrong type or range, naming its option and the fix."""
        spec = task_spec(self.task)
        if self.init not in INITS:
            raise BertlibInputError(
                f"init={self.init!r} (--init); choose 'pretrained' (from a checkpoint) or 'random'."
            )
        if self.pooling not in POOLINGS:
            raise BertlibInputError(f"pooling={self.pooling!r} (--pooling); choose 'mean' or 'cls'.")
        for name, minimum, flag in (("max_seq_length", 8, "--seq-length"), ("doc_stride", 1, "--doc-stride")):
            value = getattr(self, name)
            if not is_whole(value) or value < minimum:
                raise BertlibInputError(
                    f"{name}={value!r} ({flag}) must be a whole number of at least {minimum}"
                    + (": each QA window must move on, or it never ends." if name == "doc_stride" else ".")
                )
        if self.task == "qa" and self.doc_stride >= self.max_seq_length:  # only QA cuts windows
            raise BertlibInputError(
                f"doc_stride={self.doc_stride} (--doc-stride) must be smaller than max_seq_length="
                f"{self.max_seq_length} (--seq-length): a window that moves further than it is long skips "
                f"text. Use at most half of it, e.g. --doc-stride {self.max_seq_length // 2}."
            )
        dropout = spec.budget.dropout if self.dropout is None else self.dropout
        if not is_real(dropout) or not (math.isfinite(dropout) and 0 <= dropout < 1):
            raise BertlibInputError(
                f"dropout={dropout!r} (--dropout) must be a number from 0 up to, but not including, 1 (e.g. 0.1)."
            )
        object.__setattr__(self, "dropout", dropout)  # frozen: set once, here, so every run and record sees it
        splits = self.eval_splits
        if isinstance(splits, str) or not splits or any(s not in spec.splits for s in splits):
            raise BertlibInputError(
                f"eval_splits={splits!r} (--eval-splits): give one or more of the {self.task} splits "
                f"{', '.join(spec.splits)}, e.g. --eval-splits dev,test (Python: a tuple)."
            )
        if not isinstance(self.allow_unfinished, bool):
            raise BertlibInputError(f"allow_unfinished={self.allow_unfinished!r} must be True or False.")

    @property
    def checkpoint_dir(self) -> Path:
        """The pre-trained model folder to start from: `checkpoint`, or the shipped one."""
        return Path(self.checkpoint) if self.checkpoint is not None else shipped_checkpoint()


# -- the tasks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PredictedLabels:
    """A sentence-classification model's predictions over a split: one class index per example."""

    labels: list[int]


@dataclass(frozen=True)
class PredictedTags:
    """A token-classification model's predictions over a split: one tag per word of each example,
    read at the word's first piece (where its gold label sits)."""

    tags: list[list[str]]


@dataclass(frozen=True)
class PredictedSpans:
    """An extractive-QA model's predictions over a split: each question's answer text ("" if no
    window offers a valid span), by example id."""

    answers: dict[str, str]


class FineTuningTask(ABC):
    """A labelled task: its splits, features, head, objective, predictions and scores.

    `outputs` runs a model over a split (batch by batch); `predict` turns those outputs into the
    task's predictions (labels, tags or spans); `score` compares them with the gold labels. A new
    task subclasses this and registers a `TaskSpec` (bertlib.training.registry).
    """

    name: ClassVar[str]
    model_class: ClassVar[type[PretrainedModel]]
    headline: ClassVar[str]  # the metric that sums up a run (the evidence table's)

    def __init__(self, tokenizer: BertTokenizer, max_seq_length: int = 64, doc_stride: int = 32):
        """A task whose inputs have `max_seq_length` tokens (QA windows move `doc_stride`)."""
        self.tokenizer, self.max_seq_length, self.doc_stride = tokenizer, max_seq_length, doc_stride
        self._made: dict[tuple[str, str], Any] = {}  # (what, split) -> examples, features or tensors

    def _once(self, what: str, split: str, make: Callable[[], Any]) -> Any:
        """Make a split's examples, features or tensors once, then reuse them (runs share a task)."""
        if (what, split) not in self._made:
            self._made[what, split] = make()
        return self._made[what, split]

    def examples(self, split: str) -> list:
        """The split's examples (made once)."""
        return self._once("examples", split, lambda: self.load(split))

    def features(self, split: str) -> list:
        """The split's features, model inputs with labels (made once)."""
        return self._once("features", split, lambda: self.make_features(self.examples(split)))

    def tensors(self, split: str) -> Batch:
        """The split's features as one batch of N rows (made once)."""
        return self._once("tensors", split, lambda: self.collate(self.features(split)))

    def config_changes(self, options: FinetuneOptions) -> dict[str, Any]:
        """Settings of the task's head, applied over the pre-trained config."""
        return {}

    def outputs(self, model: PretrainedModel, split: str, batch_size: int = 256) -> list[Any]:
        """The model's outputs over a split, batch by batch, in eval mode and without gradients."""
        model.eval()
        device = next(model.parameters()).device
        with torch.no_grad():
            return [
                model(**batch.to(device).as_kwargs()) for batch in batches_in_order(self.tensors(split), batch_size)
            ]

    def score(self, model: PretrainedModel, split: str) -> Any:
        """The task's metrics on a split (a dataclass from metrics.py), from `predict`."""
        return self.score_predictions(self.predict(model, split), split)

    @abstractmethod
    def load(self, split: str) -> list:
        """The split's examples, from bertlib.data."""

    @abstractmethod
    def make_features(self, examples: list) -> list:
        """Model inputs with labels, one or more per example (QA: one per window)."""

    @abstractmethod
    def collate(self, features: list) -> Batch:
        """Features as one padded batch of tensors."""

    @abstractmethod
    def objective(self) -> Objective:
        """The loss the trainer minimises."""

    @abstractmethod
    def predict(self, model: PretrainedModel, split: str) -> Any:
        """The model's predictions over a split: PredictedLabels, PredictedTags or PredictedSpans."""

    @abstractmethod
    def score_predictions(self, predicted: Any, split: str) -> Any:
        """The task's metrics of `predict`'s result against the split's gold labels."""


class SentimentTask(FineTuningTask):
    """Sentence classification: negative (0) or positive (1); accuracy and macro F1."""

    name, model_class, headline = "sentiment", BertForSequenceClassification, "accuracy"
    label_names = ("negative", "positive")

    def load(self, split: str) -> list:
        """The sentiment split's examples."""
        return load_sentiment(split)

    def make_features(self, examples: list) -> list:
        """`[CLS] text [SEP]` and the label, per example."""
        return classification_features(examples, self.tokenizer, self.max_seq_length)

    def collate(self, features: list) -> Batch:
        """A ClassificationBatch."""
        return collate_classification(features, self.tokenizer.vocab.special.pad)

    def config_changes(self, options: FinetuneOptions) -> dict[str, Any]:
        """Two labels, and the options' pooling."""
        return {"num_labels": 2, "label_names": self.label_names, "classifier_pooling": options.pooling}

    def objective(self) -> Objective:
        """Cross-entropy per sentence."""
        return LabelObjective("classification")

    def predict(self, model: PretrainedModel, split: str) -> PredictedLabels:
        """The class with the highest logit, per example."""
        return PredictedLabels(torch.cat([out.logits.argmax(-1) for out in self.outputs(model, split)]).tolist())

    def score_predictions(self, predicted: PredictedLabels, split: str) -> ClassificationScores:
        """Accuracy and macro F1 against the examples' labels."""
        return classification_scores(predicted.labels, [f.label for f in self.features(split)], self.label_names)


class NerTask(FineTuningTask):
    """Token classification: a BIO tag per word, read at its first piece; entity F1 (conlleval)."""

    name, model_class, headline = "ner", BertForTokenClassification, "f1"

    def load(self, split: str) -> list:
        """The NER split's examples."""
        return load_ner(split)

    def make_features(self, examples: list) -> list:
        """Pieces with each word's label on its first piece, -100 elsewhere."""
        return token_classification_features(examples, self.tokenizer, NER_LABELS, self.max_seq_length)

    def collate(self, features: list) -> Batch:
        """A TokenClassificationBatch."""
        return collate_token_classification(features, self.tokenizer.vocab.special.pad)

    def config_changes(self, options: FinetuneOptions) -> dict[str, Any]:
        """One label per NER tag."""
        return {"num_labels": len(NER_LABELS), "label_names": NER_LABELS}

    def objective(self) -> Objective:
        """Cross-entropy per tagged word."""
        return LabelObjective("tagging")

    def predict(self, model: PretrainedModel, split: str) -> PredictedTags:
        """Each word's tag: the highest logit at its first piece."""
        predicted_ids = [row for out in self.outputs(model, split) for row in out.logits.argmax(-1).tolist()]
        return PredictedTags(
            [
                [NER_LABELS[row[i]] for i in feature.first_pieces()]
                for row, feature in zip(predicted_ids, self.features(split), strict=True)
            ]
        )

    def score_predictions(self, predicted: PredictedTags, split: str) -> NerScores:
        """Entity F1 of the predicted tags against the gold ones (conlleval), and the recall on
        entities the training split never named: where pre-training's knowledge of the words shows."""
        sentences = [(example.tokens, example.tags) for example in self.examples(split)]
        entities = entity_scores([tags for _, tags in sentences], predicted.tags)
        seen = entity_texts([(example.tokens, example.tags) for example in self.examples("train")])
        unseen = unseen_entity_recall(sentences, predicted.tags, seen)
        return NerScores(**vars(entities), unseen_recall=unseen.recall, unseen_entities=unseen.entities)


class QaTask(FineTuningTask):
    """Extractive QA over `doc_stride` windows: the best span of all windows; SQuAD EM and F1."""

    name, model_class, headline = "qa", BertForQuestionAnswering, "f1"

    def load(self, split: str) -> list:
        """The QA split's examples."""
        return load_qa(split)

    def make_features(self, examples: list) -> list:
        """`[CLS] question [SEP] window [SEP]` per window of each context."""
        return qa_features(examples, self.tokenizer, self.max_seq_length, self.doc_stride)

    def collate(self, features: list) -> Batch:
        """A QABatch."""
        return collate_qa(features, self.tokenizer.vocab.special.pad)

    def objective(self) -> Objective:
        """(start + end cross-entropy) / 2 per window."""
        return SpanObjective()

    def predict(self, model: PretrainedModel, split: str) -> PredictedSpans:
        """Each question's answer text, read off the start and end logits of all its windows."""
        outputs = self.outputs(model, split)
        starts = torch.cat([out.start_logits for out in outputs]).float()  # (windows, T)
        ends = torch.cat([out.end_logits for out in outputs]).float()  # (windows, T)
        return PredictedSpans(self.answer_texts(split, starts, ends))

    def score_predictions(self, predicted: PredictedSpans, split: str) -> SquadScores:
        """SQuAD EM and F1 of the answers against every gold answer."""
        gold = {e.id: [a.text for a in e.answers] for e in self.examples(split)}
        return squad_scores(predicted.answers, gold)

    def answer_texts(self, split: str, starts: torch.Tensor, ends: torch.Tensor) -> dict[str, str]:
        """Each question's answer: the best span over all its windows (bertlib.data's `best_span`,
        Google's rules), as the exact text of its context; "" if no window offers a valid span."""
        features = self.features(split)
        windows: dict[str, list[int]] = defaultdict(list)
        for index, feature in enumerate(features):
            windows[feature.example_id].append(index)
        answers = {}
        for example in self.examples(split):
            rows = windows[example.id]
            span = best_span(example.context, [features[i] for i in rows], starts[rows], ends[rows])
            answers[example.id] = span.text if span is not None else ""
        return answers


# -- the course's tasks, registered (adding a task: its class above, its entry here) ---------------------

#: Every task's learning-rate grid: wide enough that no model's best rate on dev sits at an end.
_LRS = (2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3)
#: NER's grid reaches further each way: its dev F1 is close to 1 from 5e-4 to 8e-3, and one seed's
#: search has fallen on 8e-3 for both models (the top of a grid that stopped there); at 1.6e-2 both
#: models lose points on every seed (random init often learns nothing), so the grid's top is a real edge.
_NER_LRS = (1.25e-4, *_LRS, 8e-3, 1.6e-2)


def _course_task(task_class: type[FineTuningTask], sizes: dict[str, int], **entry: Any) -> None:
    """Register one of the course's tasks: named as its class, with the splits of its data."""
    register_task(TaskSpec(name=task_class.name, task_class=task_class, splits=tuple(sizes), **entry))


_course_task(
    SentimentTask,
    SENTIMENT_SIZES,
    title="sentiment",
    description="classification with negation",
    # No dropout: with 0.1, one seed in five of the pre-trained model fell 3 to 9 points below the
    # others at every rate of its grid. Dev accuracies of neighbouring rates lie within a point of
    # each other, so one seed's search once kept a rate that scored 88 on another seed's test: the
    # mean over three seeds decides.
    budget=TaskBudget(steps=600, batch_size=32, lr=1e-3, lrs=_LRS, search_seeds=3, dropout=0.0),
    test_splits=("test", "test_negation"),  # the negation-heavy split is its own row of the evidence
    contenders=(
        *PRETRAINED_VS_RANDOM,
        Contender("pre-trained, [CLS] pooling", "pretrained", "cls"),
        Contender("random init, [CLS] pooling", "random", "cls"),
    ),
    bag_of_words=True,
    target=EvidenceTarget(at_least=95.0, gain_over_random=10.0, max_std=2.0),
)
_course_task(
    NerTask,
    NER_SIZES,
    target=EvidenceTarget(at_least=99.0, gain_over_random=10.0),
    headline_label="entity F1",
    reported=(ReportedMetric("unseen_recall", "recall of entities unseen in training"),),
    title="NER",
    description="PER/LOC/ANIMAL entities",
    # Dev F1 of neighbouring rates differs by a few tenths of a point, one or two entities: the mean
    # over three seeds decides rather than one seed's luck (its runs are short: about 3 more minutes).
    budget=TaskBudget(steps=300, batch_size=32, lr=4e-3, lrs=_NER_LRS, search_seeds=3),
)
_course_task(
    QaTask,
    QA_SIZES,
    budget=TaskBudget(steps=3000, batch_size=32, lr=1e-3, lrs=_LRS, live_steps=250),
    headline_label="F1",
    reported=(ReportedMetric("exact_match", "exact match"),),
    target=EvidenceTarget(at_least=70.0, gain_over_random=20.0),
    title="QA",
    description="extractive question answering",
)


# -- a run ----------------------------------------------------------------------------------------------


def build_model(task: FineTuningTask, options: FinetuneOptions) -> PretrainedModel:
    """The task's model: the checkpoint's weights with a fresh head, or the same architecture
    freshly initialised (`init="random"`), both with the options' dropout."""
    directory = options.checkpoint_dir
    changes = {
        **task.config_changes(options),
        "hidden_dropout_prob": options.dropout,
        "attention_probs_dropout_prob": options.dropout,
        "classifier_dropout": None,
        "fast_path": options.fast_path,
    }
    if options.init == "random":
        return task.model_class(BertConfig.from_json_file(directory / "config.json").replace(**changes))
    return task.model_class.from_pretrained(directory, allow_new_head=True, **changes)


@dataclass
class FinetuneRun:
    """A fine-tuning run's result."""

    model: PretrainedModel
    history: History  # per-step loss, lr, and the first eval split's headline metric during training
    scores: dict[str, Any]  # split -> ClassificationScores | NerScores | SquadScores
    task: FineTuningTask

    def headline(self, split: str) -> float:
        """The task's summary metric on a split: accuracy (sentiment) or F1 (NER, QA)."""
        return getattr(self.scores[split], self.task.headline)


def check_fits_checkpoint(options: FinetuneOptions) -> BertConfig:
    """Check, before any work, that the checkpoint folder is complete and can take inputs of
    `max_seq_length` tokens; returns its config."""
    directory = options.checkpoint_dir
    if not directory.is_dir():
        raise MissingFileError(
            f"--checkpoint {directory}: no such folder. Give a pre-trained model folder "
            "(config.json, model.safetensors, vocab.txt), e.g. the --out of `pretrain`."
        )
    needed = ["config.json", "vocab.txt"] + (
        ["model.safetensors"]
        if options.init == "pretrained" and not (directory / "pytorch_model.bin").is_file()
        else []
    )
    missing = [name for name in needed if not (directory / name).is_file()]
    if missing:
        raise MissingFileError(
            f"--checkpoint {directory} lacks {', '.join(missing)}: give a pre-trained model "
            "folder (the --out of `pretrain`, not its checkpoint/ subfolder)."
        )
    config = BertConfig.from_json_file(directory / "config.json")
    if options.max_seq_length > config.max_position_embeddings:
        raise BertlibInputError(
            f"max_seq_length={options.max_seq_length} (--seq-length) is longer than the checkpoint's "
            f"{config.max_position_embeddings} positions (max_position_embeddings in {directory / 'config.json'}); "
            f"use --seq-length {config.max_position_embeddings} or less."
        )
    return config


def resume_options_of(options: FinetuneOptions) -> dict[str, Any]:
    """The fine-tuning options a checkpoint records and a resume must repeat. The checkpoint path is
    recorded resolved, so that `runs/x` and `./runs/x` (or its absolute spelling) count as the same."""
    return {
        "task": options.task,
        "init": options.init,
        "checkpoint": None if options.checkpoint is None else str(Path(options.checkpoint).resolve()),
        "pooling": options.pooling,
        "max_seq_length": options.max_seq_length,
        "doc_stride": options.doc_stride,
        "dropout": options.dropout,
    }  # not fast_path: a way of computing, so a resume may switch it on or off


def make_task(options: FinetuneOptions, tokenizer: BertTokenizer | None = None) -> FineTuningTask:
    """The task object, with the checkpoint's tokenizer (its vocab.txt)."""
    tokenizer = tokenizer or BertTokenizer.from_vocab_file(options.checkpoint_dir / "vocab.txt")
    return task_spec(options.task).task_class(tokenizer, options.max_seq_length, options.doc_stride)


def finetune(
    options: FinetuneOptions,
    config: TrainingConfig,
    *,
    out_dir: str | Path | None = None,
    resume_from: str | Path | None = None,
    task: FineTuningTask | None = None,
) -> FinetuneRun:
    """Fine-tune on `options.task`'s training split, then score the `eval_splits`. Pass `task` to
    reuse its features across runs (the evidence sweep does)."""
    if options.init == "pretrained":
        require_finished(options.checkpoint_dir, options.allow_unfinished)
    task = task or make_task(options)
    if (task.name, task.max_seq_length, task.doc_stride) != (options.task, options.max_seq_length, options.doc_stride):
        raise ValueError(
            f"The task object given makes {task.name} features of {task.max_seq_length} tokens "
            f"(stride {task.doc_stride}), but the options ask for {options.task} with "
            f"{options.max_seq_length} (stride {options.doc_stride}); make it with make_task(options)."
        )
    check_fits_checkpoint(options)
    seed_everything(config.seed)
    model = build_model(task, options)
    first_split = options.eval_splits[0]
    latest: list[Any] = []  # the first split's scores at the latest evaluation

    def evaluate(m: PretrainedModel) -> dict[str, float]:
        latest[:] = [task.score(m, first_split)]
        return {f"{first_split}_{task.headline}": getattr(latest[0], task.headline)}

    trainer = Trainer(
        model,
        task.tensors("train"),
        task.objective(),
        config.labelled(f"fine-tuning {task.name}"),
        evaluate=evaluate,
        out_dir=out_dir,
        resume_from=resume_from,
        run_options=resume_options_of(options),
    )
    history = trainer.run()
    # A finished run was just evaluated on the first split, after its last step: that score stands.
    fresh = bool(latest) and history.evaluation_steps[-1:] == [trainer.step]
    scores = {
        split: latest[0] if fresh and split == first_split else task.score(model, split)
        for split in options.eval_splits
    }
    return FinetuneRun(model, history, scores, task)


def finetune_for_notebook(
    task: str,
    init: str = "pretrained",
    pooling: str = "mean",
    seed: int = 0,
    eval_splits: tuple[str, ...] = ("dev", "test"),
    progress: bool = True,
) -> FinetuneRun:
    """The notebooks' fine-tuning run of `task` (its registered budget, or its `live_steps` where the
    budget takes over a minute on 2 cores), from the shipped checkpoint or (init="random") from
    scratch. Fixed steps and seed: same numbers each time."""
    options = FinetuneOptions(task=task, init=init, pooling=pooling, eval_splits=eval_splits)
    return finetune(options, task_spec(task).budget.config(seed=seed, progress=progress, live=True))
