"""The one batch type: its fields are a model's keyword arguments; it selects rows, trims padding
and refuses fields with different numbers of rows."""

from __future__ import annotations

import pytest
import torch

from bertlib.errors import BertlibInputError
from bertlib.tokenization import IGNORE_INDEX, Batch, BertTokenizer, Vocab
from bertlib.tokenization.batch import pad_rows

TINY_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "dog", "a", "cat", "sat", "."]


def test_the_tokenizer_makes_a_batch_whose_fields_are_model_keywords():
    batch = BertTokenizer(Vocab(TINY_TOKENS)).encode_batch(["the dog sat .", "a cat"]).to_tensors()
    assert isinstance(batch, Batch) and len(batch) == 2
    assert list(batch.as_kwargs()) == ["input_ids", "token_type_ids", "attention_mask"]
    assert batch.attention_mask.tolist() == [[1] * 6, [1] * 4 + [0] * 2]


def test_select_takes_rows_and_trim_padding_cuts_only_padding():
    batch = Batch(
        torch.tensor([[2, 5, 3, 0], [2, 6, 7, 3]]),
        torch.zeros(2, 4, dtype=torch.long),
        torch.tensor([[1, 1, 1, 0], [1, 1, 1, 1]]),
    )
    first = batch.select(torch.tensor([0]))
    assert first.input_ids.tolist() == [[2, 5, 3, 0]]
    assert first.trim_padding().input_ids.tolist() == [[2, 5, 3]]
    assert batch.trim_padding().input_ids.shape == (2, 4)  # the longest row is whole: nothing to cut
    assert batch.select(slice(1, 2)).to("cpu").input_ids.tolist() == [[2, 6, 7, 3]]


def test_fields_with_different_row_counts_are_refused():
    with pytest.raises(BertlibInputError, match="one row per example.*sizes differ"):
        len(Batch(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(3, 3)))


def test_label_rows_are_padded_with_the_ignore_index():
    assert pad_rows([[1, 2], [3]], IGNORE_INDEX).tolist() == [[1, 2], [3, -100]]
    with pytest.raises(ValueError, match="more than the length 1"):
        pad_rows([[1, 2]], 0, length=1)
