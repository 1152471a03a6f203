"""Notebook 07's checks pass a right answer and name the mistake in typical wrong ones."""

from __future__ import annotations

import pytest
import torch

from bertlib.course.checks import ExerciseFailed, check_classification_head, check_confusion_matrix


def right_head(hidden, pooler, classifier):
    return classifier(torch.tanh(pooler(hidden[:, 0])))  # (B, C)


def test_classification_head_passes_the_right_answer(capsys):
    check_classification_head(right_head)
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
    check_confusion_matrix(right_confusion)
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
