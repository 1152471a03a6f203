"""Fixtures for the tokenizer tests: the MiniLM vocabulary, our tokenizer over it, Hugging Face's two
tokenizers over the same vocab.txt, and the seeded parity sample (see parity_support.py)."""

from __future__ import annotations

import pytest

from bertlib.tokenization import BertTokenizer, Vocab

from .parity_support import ReferenceTokenizers, reference_tokenizers, varied_lines


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
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "a", "##a", "##b",
              "ab", "the", "cat", "sat", ".", ",", "!", "'", "s", "##s", "dog", "runs", "fast"]
    return Vocab(tokens)


@pytest.fixture
def tiny_tokenizer(tiny_vocab) -> BertTokenizer:
    return BertTokenizer(tiny_vocab)
