"""Padding rows of ids into tensors, and the batch type every model input shares.

Every batch of this package is a dataclass whose fields are the keyword arguments of the model it
feeds, so a training loop can call `model(**batch.as_kwargs())`. Its job ends at tensors; what goes
in a row is decided by `pretraining.py` and `features.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import torch

IGNORE_INDEX = -100  # a label that takes no part in the loss (PyTorch's and Hugging Face's default)


def pad_rows(rows: Sequence[Sequence[int]], value: int, length: int | None = None) -> torch.Tensor:
    """(len(rows), length) int64: each row followed by `value` up to `length` (default: the longest)."""
    longest = max((len(row) for row in rows), default=0)
    length = longest if length is None else length
    if longest > length:
        raise ValueError(f"a row has {longest} entries, more than the length {length} to pad to")
    out = torch.full((len(rows), length), value, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    return out


@dataclass
class InputBatch:
    """What every BERT input has; subclasses add the labels of their task."""

    input_ids: torch.Tensor  # (B, T) int64, padded with the [PAD] id
    token_type_ids: torch.Tensor  # (B, T) 0 = first text, 1 = second
    attention_mask: torch.Tensor  # (B, T) 1 = real token, 0 = padding

    def as_kwargs(self) -> dict[str, torch.Tensor]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to(self, device: str | torch.device):
        return type(self)(**{name: tensor.to(device) for name, tensor in self.as_kwargs().items()})


def input_tensors(rows: Sequence[tuple[Sequence[int], Sequence[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    """input_ids, token_type_ids and attention_mask (each (B, T)) from (input_ids, token_type_ids) rows."""
    if not rows:
        raise ValueError("cannot collate an empty batch")
    return {
        "input_ids": pad_rows([ids for ids, _ in rows], pad_id),
        "token_type_ids": pad_rows([types for _, types in rows], 0),
        "attention_mask": pad_rows([[1] * len(ids) for ids, _ in rows], 0),
    }
