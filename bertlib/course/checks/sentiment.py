"""Checks for notebook 07's exercises: the classification head on the pooled [CLS] vector, and the
confusion matrix that says which mistakes a sentiment classifier makes.

The reference answers are bertlib's own: `BertModel`'s pooler (model/bert.py) with
`BertForSequenceClassification`'s classifier, and `training.metrics.confusion_matrix`; each check
falls back to it while the exercise is not written yet. Each check has at least three cases and
names the typical mistakes: a prediction per token, the wrong token pooled, a missing tanh or
pooler, and a confusion matrix on its side or too small.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from bertlib.course.checks.framework import Checker, exercise_check
from bertlib.model.bert import Pooler
from bertlib.training.metrics import confusion_matrix


class _PoolerAround(Pooler):
    """bertlib's Pooler, tanh(dense(h_[CLS])), around a given dense layer."""

    def __init__(self, dense: nn.Linear):
        nn.Module.__init__(self)  # Pooler's own __init__ would make a fresh dense layer from a config
        self.dense = dense


def classification_logits(hidden: torch.Tensor, pooler: nn.Linear, classifier: nn.Linear) -> torch.Tensor:
    """bertlib's version of the exercise: bertlib's `Pooler` with `pooler` as its dense layer, then
    `classifier`, as `BertForSequenceClassification` reads the [CLS] vector (B, T, H) -> (B, C)."""
    return classifier(_PoolerAround(pooler)(hidden))


def _linear(in_features: int, out_features: int, generator: torch.Generator) -> nn.Linear:
    layer = nn.Linear(in_features, out_features)
    with torch.no_grad():  # weights and biases far from zero, so that a forgotten piece shows
        layer.weight.normal_(0.0, 0.5, generator=generator)
        layer.bias.normal_(0.0, 0.5, generator=generator)
    return layer


@exercise_check(fallback=classification_logits)
def check_classification_head(
    classification_logits: Callable[[torch.Tensor, nn.Linear, nn.Linear], torch.Tensor],
) -> None:
    """classification_logits(hidden, pooler, classifier) -> (B, C) logits from tanh(pooler(h_[CLS]))."""
    check = Checker("classification_logits", classification_logits)
    generator = torch.Generator().manual_seed(0)
    for batch, length, hidden_size, classes in [(2, 5, 8, 2), (3, 7, 6, 3), (1, 1, 4, 2)]:
        hidden = torch.randn(batch, length, hidden_size, generator=generator)  # (B, T, H)
        pooler, classifier = _linear(hidden_size, hidden_size, generator), _linear(hidden_size, classes, generator)
        case = f"hidden of shape {(batch, length, hidden_size)}, {classes} classes"
        with torch.no_grad():
            got = check.expect_tensor(check.call(hidden, pooler, classifier, case=case), case)
            expected = classifier(torch.tanh(pooler(hidden[:, 0])))  # (B, C)
            check.expect(
                got.dim() != 3,
                "shape",
                f"got shape {tuple(got.shape)}: one prediction per token; a sequence gets one "
                "prediction, read from its first token, hidden[:, 0]",
                case,
            )
            check.expect_shape(got, (batch, classes), case)
            if length > 1:
                mean_pooled = classifier(torch.tanh(pooler(hidden.mean(dim=1))))
                check.expect(
                    not torch.allclose(got, mean_pooled, atol=1e-5),
                    "pooling",
                    "that averages every token; this head reads only [CLS], position 0",
                    case,
                )
                last = classifier(torch.tanh(pooler(hidden[:, -1])))
                check.expect(
                    not torch.allclose(got, last, atol=1e-5),
                    "pooling",
                    "that reads the last token; [CLS] is the first, hidden[:, 0]",
                    case,
                )
            no_tanh = classifier(pooler(hidden[:, 0]))
            check.expect(
                not torch.allclose(got, no_tanh, atol=1e-5),
                "values",
                "the pooler ends with tanh: tanh(pooler(h_[CLS])) before the classifier",
                case,
            )
            check.expect(
                not torch.allclose(got, classifier(hidden[:, 0]), atol=1e-5),
                "values",
                "the [CLS] vector goes through the pooler (a Linear layer, then tanh) first",
                case,
            )
            check.expect_close(got, expected, case, hint="classifier(tanh(pooler(hidden[:, 0])))")
    check.done()


def _as_table(result: Any) -> list[list[int]] | None:
    """The student's matrix as nested lists of ints, from a tensor, an array or lists."""
    if isinstance(result, torch.Tensor) or hasattr(result, "tolist"):  # a tensor or a numpy array
        result = result.tolist()  # a 0-d one gives a plain number: not a table
    if isinstance(result, (list, tuple)) and all(isinstance(row, (list, tuple)) for row in result):
        return [list(row) for row in result]
    return None


@exercise_check(fallback=confusion_matrix)
def check_confusion_matrix(
    confusion: Callable[[Sequence[int], Sequence[int], int], Any],
) -> None:
    """confusion(predictions, labels, num_classes) -> counts[gold][predicted], a C x C table."""
    check = Checker("confusion_matrix", confusion)
    cases = [
        ("2 classes, mostly right", [1, 0, 1, 1, 0, 1], [1, 0, 0, 1, 0, 0], 2),
        ("3 classes, every kind of mistake", [0, 2, 1, 1, 0, 2, 2], [0, 1, 1, 2, 2, 2, 0], 3),
        ("3 classes, class 2 never seen or predicted", [0, 1, 1], [1, 1, 0], 3),
    ]
    for case, predictions, labels, classes in cases:
        got = _as_table(check.call(list(predictions), list(labels), classes, case=case))
        if got is None:
            check.fail("type", "return a C x C table: a tensor or a list of lists", case)
        shape = (len(got), len(got[0]) if got else 0)
        check.expect(
            shape == (classes, classes) and all(len(row) == classes for row in got),
            "shape",
            f"expected {classes} x {classes} (one row and one column per class, even a class "
            f"that never occurs), got {shape[0]} x {shape[1]}",
            case,
        )
        want = confusion_matrix(predictions, labels, classes)
        transposed = [list(column) for column in zip(*want, strict=True)]
        check.expect(
            not (got == transposed and got != want),
            "orientation",
            "rows and columns are swapped: row = the gold label, column = the prediction",
            case,
        )
        total = sum(map(sum, got))
        check.expect(
            total == len(labels),
            "values",
            f"the counts add up to {total}, but there are {len(labels)} examples; each example "
            "adds 1 to exactly one cell",
            case,
        )
        check.expect(got == want, "values", f"expected {want}, got {got}", case)
    check.done()
