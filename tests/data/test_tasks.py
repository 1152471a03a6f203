"""The labelled sets: sizes, no leaks between splits or from the corpus, held-out words where they
should be, exact QA answers, and loaders with clear errors."""

from __future__ import annotations

import pytest

from bertlib.data.judgements import CONTRAST, NEGATED_APART
from bertlib.data.lexicon import NEGATIVE, POSITIVE
from bertlib.data.tasks import (
    NER_HELD_OUT,
    NER_LABELS,
    NER_SIZES,
    QA_SIZES,
    SENTIMENT_SIZES,
    load_ner,
    load_qa,
    load_sentiment,
)

ADJECTIVES = set(POSITIVE) | set(NEGATIVE)


@pytest.fixture(scope="module")
def sentiment():
    return {split: load_sentiment(split) for split in SENTIMENT_SIZES}


@pytest.fixture(scope="module")
def ner():
    return {split: load_ner(split) for split in NER_SIZES}


@pytest.fixture(scope="module")
def qa():
    return {split: load_qa(split) for split in QA_SIZES}


def assert_disjoint(texts_by_split: dict[str, list[str]]) -> None:
    seen: set[str] = set()
    for split, texts in texts_by_split.items():
        assert len(set(texts)) == len(texts), f"{split} repeats a text"
        assert not seen & set(texts), f"{split} shares texts with an earlier split"
        seen |= set(texts)


def test_sentiment_splits_are_small_to_train_large_to_test_and_balanced(sentiment):
    assert {split: len(examples) for split, examples in sentiment.items()} == SENTIMENT_SIZES
    assert SENTIMENT_SIZES["train"] <= 500 and SENTIMENT_SIZES["test"] >= 2000
    for examples in sentiment.values():
        assert 0.45 < sum(e.label for e in examples) / len(examples) < 0.55


def test_sentiment_texts_are_new_to_every_other_split_and_to_the_corpus(sentiment, corpus_sentences):
    assert_disjoint({split: [e.text for e in examples] for split, examples in sentiment.items()})
    assert not corpus_sentences & {e.text for examples in sentiment.values() for e in examples}


def test_sentiment_needs_context(sentiment):
    forms = {e.form for e in sentiment["train"]}
    assert forms == {"plain", "negated", "negated_apart", "excess", "contrast"}
    texts = " ".join(e.text for e in sentiment["test"])
    for phrase in ("not bad", "hardly boring", "far too long", " but "):
        assert phrase in texts


def test_the_negation_split_only_holds_negations_set_apart(sentiment):
    for example in sentiment["test_negation"]:
        assert example.form in (NEGATED_APART, CONTRAST)
        last_part = example.text.split(" but ")[-1].split()
        assert last_part[-4] in ("not", "never"), example.text  # "... not very good ."


def test_every_test_adjective_is_in_the_training_split(sentiment):
    """Pre-training teaches how words combine, not what an adjective the labels never showed means."""

    def adjectives(examples):
        return {w for e in examples for w in e.text.split() if w in ADJECTIVES}

    train = adjectives(sentiment["train"])
    assert train == ADJECTIVES
    assert adjectives(sentiment["test"]) <= train and adjectives(sentiment["test_negation"]) <= train


def test_ner_splits_hold_the_three_types_and_no_text_twice(ner):
    assert {split: len(examples) for split, examples in ner.items()} == NER_SIZES
    assert_disjoint({split: [" ".join(e.tokens) for e in examples] for split, examples in ner.items()})
    tags = {tag for examples in ner.values() for e in examples for tag in e.tags}
    assert tags == set(NER_LABELS) - {"I-ANIMAL"}  # animals are one word; the label completes the scheme


def test_held_out_entities_are_only_in_the_ner_test_split(ner, corpus_sentences):
    held_out = (
        {p.name for p in NER_HELD_OUT.people}
        | set(NER_HELD_OUT.towns)
        | set(NER_HELD_OUT.places)
        | {w for s in NER_HELD_OUT.species for w in (s.adult, s.young)}
    )
    entities = {split: {entity.text for e in examples for entity in e.entities()} for split, examples in ner.items()}
    assert not held_out & (entities["train"] | entities["dev"])
    assert held_out <= entities["test"]
    corpus = "\n".join(sorted(corpus_sentences))
    assert all(f" {entity} " in corpus for entity in held_out)  # pre-training has met them all


def test_a_fair_share_of_ner_test_entities_is_unseen_in_training(ner):
    seen = {entity.text for e in ner["train"] for entity in e.entities()}
    entities = [entity.text for e in ner["test"] for entity in e.entities()]
    assert 0.15 < sum(text not in seen for text in entities) / len(entities) < 0.4


def test_qa_answers_index_their_context_exactly(qa):
    for examples in qa.values():
        for example in examples:
            (answer,) = example.answers
            assert example.context[answer.answer_start :].startswith(answer.text)
            assert answer.text.strip() == answer.text != ""


def test_qa_sizes_ids_and_one_question_text_per_context(qa):
    assert {split: len(examples) for split, examples in qa.items()} == QA_SIZES
    ids = [e.id for examples in qa.values() for e in examples]
    assert len(set(ids)) == len(ids)
    for examples in qa.values():
        questions = [(e.context, e.question) for e in examples]
        assert len(set(questions)) == len(questions)


def test_some_qa_contexts_are_longer_than_128_word_pieces(qa, course_tokenizer):
    contexts = {e.context for e in qa["test"]}
    long = sum(len(course_tokenizer.tokenize(c)) > 128 for c in contexts)
    assert 0.2 < long / len(contexts) < 0.9


@pytest.mark.parametrize("loader", [load_sentiment, load_ner, load_qa])
def test_an_unknown_split_is_a_clear_error(loader):
    with pytest.raises(ValueError, match="no split 'validation'; choose one of"):
        loader("validation")
