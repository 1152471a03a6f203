"""Fixtures for the tokenizer tests: the MiniLM vocabulary, our tokenizer over it, Hugging Face's two
tokenizers over the same vocab.txt, and the seeded parity sample (see parity_support.py)."""

from __future__ import annotations

import pytest

from bertlib.tokenization import BertTokenizer, Encoding, Vocab, window_starts

from .parity_support import ReferenceTokenizers, reference_tokenizers, varied_lines


def encode_windows(
    tokenizer: BertTokenizer, text: str, pair: str | None = None, *, max_length: int, doc_stride: int
) -> list[Encoding]:
    """The windows a feature maker builds: `[CLS] text [SEP] window [SEP]` over `pair` (or `[CLS]
    window [SEP]` over `text` alone), with bertlib's one windowing routine (Google's `doc_stride`,
    how far a window moves) and the tokenizer's one input builder."""
    fixed = None if pair is None else tokenizer.tokenize_with_offsets(text)
    moving = tokenizer.tokenize_with_offsets(text if pair is None else pair)
    room = max_length - (2 if fixed is None else 3 + len(fixed))
    windows = [moving.window(start, start + room) for start in window_starts(len(moving), room, doc_stride)]
    return [
        tokenizer.build_inputs(window) if fixed is None else tokenizer.build_inputs(fixed, window) for window in windows
    ]


@pytest.fixture(scope="session")
def minilm_vocab_file(minilm_dir):
    return minilm_dir / "vocab.txt"


@pytest.fixture(scope="session")
def minilm_tokenizer(minilm_dir) -> BertTokenizer:
    return BertTokenizer.from_pretrained(minilm_dir)


@pytest.fixture(scope="session")
def reference(transformers_module, minilm_vocab_file) -> ReferenceTokenizers:
    return reference_tokenizers(transformers_module, minilm_vocab_file)


@pytest.fixture(scope="session")
def sample_lines() -> list[str]:
    return varied_lines()


@pytest.fixture
def tiny_vocab() -> Vocab:
    """Specials first, then a few words and pieces: enough to test WordPiece and encoding by hand."""
    tokens = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        "un",
        "##aff",
        "##able",
        "a",
        "##a",
        "##b",
        "ab",
        "the",
        "cat",
        "sat",
        ".",
        ",",
        "!",
        "'",
        "s",
        "##s",
        "dog",
        "runs",
        "fast",
    ]
    return Vocab(tokens)


@pytest.fixture
def tiny_tokenizer(tiny_vocab) -> BertTokenizer:
    return BertTokenizer(tiny_vocab)
