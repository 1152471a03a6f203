"""The committed data is what the generator makes, byte for byte (its counts: tests/course/test_figures.py)."""

from __future__ import annotations

import pytest

from bertlib.data.build import build, course_vocab
from bertlib.paths import data_path


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out = tmp_path_factory.mktemp("data")
    return out, build(out)


def test_the_generator_reproduces_every_committed_file_byte_for_byte(rebuilt):
    out, written = rebuilt
    assert len(written) == 12
    for path in written:
        relative = path.relative_to(out)
        assert path.read_bytes() == data_path(*relative.parts).read_bytes(), f"data/{relative} differs from a rebuild"


def test_the_generated_data_stays_small(rebuilt):
    _, written = rebuilt
    # Most of it is the corpus (2.3 MB) and QA's 8,000 training questions (2.8 MB): what a tiny BERT
    # needs to answer most questions. The limit keeps a clone quick.
    assert sum(path.stat().st_size for path in written) < 8_000_000


def test_resizing_a_labelled_split_leaves_the_vocabulary_as_it_was():
    """The checkpoint's token ids come from the vocabulary: a bigger training split must not reorder it."""
    corpus = ["the dog ran to the park and barked .", "the cat purred ."] * 50
    labelled = ["the soup was not bad .", "where did mia go ?"]
    vocab = course_vocab(corpus, labelled, size=120)
    assert course_vocab(corpus, labelled * 40, size=120).tokens == vocab.tokens
    # A bigger split can also bring in a word the corpus has: the corpus' counts alone decide its merges.
    assert course_vocab(corpus, labelled + ["the cat purred and barked ."], size=120).tokens == vocab.tokens
    assert {"soup", "mia"} <= set(vocab.tokens), "a word only the labelled texts use is still whole"
    assert course_vocab(corpus, labelled + ["the stew was good ."], size=120).tokens != vocab.tokens
