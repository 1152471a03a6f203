"""Fine-tuning features: labels on first pieces, QA windows that map answers back exactly."""

from __future__ import annotations

import functools
import itertools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bertlib.data.examples import NerExample, QAAnswer, QAExample, SentimentExample
from bertlib.data.features import (
    CLS_INDEX,
    best_span,
    classification_features,
    collate_classification,
    collate_qa,
    collate_token_classification,
    qa_features,
    token_classification_features,
    window_starts,
)
from bertlib.data.tasks import NER_LABELS, QA_SIZES, load_ner, load_qa
from bertlib.paths import data_path
from bertlib.tokenization import IGNORE_INDEX, BertTokenizer, Vocab
from bertlib.tokenization.wordpiece import SPECIAL_TOKENS

LABELS = ("O", "B-PER", "I-PER")


@pytest.fixture
def piece_tokenizer() -> BertTokenizer:
    """Words that split: "unaffable" -> un ##aff ##able."""
    return BertTokenizer(Vocab([*SPECIAL_TOKENS, "un", "##aff", "##able", "mia", "is", "tom", "."]))


@functools.cache
def course_qa() -> list[QAExample]:
    return [e for split in QA_SIZES for e in load_qa(split)]


def test_classification_features_and_batch(course_tokenizer):
    examples = [SentimentExample("a", "the soup was not bad .", 1), SentimentExample("b", "the film was dull .", 0)]
    features = classification_features(examples, course_tokenizer)
    assert course_tokenizer.convert_ids_to_tokens(features[0].input_ids) == [
        "[CLS]",
        "the",
        "soup",
        "was",
        "not",
        "bad",
        ".",
        "[SEP]",
    ]
    batch = collate_classification(features)
    assert batch.input_ids.shape == (2, 8) and batch.labels.tolist() == [1, 0]
    assert batch.attention_mask[1].tolist() == [1] * 7 + [0]


def test_an_overlong_sentence_is_an_error_unless_truncation_is_asked(course_tokenizer):
    long = [SentimentExample("a", "the soup was good . " * 10, 1)]
    with pytest.raises(ValueError, match="truncation"):
        classification_features(long, course_tokenizer, max_seq_length=16)
    assert len(classification_features(long, course_tokenizer, max_seq_length=16, truncation=True)[0].input_ids) == 16


def test_word_labels_go_on_first_pieces(piece_tokenizer):
    example = NerExample("x", ("tom", "is", "unaffable", "."), ("B-PER", "O", "O", "O"))
    (feature,) = token_classification_features([example], piece_tokenizer, LABELS)
    assert piece_tokenizer.convert_ids_to_tokens(feature.input_ids) == [
        "[CLS]",
        "tom",
        "is",
        "un",
        "##aff",
        "##able",
        ".",
        "[SEP]",
    ]
    assert feature.labels == (IGNORE_INDEX, 1, 0, 0, IGNORE_INDEX, IGNORE_INDEX, 0, IGNORE_INDEX)
    assert feature.word_ids == (None, 0, 1, 2, 2, 2, 3, None)
    assert feature.first_pieces() == [1, 2, 3, 6]


def test_token_classification_errors_and_collation(piece_tokenizer):
    with pytest.raises(ValueError, match="'B-ORG', which is not among the labels"):
        token_classification_features([NerExample("x", ("tom",), ("B-ORG",))], piece_tokenizer, LABELS)
    with pytest.raises(ValueError, match="larger max_seq_length"):
        token_classification_features(
            [NerExample("x", ("tom",) * 9, ("O",) * 9)], piece_tokenizer, LABELS, max_seq_length=8
        )
    examples = [NerExample("x", ("tom", "."), ("B-PER", "O")), NerExample("y", ("mia",), ("B-PER",))]
    batch = collate_token_classification(token_classification_features(examples, piece_tokenizer, LABELS))
    assert batch.labels.tolist() == [[IGNORE_INDEX, 1, 0, IGNORE_INDEX], [IGNORE_INDEX, 1, IGNORE_INDEX, IGNORE_INDEX]]


def test_every_ner_example_of_the_course_fits_and_keeps_one_label_per_word(course_tokenizer):
    examples = load_ner("test")
    features = token_classification_features(examples, course_tokenizer, NER_LABELS)
    for example, feature in zip(examples, features, strict=True):
        assert [NER_LABELS[feature.labels[i]] for i in feature.first_pieces()] == list(example.tags)


def test_doc_spans_move_by_doc_stride_and_cover_everything():
    assert window_starts(10, room=4, doc_stride=3) == [0, 3, 6]
    assert window_starts(4, room=4, doc_stride=3) == [0]
    for length, room, stride in [(100, 20, 7), (57, 57, 10), (58, 57, 100)]:
        starts = window_starts(length, room, stride)
        assert starts[-1] + room >= length and all(b - a == min(room, stride) for a, b in itertools.pairwise(starts))


def test_qa_round_trip_recovers_every_gold_answer_exactly(course_tokenizer):
    """answer -> features -> gold token span -> text, over the whole QA set."""
    all_qa = course_qa()
    features = qa_features(all_qa, course_tokenizer, max_seq_length=128, doc_stride=64)
    by_id: dict[str, list] = {}
    for feature in features:
        by_id.setdefault(feature.example_id, []).append(feature)
        assert len(feature.input_ids) <= 128
    several = 0
    for example in all_qa:
        holding = [f for f in by_id[example.id] if f.start_position != CLS_INDEX]
        assert holding, f"no window holds the answer of {example.id}"
        for feature in holding:
            span = feature.span_text(example.context, feature.start_position, feature.end_position)
            assert span == example.answers[0].text
        several += len(by_id[example.id]) > 1
    assert several > len(all_qa) / 4  # the doc stride matters


@settings(max_examples=25, deadline=None)
@given(max_seq_length=st.integers(24, 160), doc_stride=st.integers(1, 100), index=st.integers(0, 3099))
def test_qa_round_trip_holds_for_any_window_and_stride(max_seq_length, doc_stride, index):
    tokenizer = BertTokenizer.from_vocab_file(data_path("vocab.txt"))
    example = course_qa()[index % len(course_qa())]
    features = qa_features([example], tokenizer, max_seq_length, doc_stride, max_query_length=20)
    holding = [f for f in features if f.start_position != CLS_INDEX]
    for feature in holding:
        span = feature.span_text(example.context, feature.start_position, feature.end_position)
        assert span == example.answers[0].text
    # Windows overlap by room - doc_stride tokens: an answer no longer than that plus one is in a window.
    room = max_seq_length - len(tokenizer.tokenize(example.question)) - 3
    if len(tokenizer.tokenize(example.answers[0].text)) <= room - min(room, doc_stride) + 1:
        assert holding
    # Every context token is the "max context" token of exactly one window.
    assert sum(sum(f.token_is_max_context) for f in features) == len(tokenizer.tokenize(example.context))


def test_best_span_reads_the_best_valid_span_back_as_context_text(course_tokenizer):
    context = "mia went to the little park . tom stayed home ."
    example = QAExample("q", "t", context, "where did mia go ?", (QAAnswer("the little park", 12),))
    (feature,) = qa_features([example], course_tokenizer)
    length = len(feature.input_ids)
    starts, ends = torch.zeros(1, length), torch.zeros(1, length)
    starts[0, feature.start_position], ends[0, feature.end_position] = 5.0, 4.0
    ends[0, 0] = 9.0  # [CLS] scores best as an end, but it is not in the context
    prediction = best_span(context, [feature], starts, ends)
    log_p_start = torch.log_softmax(starts[0], dim=0)[feature.start_position]
    log_p_end = torch.log_softmax(ends[0], dim=0)[feature.end_position]
    assert prediction.text == "the little park"
    assert prediction.score == pytest.approx(float(log_p_start + log_p_end))  # log-probabilities, not logits
    batch = collate_qa([feature])
    assert batch.start_positions.tolist() == [feature.start_position]


def test_best_span_trusts_the_window_that_is_surest_not_the_one_with_the_largest_logits(course_tokenizer):
    """Two windows' logits have no common zero: a window that puts most of its probability on [CLS]
    ("not here") loses to one that is sure of its span, even when its raw logits are larger."""
    context = "mia went to the park . then tom went to the lake . then mia slept at home ."
    example = QAExample("q", "t", context, "where did tom go ?", (QAAnswer("the lake", context.index("the lake")),))
    features = qa_features([example], course_tokenizer, max_seq_length=16, doc_stride=4)
    holding = next(i for i, f in enumerate(features) if f.start_position and f.token_is_max_context[f.start_position])
    other = next(i for i, f in enumerate(features) if f.start_position == 0 and any(f.token_is_max_context))
    length = max(len(f.input_ids) for f in features)
    starts, ends = torch.zeros(len(features), length), torch.zeros(len(features), length)
    starts[holding, features[holding].start_position] = ends[holding, features[holding].end_position] = 4.0
    decoy = features[other].token_is_max_context.index(True)  # a start this window owns
    starts[other, decoy] = ends[other, decoy] = 6.0  # larger logits than the right span's ...
    starts[other, 0] = ends[other, 0] = 12.0  # ... but the window is far surer that the answer is not in it
    prediction = best_span(context, features, starts, ends)
    assert prediction.text == "the lake" and prediction.feature_index == holding


def test_a_question_longer_than_max_query_length_is_an_error(course_tokenizer):
    example = QAExample("q", "t", "mia ran .", "where did mia go " * 10, (QAAnswer("mia", 0),))
    with pytest.raises(ValueError, match="max_query_length"):
        qa_features([example], course_tokenizer, max_query_length=16)
