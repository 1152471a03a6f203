"""Check for notebook 06's masked-LM loss (`mlm_loss`): the objective pre-training minimises, the mean
cross-entropy over the masked positions only.

The exercise is a simplified version of the heads' loss (`classification_loss`, bertlib/model/heads.py);
the check falls back to it while the exercise is not written yet, and names the typical wrong losses
by computing each beside the student's. This module's job ends at the loss: the step that minimises
it and the loop built from both are checked in training_loop.py (whose tests,
tests/course/test_checks_training_loop.py, test this check too, since the loop uses its solution).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from bertlib.course.checks.framework import Checker, exercise_check
from bertlib.model.heads import classification_loss
from bertlib.tokenization.batch import IGNORE_INDEX

EVERY_POSITION = "loss over every position instead of only the masked ones"


def mlm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """bertlib's version of the exercise: the heads' `classification_loss`, the mean cross-entropy
    over the labels that are not IGNORE_INDEX (-100)."""
    return classification_loss(logits, labels, "labels")


@dataclass(frozen=True)
class _WrongLoss:
    """A typical wrong masked-LM loss: its name (the message's kind), what it computes, and the fix."""

    kind: str
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    hint: str


def _summed(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    flat = logits.reshape(-1, logits.shape[-1])  # (B*T, V)
    return F.cross_entropy(flat, labels.reshape(-1), ignore_index=IGNORE_INDEX, reduction="sum")


_WRONG_LOSSES = (
    _WrongLoss(
        EVERY_POSITION,
        lambda logits, labels: F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.clamp(min=0).reshape(-1)),
        "the positions labelled -100 (IGNORE_INDEX) were not masked and take no part: leave them out "
        "(F.cross_entropy(..., ignore_index=IGNORE_INDEX))",
    ),
    _WrongLoss(
        EVERY_POSITION,
        lambda logits, labels: _summed(logits, labels) / labels.numel(),
        "you averaged over all B*T positions; divide by the number of masked positions (labels != -100) only",
    ),
    _WrongLoss(
        "wrong reduction (sum instead of mean)",
        _summed,
        "that is the sum over the masked positions; BERT's loss is their mean (reduction='mean')",
    ),
    _WrongLoss(
        "classes on the wrong axis",
        lambda logits, labels: F.cross_entropy(logits, labels, ignore_index=IGNORE_INDEX),
        "F.cross_entropy reads the classes from dim 1, which here is T: flatten to logits (B*T, V) and labels (B*T,)",
    ),
)


def _loss_cases(generator: torch.Generator) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(case, logits (B, T, V), labels (B, T)): T == V first (so that classes on the wrong axis give a
    value to name rather than an error), then a few masked positions, then a row with none."""
    cases = []
    for batch, length, vocabulary, masked in [(2, 7, 7, 5), (2, 6, 11, 4), (3, 5, 9, 3)]:
        logits = torch.randn(batch, length, vocabulary, generator=generator) * 3  # (B, T, V)
        labels = torch.full((batch, length), IGNORE_INDEX)
        for row in range(batch - (1 if batch == 3 else 0)):  # with B = 3 the last row masks nothing
            positions = torch.randperm(length, generator=generator)[: min(masked, length)]
            labels[row, positions] = torch.randint(vocabulary, (len(positions),), generator=generator)
        what = "a row with nothing masked" if batch == 3 else "T == V" if length == vocabulary else "a few masked"
        cases.append(
            (
                f"logits {(batch, length, vocabulary)}, {int((labels != IGNORE_INDEX).sum())} masked: {what}",
                logits,
                labels,
            )
        )
    return cases


@exercise_check(fallback=mlm_loss)
def check_mlm_loss(mlm_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """mlm_loss(logits (B, T, V), labels (B, T)) -> the mean cross-entropy over the positions whose
    label is not IGNORE_INDEX (-100), a 0-d tensor with a gradient."""
    check = Checker("mlm_loss", mlm_loss)
    for case, logits, labels in _loss_cases(torch.Generator().manual_seed(0)):
        given = logits.clone().requires_grad_(True)
        got = check.call(given, labels.clone(), case=case)
        check.expect_tensor_kind(got, (), case)
        want = classification_loss(logits, labels)
        check.expect(
            got.dim() == 0,
            "shape",
            f"it returned shape {tuple(got.shape)}: one loss per position (reduction='none'?); return one "
            "number, the mean over the masked positions",
            case,
        )
        check.expect(
            got.requires_grad,
            "no gradient",
            "the loss has no gradient: keep it a tensor computed from the logits (no .item(), .detach() or "
            "torch.tensor(...) around it), so that backward() can reach the model",
            case,
        )
        error = abs(float(got.detach()) - float(want))
        if error > 1e-5:
            for wrong in _WRONG_LOSSES:
                if abs(float(got.detach()) - float(wrong.loss(logits, labels))) <= 1e-5:
                    check.fail(
                        wrong.kind, f"got {float(got.detach()):.4f}, expected {float(want):.4f}: {wrong.hint}", case
                    )
        check.expect_close(
            got, want, case, hint="the mean of -log softmax(logits)[label] over the positions whose label is not -100"
        )
    check.done()
