"""Checks for notebook 09's exercises: picking the best answer span in one window, and SQuAD's F1.

- `check_best_span`: `best_span(start_logits, end_logits, in_context, max_answer_length)` must
  return the valid span (start <= end, inside the context, at most `max_answer_length` tokens) with
  the highest start + end logit, as an object with `start`, `end` (token indices, end inclusive)
  and `score`.
- `check_answer_f1`: `answer_f1(prediction, gold)` must return an object with `precision`,
  `recall` and `f1`, SQuAD v1.1's bag-of-tokens overlap after its normalisation.

The right answers come from brute force over every pair and from `bertlib.training.metrics`; this
module's job ends at judging a student's function.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from bertlib.course.checks.framework import Checker, ExerciseFailed, exercise_check
from bertlib.training.metrics import normalize_answer, token_f1

# -- exercise 1: the best span of one window ---------------------------------------------------------

#: A window as the model sees it: [CLS] question [SEP] context [SEP]. Tokens 7..12 are the context.
TOKENS = ("[CLS]", "where", "did", "tom", "go", "?", "[SEP]", "tom", "went", "to", "the", "pond", ".", "[SEP]")
IN_CONTEXT = torch.tensor([7 <= i <= 12 for i in range(len(TOKENS))])


@dataclass(frozen=True)
class SpanCase:
    """One case of `check_best_span`: logits over TOKENS and the longest answer allowed."""

    name: str
    start_logits: torch.Tensor  # (T,)
    end_logits: torch.Tensor  # (T,)
    max_answer_length: int


def _logits(peaks: dict[int, float], seed: int) -> torch.Tensor:
    """Small distinct noise with a few peaks: the right answer is unique."""
    logits = 0.1 * torch.randn(len(TOKENS), generator=torch.Generator().manual_seed(seed))  # (T,)
    for position, value in peaks.items():
        logits[position] = value
    return logits


def span_cases() -> list[SpanCase]:
    """Each case is built so that one typical mistake gives a different span from the right one."""
    return [
        SpanCase("a clear answer, 'the pond' (tokens 10..11)", _logits({10: 5.0}, 1), _logits({11: 5.0}, 2), 30),
        SpanCase(
            "[CLS] and the question's 'tom' score highest",
            _logits({0: 9.0, 3: 8.0, 7: 4.0}, 3),
            _logits({0: 9.0, 3: 8.0, 7: 4.0}, 4),
            30,
        ),
        SpanCase(
            "the best start (token 11) comes after the best end (token 8)",
            _logits({11: 6.0, 7: 3.0}, 5),
            _logits({8: 6.0, 11: 2.0}, 6),
            30,
        ),
        SpanCase(
            "the best start and end are 6 tokens apart, max_answer_length=3",
            _logits({7: 6.0, 10: 3.0}, 7),
            _logits({12: 6.0, 11: 2.5}, 8),
            3,
        ),
        SpanCase(
            "the best valid span has exactly max_answer_length=2 tokens",
            _logits({9: 4.5, 10: 3.9}, 9),
            _logits({11: 5.0, 12: 5.5}, 10),
            2,
        ),
        SpanCase(
            "the best start's own best end is far worse than another pair, max_answer_length=2",
            _logits({8: 5.0, 10: 4.8}, 11),
            _logits({11: 5.0}, 12),
            2,
        ),
        *[
            SpanCase(
                f"random logits (seed {seed}), max_answer_length=3",
                3 * _logits({}, 100 + seed),
                3 * _logits({}, 200 + seed),
                3,
            )
            for seed in range(3)
        ],
    ]


def best_valid_span(
    start_logits: torch.Tensor, end_logits: torch.Tensor, in_context: torch.Tensor, max_answer_length: int
) -> tuple[int, int]:
    """Brute force over every (start, end) pair: the reference answer."""
    best, best_score = None, float("-inf")
    for start in range(len(start_logits)):
        for end in range(start, min(start + max_answer_length, len(end_logits))):
            score = float(start_logits[start] + end_logits[end])
            if in_context[start] and in_context[end] and score > best_score:
                best, best_score = (start, end), score
    if best is None:
        raise ValueError("best_valid_span: no valid span; in_context must be True somewhere within the logits.")
    return best


def _span_of(check: Checker, result: Any, case: str) -> tuple[int, int]:
    check.expect(
        hasattr(result, "start") and hasattr(result, "end"),
        "type",
        f"return SpanChoice(start=..., end=..., score=...), not {type(result).__name__}",
        case,
    )
    try:
        start, end = int(result.start), int(result.end)
    except (TypeError, ValueError, RuntimeError):
        check.fail("type", f"start and end must be token indices (ints), got {result.start!r} and {result.end!r}", case)
    check.expect(
        0 <= start < len(TOKENS) and 0 <= end < len(TOKENS),
        "values",
        f"start {start} and end {end} must be token indices 0..{len(TOKENS) - 1}",
        case,
    )
    return start, end


def _name(position: int) -> str:
    return f"{position} ({TOKENS[position]!r})"


@dataclass(frozen=True)
class SpanChoice:
    """What `best_span` returns: the answer's first and last token (inclusive) and its score."""

    start: int
    end: int
    score: float  # start_logits[start] + end_logits[end]


def best_span(
    start_logits: torch.Tensor, end_logits: torch.Tensor, in_context: torch.Tensor, max_answer_length: int = 30
) -> SpanChoice:
    """bertlib's version of the exercise: the best valid span of one window, with its score."""
    start, end = best_valid_span(start_logits, end_logits, in_context, max_answer_length)
    return SpanChoice(start, end, float(start_logits[start] + end_logits[end]))


@exercise_check(fallback=best_span)
def check_best_span(best_span: Callable) -> None:
    """best_span(start_logits (T,), end_logits (T,), in_context (T,) bool, max_answer_length) -> SpanChoice."""
    check = Checker("best_span", best_span)
    for span_case in span_cases():
        case = span_case.name
        starts, ends, length = span_case.start_logits, span_case.end_logits, span_case.max_answer_length
        result = check.call(starts.clone(), ends.clone(), IN_CONTEXT.clone(), length, case=case)
        start, end = _span_of(check, result, case)
        separately = {
            (int(starts.argmax()), int(ends.argmax())),
            (
                int(starts.masked_fill(~IN_CONTEXT, float("-inf")).argmax()),
                int(ends.masked_fill(~IN_CONTEXT, float("-inf")).argmax()),
            ),
        }
        separate = ""
        if (start, end) in separately:
            separate = (
                "; this is the best start and the best end taken separately, which need not make a "
                "valid span: score every pair (start, end) as start_logit + end_logit and keep the best "
                "valid pair"
            )
        check.expect(
            end >= start,
            "end before start",
            f"the span ends at token {_name(end)} before it starts at token {_name(start)}; keep "
            f"only pairs with start <= end{separate}",
            case,
        )
        for role, position in (("starts", start), ("ends", end)):
            check.expect(
                bool(IN_CONTEXT[position]),
                "outside the context",
                f"the span {role} at token {_name(position)}, which is not in the context (the "
                "[CLS] token, the question or a [SEP]); only tokens where in_context is True can "
                f"be part of the answer{separate}",
                case,
            )
        check.expect(
            end - start + 1 <= length,
            "too long",
            f"the span {start}..{end} has {end - start + 1} tokens but max_answer_length is "
            f"{length}; a span from start to end (inclusive) has end - start + 1 tokens{separate}",
            case,
        )
        want = best_valid_span(starts, ends, IN_CONTEXT, length)
        got_score, want_score = float(starts[start] + ends[end]), float(starts[want[0]] + ends[want[1]])
        check.expect(
            (start, end) == want,
            "values",
            f"the span {start}..{end} is valid and scores {got_score:.2f}, but {want[0]}..{want[1]} "
            f"is valid too and scores {want_score:.2f}; compare every valid pair (start <= end, both in "
            "the context, end - start + 1 <= max_answer_length), not only the ends that go with the "
            "single best start",
            case,
        )
        check.expect(hasattr(result, "score"), "type", "the result should also carry its score", case)
        try:
            score = float(result.score)
        except (TypeError, ValueError, RuntimeError):
            check.fail("type", f"score must be a number, got {result.score!r}", case)
        check.expect(
            abs(score - want_score) < 1e-4,
            "score",
            f"score is {score:.4f}, but start_logits[{start}] + end_logits[{end}] = {want_score:.4f}",
            case,
        )
    check.done()


# -- exercise 2: SQuAD's answer F1 ----------------------------------------------------------------------


@dataclass(frozen=True)
class F1Case:
    """One case of `check_answer_f1`: a prediction and gold answer, and what a wrong result would mean."""

    name: str
    prediction: str
    gold: str
    mistake: str  # the kind of mistake this case exposes, named in the message
    hint: str


F1_CASES = (
    F1Case("the same answer", "the red ball", "the red ball", "values", "identical answers score 1"),
    F1Case(
        "upper case: 'Red Ball' vs 'red ball'",
        "Red Ball",
        "red ball",
        "normalisation",
        "lower-case both answers before comparing tokens",
    ),
    F1Case(
        "punctuation: 'red ball.' vs 'red ball'",
        "red ball.",
        "red ball",
        "normalisation",
        "remove punctuation (every character of string.punctuation) before splitting",
    ),
    F1Case(
        "articles: 'a red ball' vs 'the red ball'",
        "a red ball",
        "the red ball",
        "normalisation",
        "drop the whole words a, an and the (not the letters inside other words)",
    ),
    F1Case(
        "words that contain 'a' and 'an': 'an ant' vs 'ant'",
        "an ant",
        "ant",
        "normalisation",
        "remove the articles as whole words only (split into words, or a regular expression with \\b), "
        "so that 'ant' stays 'ant'",
    ),
    F1Case(
        "a longer prediction: 'the red ball and the cup' vs 'red ball'",
        "the red ball and the cup",
        "red ball",
        "precision and recall",
        "precision = common / tokens in the PREDICTION, recall = common / tokens in the GOLD answer",
    ),
    F1Case(
        "a shorter prediction: 'ball' vs 'the red ball'",
        "ball",
        "the red ball",
        "precision and recall",
        "precision = common / tokens in the PREDICTION, recall = common / tokens in the GOLD answer",
    ),
    F1Case(
        "repeated words: 'dog dog dog' vs 'dog'",
        "dog dog dog",
        "dog",
        "repeated words",
        "count tokens as a multiset (collections.Counter; `&` keeps the smaller count), not as a set: "
        "'dog' is in common once, not three times and not 'present'",
    ),
    F1Case(
        "repeated words: 'dog dog' vs 'dog dog cat'",
        "dog dog",
        "dog dog cat",
        "repeated words",
        "count tokens as a multiset (collections.Counter), not as a set",
    ),
    F1Case(
        "nothing in common: 'the cat' vs 'a dog'",
        "the cat",
        "a dog",
        "no overlap",
        "with no token in common precision, recall and F1 are all 0 (2PR / (P + R) would divide by 0)",
    ),
    F1Case(
        "an empty prediction: '' vs 'the park'",
        "",
        "the park",
        "empty answers",
        "a prediction with no tokens has nothing in common with the gold answer: return 0 for "
        "precision, recall and F1 instead of dividing by 0",
    ),
    F1Case(
        "a prediction that is only an article: 'the' vs 'the park'",
        "the",
        "the park",
        "empty answers",
        "after normalisation 'the' has no tokens left: return 0 for precision, recall and F1",
    ),
)


@dataclass(frozen=True)
class Overlap:
    """The reference precision, recall and F1 of one case, to compare the student's numbers with."""

    precision: float
    recall: float
    f1: float


def reference_overlap(prediction: str, gold: str) -> Overlap:
    """Precision and recall of the normalised tokens, and bertlib's (SQuAD's) F1."""
    predicted, wanted = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = sum((collections.Counter(predicted) & collections.Counter(wanted)).values())
    if common == 0:
        return Overlap(0.0, 0.0, 0.0)
    return Overlap(common / len(predicted), common / len(wanted), token_f1(prediction, [gold]))


def _numbers(check: Checker, result: Any, case: str) -> Overlap:
    check.expect(
        all(hasattr(result, name) for name in ("precision", "recall", "f1")),
        "type",
        f"return AnswerOverlap(precision=..., recall=..., f1=...), not {type(result).__name__}",
        case,
    )
    try:
        return Overlap(float(result.precision), float(result.recall), float(result.f1))
    except (TypeError, ValueError):
        check.fail("type", "precision, recall and f1 must be numbers between 0 and 1", case)


def answer_f1(prediction: str, gold: str) -> Overlap:
    """bertlib's version of the exercise: SQuAD v1.1's precision, recall and F1 of one answer."""
    return reference_overlap(prediction, gold)


@exercise_check(fallback=answer_f1)
def check_answer_f1(answer_f1: Callable[[str, str], Any]) -> None:
    """answer_f1(prediction, gold) -> AnswerOverlap(precision, recall, f1), SQuAD v1.1's token overlap."""
    check = Checker("answer_f1", answer_f1)
    for f1_case in F1_CASES:
        case = f1_case.name
        try:
            result = check.call(f1_case.prediction, f1_case.gold, case=case)
        except ExerciseFailed as error:
            if f1_case.mistake in ("empty answers", "no overlap") and isinstance(error.__cause__, ZeroDivisionError):
                check.fail(f1_case.mistake, f"it divided by zero; {f1_case.hint}", case)
            raise
        got, want = _numbers(check, result, case), reference_overlap(f1_case.prediction, f1_case.gold)

        def close(a: float, b: float) -> bool:
            return abs(a - b) < 1e-6

        swapped = close(got.precision, want.recall) and close(got.recall, want.precision)
        check.expect(
            not swapped or close(want.precision, want.recall),
            "precision and recall swapped",
            f"got precision {got.precision:.3f} and recall {got.recall:.3f}, the other way round; {f1_case.hint}",
            case,
        )
        right = close(got.precision, want.precision) and close(got.recall, want.recall)
        check.expect(
            right,
            f1_case.mistake,
            f"expected precision {want.precision:.3f} and recall {want.recall:.3f}, got "
            f"{got.precision:.3f} and {got.recall:.3f}; {f1_case.hint}",
            case,
        )
        arithmetic = (got.precision + got.recall) / 2
        check.expect(
            close(got.f1, want.f1) or not close(got.f1, arithmetic) or close(arithmetic, want.f1),
            "F1",
            f"f1 {got.f1:.3f} is the plain average of precision and recall; F1 is their harmonic mean, 2PR / (P + R)",
            case,
        )
        check.expect(
            close(got.f1, want.f1), "F1", f"expected f1 {want.f1:.3f} (= 2PR / (P + R)), got {got.f1:.3f}", case
        )
    check.done()
