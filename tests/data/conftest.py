"""Fixtures for the data tests: the committed corpus and vocabulary, and a tokenizer over it."""

from __future__ import annotations

import pytest

from bertlib.data.examples import Document
from bertlib.data.world import load_corpus
from bertlib.paths import data_path
from bertlib.tokenization import BertTokenizer


@pytest.fixture(scope="session")
def course_tokenizer() -> BertTokenizer:
    return BertTokenizer.from_vocab_file(data_path("vocab.txt"))


@pytest.fixture(scope="session")
def corpus() -> list[Document]:
    return load_corpus()


@pytest.fixture(scope="session")
def corpus_sentences(corpus) -> set[str]:
    return {sentence for document in corpus for sentence in document.sentences}
