"""Notebook 07's checks pass a right answer and name the mistake in typical wrong ones (their fallback for
an unwritten exercise is tested with every check's in test_checks.py); the [CLS] head, given the model's
own layers, is the model's."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from bertlib.course.checks import ExerciseFailed, check_classification_head, check_confusion_matrix
from bertlib.course.checks.sentiment import classification_logits
from bertlib.model import BertConfig, BertForSequenceClassification


def right_head(hidden, pooler, classifier):
    return classifier(torch.tanh(pooler(hidden[:, 0])))  # (B, C)


def test_classification_head_passes_the_right_answer(capsys):
    assert check_classification_head(right_head) is right_head
    assert "✔ classification_logits: all 3 cases pass." in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda h, p, c: c(torch.tanh(p(h))), "shape.*one prediction per token"),
        (lambda h, p, c: c(torch.tanh(p(h.mean(dim=1)))), "pooling.*averages every token"),
        (lambda h, p, c: c(torch.tanh(p(h[:, -1]))), "pooling.*last token"),
        (lambda h, p, c: c(p(h[:, 0])), "values.*ends with tanh"),
        (lambda h, p, c: c(h[:, 0]), "values.*through the pooler"),
        (lambda h, p, c: c(torch.relu(p(h[:, 0]))), "values.*largest difference"),
        (lambda h, p, c: torch.tanh(p(h[:, 0])).tolist(), "type.*torch.Tensor"),
    ],
    ids=["every-token", "mean", "last-token", "no-tanh", "no-pooler", "relu", "list"],
)
def test_classification_head_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check_classification_head(wrong)


def right_confusion(predictions, labels, num_classes):
    counts = torch.zeros(num_classes, num_classes, dtype=torch.long)
    for predicted, gold in zip(predictions, labels, strict=True):
        counts[gold, predicted] += 1
    return counts


def test_confusion_matrix_passes_tensors_and_lists(capsys):
    assert check_confusion_matrix(right_confusion) is right_confusion
    check_confusion_matrix(lambda p, g, c: right_confusion(p, g, c).tolist())
    assert capsys.readouterr().out.count("✔ confusion_matrix: all 3 cases pass.") == 2


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda p, g, c: right_confusion(p, g, c).T, "orientation.*row = the gold label"),
        (lambda p, g, c: right_confusion(p, g, max(max(p), max(g)) + 1), "shape.*even a class that never occurs"),
        (lambda p, g, c: right_confusion(p, g, c) > 0, "values"),
        (lambda p, g, c: right_confusion(p[:-1], g[:-1], c), "values.*add up to"),
        (lambda p, g, c: sum(p), "type.*C x C table"),
    ],
    ids=["transposed", "too-small", "booleans", "drops-one", "a-number"],
)
def test_confusion_matrix_names_the_mistake(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check_confusion_matrix(wrong)


def test_the_head_with_the_models_own_layers_gives_the_models_logits():
    # Notebook 07 fine-tunes its [CLS] run through the learner's head this way.
    torch.manual_seed(0)
    config = BertConfig.preset("tiny", vocab_size=50, hidden_size=16, intermediate_size=32, num_labels=2)
    model = BertForSequenceClassification(config.replace(classifier_pooling="cls")).eval()
    input_ids = torch.randint(5, 50, (3, 7))  # (B, T)
    with torch.no_grad():
        hidden = model.bert(input_ids).last_hidden_state  # (B, T, H)
        head = nn.Sequential(model.dropout, model.classifier)
        ours = classification_logits(hidden, model.bert.pooler.dense, head)
        assert torch.allclose(ours, right_head(hidden, model.bert.pooler.dense, head), atol=1e-6)
        assert torch.allclose(ours, model(input_ids).logits, atol=1e-6)


@pytest.mark.parametrize("pooling", ["mean", "cls"])
def test_notebook_07s_loop_through_the_learners_step_and_head_equals_the_trainer(pooling):
    # The cells of notebook 07 (its fine_tune and class_loss, 6 steps of the 300) against finetune()'s Trainer.
    import torch.nn.functional as F

    from bertlib.course.checks.training_loop import training_step
    from bertlib.training.checkpoint import seed_everything
    from bertlib.training.finetuning import FinetuneOptions, build_model, make_task
    from bertlib.training.optim import build_optimizer, build_scheduler
    from bertlib.training.registry import task_spec
    from bertlib.training.sampling import BatchOrder, batch_at
    from bertlib.training.trainer import Trainer

    steps = 6
    config = task_spec("sentiment").budget.config(progress=False)
    options = FinetuneOptions(task="sentiment", pooling=pooling)
    task = make_task(options)

    def class_loss(model, batch):
        if model.config.classifier_pooling == "mean":
            return F.cross_entropy(model(**batch.as_kwargs()).logits, batch.labels)
        hidden = model.bert(batch.input_ids, batch.token_type_ids, batch.attention_mask).last_hidden_state
        head = nn.Sequential(model.dropout, model.classifier)
        return F.cross_entropy(classification_logits(hidden, model.bert.pooler.dense, head), batch.labels)

    seed_everything(config.seed)
    model = build_model(task, options)
    optimizer = build_optimizer(model, config.lr, config.weight_decay)
    scheduler = build_scheduler(optimizer, config.warmup_steps, config.steps)
    examples = task.tensors("train")
    order = BatchOrder(len(examples), config.batch_size, config.seed)
    torch.manual_seed(config.seed)
    model.train()
    ours = [
        training_step(model, batch_at(examples, order, k), optimizer, scheduler, config.max_grad_norm, class_loss)
        for k in range(steps)
    ]

    seed_everything(config.seed)  # as finetune() builds its run
    trainer = Trainer(build_model(task, options), examples, task.objective(), config)
    theirs = trainer.run(until=steps).loss
    assert max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) <= 1e-5
    assert ours[0] != ours[-1]
