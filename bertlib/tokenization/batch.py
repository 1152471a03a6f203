"""`Batch`: the one batch type of bertlib, from the tokenizer to the training loop.

A batch is a dataclass of int64 tensors with one row per example. The base class holds what every
BERT input has (`input_ids`, `token_type_ids`, `attention_mask`, each (B, T)); a task's batch is a
subclass that adds its label fields (bertlib.data.features and bertlib.data.pretraining define
them). Every field is named after the keyword argument of the model it feeds, so a model is always
called one way:

    out = model(**batch.as_kwargs())

With label fields present, the model also returns its (mean) loss; the trainer's objectives read
the logits and sum their own losses. The same type serves a whole data set (N rows, made once by
`bertlib.data`) and a micro-batch: `select(index)` takes rows, `trim_padding()` cuts the columns
after the longest real sequence, `to(device)` moves every tensor.

`IGNORE_INDEX` (-100) is the label of a position that takes no part in a loss or a metric; label
rows are padded with it (`pad_rows(rows, IGNORE_INDEX)`). It is defined here, once, because this
is the lowest layer that pads labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import ClassVar, TypeVar

import torch

from bertlib.errors import BertlibInputError

IGNORE_INDEX = -100  # a label that takes no part in the loss or the metrics (PyTorch's and Hugging Face's)

B = TypeVar("B", bound="Batch")


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


def input_tensors(rows: Sequence[tuple[Sequence[int], Sequence[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    """input_ids, token_type_ids and attention_mask (each (B, T)) from (input_ids, token_type_ids) rows,
    as keyword arguments of `Batch` (or of a subclass, with its labels added)."""
    if not rows:
        raise ValueError("cannot collate an empty batch")
    return {
        "input_ids": pad_rows([ids for ids, _ in rows], pad_id),
        "token_type_ids": pad_rows([types for _, types in rows], 0),
        "attention_mask": pad_rows([[1] * len(ids) for ids, _ in rows], 0),
    }


@dataclass
class Batch:
    """Model inputs as tensors, one row per example; subclasses add the labels of their task.

    Call a model with ``model(**batch.as_kwargs())``: every field is one of its keyword arguments.
    """

    input_ids: torch.Tensor  # (B, T) int64, padded with the [PAD] id
    token_type_ids: torch.Tensor  # (B, T) 0 = first text, 1 = second
    attention_mask: torch.Tensor  # (B, T) 1 = real token, 0 = padding

    #: Fields that run along the sequence (one value per token), cut by `trim_padding`.
    SEQUENCE_FIELDS: ClassVar[frozenset[str]] = frozenset({"input_ids", "token_type_ids", "attention_mask", "labels"})

    def as_kwargs(self) -> dict[str, torch.Tensor]:
        """Field name -> tensor: the keyword arguments of the model this batch feeds."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to(self: B, device: str | torch.device, non_blocking: bool = False) -> B:
        """The same batch with every tensor on `device`."""
        return type(self)(
            **{name: tensor.to(device, non_blocking=non_blocking) for name, tensor in self.as_kwargs().items()}
        )

    def __len__(self) -> int:
        """N, the number of rows, after checking that every field has N rows."""
        sizes = {name: len(tensor) for name, tensor in self.as_kwargs().items()}
        if len(set(sizes.values())) != 1:
            raise BertlibInputError(
                f"Every field of a batch needs one row per example, but the sizes differ: "
                f"{sizes}; make batches with bertlib.data's collate functions."
            )
        return next(iter(sizes.values()))

    def select(self: B, index: torch.Tensor | slice) -> B:
        """The rows at `index` (a tensor of row numbers or a slice), every field alike."""
        return type(self)(**{name: tensor[index] for name, tensor in self.as_kwargs().items()})

    def trim_padding(self: B) -> B:
        """The batch without the columns after its longest real sequence. Padding sits at the end, so
        this changes no result at a real token and saves the attention over padding. Fields that are
        not along the sequence (masked positions, sentence labels) are kept whole."""
        length = int(self.attention_mask.sum(dim=1).max())
        sequence_length = self.attention_mask.shape[1]
        return type(self)(
            **{
                name: tensor[:, :length]
                if name in self.SEQUENCE_FIELDS and tensor.dim() == 2 and tensor.shape[1] == sequence_length
                else tensor
                for name, tensor in self.as_kwargs().items()
            }
        )
