"""Notebook 09's checks pass a right answer and name the mistake in typical wrong ones."""

from __future__ import annotations

import collections
import re
import string
from dataclasses import dataclass

import pytest
import torch

from bertlib.course.checks import ExerciseFailed, check_answer_f1, check_best_span
from bertlib.course.checks.qa import IN_CONTEXT, answer_f1, best_span, best_valid_span, span_cases
from bertlib.data.features import QAFeature
from bertlib.data.features import best_span as google_best_span


@dataclass(frozen=True)
class SpanChoice:
    start: int
    end: int
    score: float


def pair_search(
    start_logits, end_logits, in_context, max_answer_length, *, order=True, context=True, length_limit=None
):
    """A right answer with switches that turn one rule off (or shift the length limit)."""
    positions = torch.arange(len(start_logits))
    scores = start_logits[:, None] + end_logits[None, :]  # (T, T): start i, end j
    span_length = positions[None, :] - positions[:, None] + 1  # (T, T)
    valid = torch.ones_like(scores, dtype=torch.bool)
    if order:
        valid &= span_length >= 1
    if context:
        valid &= in_context[:, None] & in_context[None, :]
    limit = max_answer_length if length_limit is None else length_limit(max_answer_length)
    if limit is not None:
        valid &= span_length.abs() <= limit
    scores = scores.masked_fill(~valid, float("-inf"))
    start, end = divmod(int(scores.argmax()), len(start_logits))
    return SpanChoice(start, end, float(start_logits[start] + end_logits[end]))


def right_best_span(start_logits, end_logits, in_context, max_answer_length=30):
    return pair_search(start_logits, end_logits, in_context, max_answer_length)


def test_best_span_check_passes_a_right_answer(capsys):
    check_best_span(right_best_span)
    assert re.search(r"✔ best_span: all \d+ cases pass\.", capsys.readouterr().out)


def test_the_reference_agrees_with_googles_rule_when_no_window_limits_it():
    """The brute force of the check and bertlib's n-best search pick the same span on one window."""
    tokens = len(IN_CONTEXT)
    feature = QAFeature(
        "q",
        tuple(range(tokens)),
        (0,) * tokens,
        0,
        0,
        tuple((i, i + 1) if IN_CONTEXT[i] else None for i in range(tokens)),
        (True,) * tokens,
    )
    for case in span_cases():
        want = best_valid_span(case.start_logits, case.end_logits, IN_CONTEXT, case.max_answer_length)
        google = google_best_span(
            "x" * tokens,
            [feature],
            case.start_logits[None],
            case.end_logits[None],
            n_best=tokens,
            max_answer_length=case.max_answer_length,
        )
        assert (google.start, google.end) == want, case.name


def argmax_separately(start_logits, end_logits, in_context, max_answer_length=30):
    starts = start_logits.masked_fill(~in_context, float("-inf"))
    ends = end_logits.masked_fill(~in_context, float("-inf"))
    start, end = int(starts.argmax()), int(ends.argmax())
    return SpanChoice(start, end, float(start_logits[start] + end_logits[end]))


def best_start_then_its_end(start_logits, end_logits, in_context, max_answer_length=30):
    start = int(start_logits.masked_fill(~in_context, float("-inf")).argmax())
    ends = end_logits.clone()
    ends[:start] = float("-inf")
    ends[start + max_answer_length :] = float("-inf")
    end = int(ends.masked_fill(~in_context, float("-inf")).argmax())
    return SpanChoice(start, end, float(start_logits[start] + end_logits[end]))


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda s, e, c, n=30: pair_search(s, e, c, n, order=False), "end before start"),
        (lambda s, e, c, n=30: pair_search(s, e, c, n, context=False), "outside the context.*\\[CLS\\]"),
        (lambda s, e, c, n=30: pair_search(s, e, c, n, length_limit=lambda n: None), "too long: .* has 6 tokens"),
        (lambda s, e, c, n=30: pair_search(s, e, c, n, length_limit=lambda n: n + 1), "too long: .* has 3 tokens"),
        (lambda s, e, c, n=30: pair_search(s, e, c, n, length_limit=lambda n: n - 1), "values: .*compare every valid"),
        (argmax_separately, "end before start: .*taken separately"),
        (best_start_then_its_end, "values: .*not only the ends that go with the single best start"),
        (lambda s, e, c, n=30: (3, 4), "type: return SpanChoice"),
        (
            lambda s, e, c, n=30: SpanChoice(right_best_span(s, e, c, n).start, right_best_span(s, e, c, n).end, 0.0),
            "score: score is 0.0000",
        ),
    ],
    ids=[
        "no order",
        "no context mask",
        "no length limit",
        "length off by one (too long)",
        "length off by one (too short)",
        "argmax separately",
        "greedy start",
        "a tuple",
        "wrong score",
    ],
)
def test_best_span_mistakes_are_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check_best_span(wrong)


def test_best_span_check_reports_an_unwritten_exercise(capsys):
    def not_done(start_logits, end_logits, in_context, max_answer_length=30):
        raise NotImplementedError()

    assert check_best_span(not_done) is best_span
    assert capsys.readouterr().out.startswith("✎ best_span is not written yet")
    check_best_span(best_span)  # the fallback is a right answer


# -- answer_f1 -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerOverlap:
    precision: float
    recall: float
    f1: float


def tokens_of(text: str, normalise: bool = True) -> list[str]:
    if not normalise:
        return text.split()
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return re.sub(r"\b(a|an|the)\b", " ", text).split()


def overlap(prediction, gold, *, normalise=True, as_set=False, swap=False, mean=False, guard=True):
    predicted, wanted = tokens_of(prediction, normalise), tokens_of(gold, normalise)
    if as_set:
        common = len(set(predicted) & set(wanted))
        predicted, wanted = set(predicted), set(wanted)
    else:
        common = sum((collections.Counter(predicted) & collections.Counter(wanted)).values())
    if guard and common == 0:
        return AnswerOverlap(0.0, 0.0, 0.0)
    precision, recall = common / len(predicted), common / len(wanted)
    if swap:
        precision, recall = recall, precision
    f1 = (precision + recall) / 2 if mean else 2 * precision * recall / (precision + recall)
    return AnswerOverlap(precision, recall, f1)


def test_answer_f1_check_passes_a_right_answer(capsys):
    check_answer_f1(overlap)
    assert re.search(r"✔ answer_f1: all \d+ cases pass\.", capsys.readouterr().out)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda p, g: overlap(p, g, normalise=False), "normalisation: .*lower-case"),
        (lambda p, g: overlap(p.lower(), g.lower(), normalise=False), "normalisation: .*punctuation"),
        (lambda p, g: overlap(p.replace("a", ""), g.replace("a", "")), "normalisation: .*whole words"),
        (lambda p, g: overlap(p, g, as_set=True), "repeated words: .*multiset"),
        (lambda p, g: overlap(p, g, swap=True), "precision and recall swapped"),
        (lambda p, g: overlap(p, g, mean=True), "F1: .*harmonic mean"),
        (lambda p, g: overlap(p, g, guard=False), "no overlap: it divided by zero"),
        (lambda p, g: overlap(p, g) if p else 1 / len(p), "empty answers: it divided by zero"),
        (lambda p, g: overlap(p, g).f1, "type: return AnswerOverlap"),
        (
            lambda p, g: AnswerOverlap(*[len(set(tokens_of(p)) & set(tokens_of(g))) / max(len(tokens_of(p)), 1)] * 3),
            "precision and recall: .*tokens in the GOLD answer",
        ),
        (lambda p, g: AnswerOverlap(overlap(p, g).precision, overlap(p, g).recall, 0.5), "F1: expected f1"),
        (lambda p, g: overlap(p, g) if tokens_of(p) else AnswerOverlap(1.0, 0.0, 0.0), "empty answers: expected"),
        (lambda p, g: AnswerOverlap(0.0, 0.0, 0.0), "values: expected precision 1.000"),
    ],
    ids=[
        "no normalisation",
        "no punctuation removal",
        "articles as letters",
        "sets",
        "swapped",
        "arithmetic mean",
        "no zero guard",
        "empty prediction",
        "a float",
        "both over the prediction",
        "a made-up f1",
        "empty as right",
        "always zero",
    ],
)
def test_answer_f1_mistakes_are_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check_answer_f1(wrong)


def test_answer_f1_not_done_gives_bertlibs_version(capsys):
    def not_done(prediction, gold):
        raise NotImplementedError()

    assert check_answer_f1(not_done) is answer_f1
    assert capsys.readouterr().out.startswith("✎ answer_f1 is not written yet")
    check_answer_f1(answer_f1)  # the fallback is a right answer
