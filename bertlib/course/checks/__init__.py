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
from bertlib.course.checks.ner import check_align_labels, check_entity_spans
from bertlib.course.checks.pretraining import check_mask_tokens, check_nsp_pair
from bertlib.course.checks.qa import check_answer_f1, check_best_span
from bertlib.course.checks.sentiment import check_classification_head, check_confusion_matrix
from bertlib.course.checks.tokens import check_cosine_similarity, check_wordpiece
from bertlib.course.checks.warmup import check_dot_product

__all__ = [
    "Checker",
    "ExerciseFailed",
    "ExerciseNotDone",
    "check_add_and_norm",
    "check_align_labels",
    "check_answer_f1",
    "check_attention",
    "check_best_span",
    "check_classification_head",
    "check_confusion_matrix",
    "check_cosine_similarity",
    "check_dot_product",
    "check_entity_spans",
    "check_layer_parameter_count",
    "check_mask_tokens",
    "check_merge_heads",
    "check_nsp_pair",
    "check_padding_mask",
    "check_self_attention",
    "check_softmax",
    "check_split_heads",
    "check_wordpiece",
]
