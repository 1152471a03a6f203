"""Checks that follow each exercise in the notebooks: `check_softmax(softmax)` and so on.

Each check tries several cases and either prints "✔ <exercise>: all N cases pass." or raises
`ExerciseFailed` naming what is wrong (shape, masking, numerical stability, dtype, values) and
the case that showed it; a function that still raises NotImplementedError gives `ExerciseNotDone`.
"""

from bertlib.course.checks.attention import (
    check_attention,
    check_merge_heads,
    check_padding_mask,
    check_self_attention,
    check_softmax,
    check_split_heads,
)
from bertlib.course.checks.encoder import check_add_and_norm, check_layer_parameter_count
from bertlib.course.checks.framework import Checker, ExerciseFailed, ExerciseNotDone
from bertlib.course.checks.tokens import check_cosine_similarity, check_wordpiece
from bertlib.course.checks.warmup import check_dot_product

__all__ = [
    "Checker",
    "ExerciseFailed",
    "ExerciseNotDone",
    "check_add_and_norm",
    "check_attention",
    "check_cosine_similarity",
    "check_dot_product",
    "check_layer_parameter_count",
    "check_merge_heads",
    "check_padding_mask",
    "check_self_attention",
    "check_softmax",
    "check_split_heads",
    "check_wordpiece",
]
