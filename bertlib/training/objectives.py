"""Each task's loss, written as the trainer needs it: summed over items, with the items counted.

BERT's losses are means (over masked tokens, sentences, tagged words, answers). A mean of
per-batch means is not the mean over a whole step when batches hold different numbers of items
(each sequence masks a different number of tokens), so every objective returns sums and counts
and the trainer divides once, by the count over every micro-batch and process (see trainer.py).

The batch columns are those `bertlib.data` makes: `input_ids`, `token_type_ids`,
`attention_mask`, and per task `masked_positions`/`mlm_labels`/`nsp_labels`, `labels`, or
`start_positions`/`end_positions`. Its job ends at the loss; metrics are `metrics.py`'s.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .batches import Examples
from .metrics import IGNORE


def summed_cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Σ over labels that are not -100 of -log softmax(logits)[label]; logits (..., C), labels (...)."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), labels.reshape(-1),
                           ignore_index=IGNORE, reduction="sum")


def encoder_inputs(batch: Examples) -> dict[str, torch.Tensor]:
    """The three inputs every BERT takes, from a batch."""
    return {"input_ids": batch["input_ids"], "token_type_ids": batch.get("token_type_ids"),
            "attention_mask": batch.get("attention_mask")}


def _labelled(labels: torch.Tensor) -> torch.Tensor:
    return (labels != IGNORE).sum().float()


class PreTrainingObjective:
    """Masked LM (mean over masked tokens) + next-sentence prediction (mean over pairs)."""

    terms = ("mlm", "nsp")

    def counts(self, batch: Examples) -> torch.Tensor:
        return torch.stack([_labelled(batch["mlm_labels"]), _labelled(batch["nsp_labels"])])

    def sums(self, model: nn.Module, batch: Examples) -> torch.Tensor:
        out = model(**encoder_inputs(batch), masked_positions=batch["masked_positions"])
        return torch.stack([summed_cross_entropy(out.mlm_logits, batch["mlm_labels"]),
                            summed_cross_entropy(out.nsp_logits, batch["nsp_labels"])])


class LabelObjective:
    """Cross-entropy of a model's `logits` against `labels`: one per sequence (sentiment) or one
    per token with -100 where there is none (NER)."""

    def __init__(self, term: str = "classification"):
        self.terms = (term,)

    def counts(self, batch: Examples) -> torch.Tensor:
        return _labelled(batch["labels"])[None]

    def sums(self, model: nn.Module, batch: Examples) -> torch.Tensor:
        return summed_cross_entropy(model(**encoder_inputs(batch)).logits, batch["labels"])[None]


class SpanObjective:
    """Extractive QA: (cross-entropy of the start + cross-entropy of the end) / 2, per answer."""

    terms = ("span",)

    def counts(self, batch: Examples) -> torch.Tensor:
        return torch.tensor([float(len(batch["start_positions"]))], device=batch["start_positions"].device)

    def sums(self, model: nn.Module, batch: Examples) -> torch.Tensor:
        out = model(**encoder_inputs(batch))
        start = summed_cross_entropy(out.start_logits, batch["start_positions"])
        end = summed_cross_entropy(out.end_logits, batch["end_positions"])
        return ((start + end) / 2)[None]
