"""Checks that follow each exercise in the notebooks: `softmax = check_softmax(softmax)` and so on.

Each check tries several cases and returns what the notebook uses from then on: the student's own
function (or class) once it prints "✔ <exercise>: all N cases pass."; bertlib's version (the check's
`fallback`), after one "not written yet" line, while the exercise still raises NotImplementedError;
or it raises `ExerciseFailed` naming the mistake (e.g. "missing the 1/sqrt(d) scaling") and the case
that showed it.
"""

from bertlib.course.checks.attention import check_attention, check_padding_mask, check_self_attention, check_softmax
from bertlib.course.checks.encoder import (
    check_add_and_norm,
    check_attention_block,
    check_dense_add_norm,
    check_encoder,
    check_encoder_layer,
    check_intermediate,
    check_layer_parameter_count,
)
from bertlib.course.checks.framework import Checker, ExerciseFailed, ExerciseNotDone
from bertlib.course.checks.heads import check_merge_heads, check_multi_head_attention, check_split_heads
from bertlib.course.checks.ner import check_align_labels, check_entity_spans
from bertlib.course.checks.objective import check_mlm_loss
from bertlib.course.checks.pretraining import check_mask_tokens, check_nsp_pair
from bertlib.course.checks.qa import check_answer_f1, check_best_span
from bertlib.course.checks.sentiment import check_classification_head, check_confusion_matrix
from bertlib.course.checks.tokens import check_cosine_similarity, check_wordpiece
from bertlib.course.checks.training_loop import check_training_step, compare_with_trainer
from bertlib.course.checks.warmup import check_dot_product

__all__ = [
    "Checker",
    "ExerciseFailed",
    "ExerciseNotDone",
    "check_add_and_norm",
    "check_align_labels",
    "check_answer_f1",
    "check_attention",
    "check_attention_block",
    "check_best_span",
    "check_classification_head",
    "check_confusion_matrix",
    "check_cosine_similarity",
    "check_dense_add_norm",
    "check_dot_product",
    "check_encoder",
    "check_encoder_layer",
    "check_entity_spans",
    "check_intermediate",
    "check_layer_parameter_count",
    "check_mask_tokens",
    "check_merge_heads",
    "check_mlm_loss",
    "check_multi_head_attention",
    "check_nsp_pair",
    "check_padding_mask",
    "check_self_attention",
    "check_softmax",
    "check_split_heads",
    "check_training_step",
    "check_wordpiece",
    "compare_with_trainer",
]
