"""The task registry: a task is one `TaskSpec` plus its class. A toy task, registered in this test
alone, runs through `finetune` and the CLI's argument parsing, and is gone after."""

from __future__ import annotations

import random

import pytest
import torch

from bertlib.__main__ import build_parser, command_parser
from bertlib.data.examples import SentimentExample
from bertlib.data.features import ClassificationBatch, classification_features, collate_classification
from bertlib.errors import BertlibInputError
from bertlib.model import BertConfig, BertForPreTraining, BertForSequenceClassification
from bertlib.tokenization import BertTokenizer, Vocab
from bertlib.training import TaskBudget, TaskSpec, register_task, unregister_task
from bertlib.training.finetuning import FinetuneOptions, FineTuningTask, PredictedLabels, finetune
from bertlib.training.metrics import ClassificationScores, classification_scores
from bertlib.training.objectives import LabelObjective
from bertlib.training.registry import task_names
from bertlib.training.trainer import Objective

TOY_WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "film", "day", "very", "a", "."]
SIZES = {"train": 96, "dev": 32}


def toy_examples(split: str) -> list[SentimentExample]:
    """'a very good film .' (1) or 'a bad day .' (0): whether the text says "good"."""
    rng = random.Random(f"toy-{split}")
    examples = []
    for i in range(SIZES[split]):
        label = rng.randint(0, 1)
        words = ["a"] + ["very"] * rng.randint(0, 2) + ["good" if label else "bad", rng.choice(["film", "day"]), "."]
        examples.append(SentimentExample(f"{split}-{i}", " ".join(words), label))
    return examples


class ToyTask(FineTuningTask):
    """A two-class task on tiny synthetic sentences: all a new task writes besides its TaskSpec."""

    name, model_class, headline = "toy", BertForSequenceClassification, "accuracy"

    def load(self, split: str) -> list:
        return toy_examples(split)

    def make_features(self, examples: list) -> list:
        return classification_features(examples, self.tokenizer, self.max_seq_length)

    def collate(self, features: list) -> ClassificationBatch:
        return collate_classification(features, self.tokenizer.vocab.special.pad)

    def config_changes(self, options: FinetuneOptions) -> dict:
        return {"num_labels": 2, "label_names": ("no", "yes")}

    def objective(self) -> Objective:
        return LabelObjective()

    def predict(self, model, split: str) -> PredictedLabels:
        return PredictedLabels(torch.cat([out.logits.argmax(-1) for out in self.outputs(model, split)]).tolist())

    def score_predictions(self, predicted: PredictedLabels, split: str) -> ClassificationScores:
        return classification_scores(predicted.labels, [e.label for e in self.examples(split)], ("no", "yes"))


TOY = TaskSpec(
    name="toy",
    task_class=ToyTask,
    title="a toy task",
    description="says whether a text says good",
    splits=tuple(SIZES),
    budget=TaskBudget(steps=40, batch_size=16, lr=1e-2, lrs=(1e-2,)),
)


@pytest.fixture
def toy():
    """The toy task, registered for one test only."""
    register_task(TOY)
    try:
        yield TOY
    finally:
        unregister_task("toy")


@pytest.fixture(scope="module")
def toy_checkpoint(tmp_path_factory):
    """A tiny (random) pre-trained model folder over the toy vocabulary."""
    directory = tmp_path_factory.mktemp("toy-checkpoint")
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(TOY_WORDS),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
    )
    BertForPreTraining(config).save_pretrained(directory)
    BertTokenizer(Vocab(TOY_WORDS)).vocab.save(directory / "vocab.txt")
    return directory


def test_a_registered_task_fine_tunes_and_scores(toy, toy_checkpoint):
    assert "toy" in task_names()
    options = FinetuneOptions(
        task="toy", checkpoint=toy_checkpoint, max_seq_length=16, doc_stride=8, eval_splits=("dev",)
    )
    run = finetune(options, toy.budget.config(seed=0, progress=False))
    assert isinstance(run.task, ToyTask) and len(run.history.loss) == toy.budget.steps
    assert run.history.loss[-1] < run.history.loss[0]
    assert run.headline("dev") >= 0.9  # the word "good" decides the label: easy to learn


def test_a_registered_task_is_a_choice_of_the_cli(toy):
    parser = build_parser()
    args = parser.parse_args(["finetune", "--task", "toy"])
    assert args.task == "toy"
    help_text = " ".join(command_parser(parser, "finetune").format_help().split())
    assert "{sentiment,ner,qa,toy}" in help_text and "toy: says whether a text says good" in help_text
    assert "sentiment,ner,qa,toy" in command_parser(parser, "evidence").format_help()


def test_an_unregistered_task_is_refused_everywhere(toy_checkpoint):
    assert "toy" not in task_names()
    with pytest.raises(SystemExit):
        build_parser().parse_args(["finetune", "--task", "toy"])
    with pytest.raises(BertlibInputError, match="Unknown task 'toy'.*sentiment, ner, qa"):
        FinetuneOptions(task="toy", checkpoint=toy_checkpoint)


def test_a_name_registers_once_and_matches_its_class(toy):
    with pytest.raises(BertlibInputError, match="already registered"):
        register_task(TOY)
    with pytest.raises(BertlibInputError, match="class ToyTask, whose `name` is 'toy'"):
        register_task(TaskSpec(**{**TOY.__dict__, "name": "other"}))
    assert "other" not in task_names()
