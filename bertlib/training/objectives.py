"""Each task's loss, written as the trainer needs it: summed over items, with the items counted.

BERT's losses are means (over masked tokens, sentences, tagged words, answers). A mean of
per-batch means is not the mean over a whole step when batches hold different numbers of items
(each sequence masks a different number of tokens), so every objective returns sums and counts
and the trainer divides once, by the count over every micro-batch and process (see trainer.py).

The sums come from the heads' own loss functions with ``reduction="sum"`` (`classification_loss`,
`BertForQuestionAnswering.span_loss`): each head's loss is written once, in bertlib.model.heads.
A batch is a `bertlib.tokenization.Batch` subclass made by `bertlib.data`, and the model is called
the one way, ``model(**batch.as_kwargs())``. Its job ends at the loss; metrics are `metrics.py`'s.
"""

from __future__ import annotations

import torch
from torch import nn

from bertlib.data.features import ClassificationBatch, QABatch, TokenClassificationBatch
from bertlib.data.pretraining import PretrainingBatch
from bertlib.model.heads import BertForQuestionAnswering, classification_loss
from bertlib.tokenization.batch import IGNORE_INDEX


def labelled_count(labels: torch.Tensor) -> torch.Tensor:
    """How many labels take part in a loss (those that are not -100), as a float scalar."""
    return (labels != IGNORE_INDEX).sum().float()


class PreTrainingObjective:
    """Masked LM (mean over masked tokens) + next-sentence prediction (mean over pairs)."""

    terms = ("mlm", "nsp")

    def counts(self, batch: PretrainingBatch) -> torch.Tensor:
        """(2,): masked tokens and sentence pairs in the batch."""
        return torch.stack([labelled_count(batch.mlm_labels), labelled_count(batch.nsp_labels)])

    def sums(self, model: nn.Module, batch: PretrainingBatch) -> torch.Tensor:
        """(2,): the summed masked-LM and next-sentence losses."""
        out = model(**batch.as_kwargs())
        return torch.stack(
            [
                classification_loss(out.mlm_logits, batch.mlm_labels, "mlm_labels", reduction="sum"),
                classification_loss(out.nsp_logits, batch.nsp_labels, "nsp_labels", reduction="sum"),
            ]
        )


class LabelObjective:
    """Cross-entropy of a model's `logits` against `labels`: one per sequence (sentiment) or one
    per token with -100 where there is none (NER)."""

    def __init__(self, term: str = "classification"):
        """`term` names the loss in the history ("classification", "tagging")."""
        self.terms = (term,)

    def counts(self, batch: ClassificationBatch | TokenClassificationBatch) -> torch.Tensor:
        """(1,): the labels that take part in the loss."""
        return labelled_count(batch.labels)[None]

    def sums(self, model: nn.Module, batch: ClassificationBatch | TokenClassificationBatch) -> torch.Tensor:
        """(1,): the summed cross-entropy."""
        return classification_loss(model(**batch.as_kwargs()).logits, batch.labels, reduction="sum")[None]


class SpanObjective:
    """Extractive QA: (cross-entropy of the start + cross-entropy of the end) / 2, per answer."""

    terms = ("span",)

    def counts(self, batch: QABatch) -> torch.Tensor:
        """(1,): the answers (one per window) in the batch."""
        return torch.tensor([float(len(batch.start_positions))], device=batch.start_positions.device)

    def sums(self, model: nn.Module, batch: QABatch) -> torch.Tensor:
        """(1,): the summed span loss."""
        out = model(**batch.as_kwargs())
        return BertForQuestionAnswering.span_loss(
            out.start_logits, out.end_logits, batch.start_positions, batch.end_positions, reduction="sum"
        )[None]
