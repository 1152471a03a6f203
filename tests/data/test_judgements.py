"""The one rule of sentiment in the world: negators flip, "too" is negative, "but" hands over."""

from __future__ import annotations

import random

import pytest

from bertlib.data.judgements import CONTRAST, EXCESS, FORMS, NEGATED, NEGATED_APART, PLAIN, judgement
from bertlib.data.lexicon import INTENSIFIERS, NEGATIVE, POSITIVE, THINGS

SOUP = next(t for t in THINGS if t.word == "soup")


def polarity_by_rule(words: tuple[str, ...]) -> bool:
    """An independent reading of a judgement: the part after "but" decides; in it, count flips."""
    if "but" in words:
        words = words[words.index("but") + 1 :]
    positive = "too" not in words  # "too salty" is negative ...
    if words[-1] in POSITIVE or words[-1] in NEGATIVE:
        positive = words[-1] in POSITIVE
    negators = sum(w in ("not", "never", "hardly", "from") for w in words)
    return positive if negators % 2 == 0 else not positive  # ... and "not too salty" positive


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("positive", [True, False])
def test_every_form_has_the_polarity_it_was_asked_for(form, positive):
    rng = random.Random(0)
    for _ in range(200):
        verdict = judgement(rng, positive, form, SOUP)
        assert verdict.positive == positive == polarity_by_rule(verdict.words), verdict


def test_forms_look_as_named():
    rng = random.Random(1)
    assert judgement(rng, True, PLAIN, SOUP).words[-1] in POSITIVE
    assert judgement(rng, True, NEGATED, SOUP).words[-1] in NEGATIVE
    apart = judgement(rng, False, NEGATED_APART, SOUP).words
    assert apart[0] in ("not", "never") and apart[1] in INTENSIFIERS and apart[2] in POSITIVE
    assert judgement(rng, False, EXCESS, SOUP).words[-1] in SOUP.excesses
    assert "but" in judgement(rng, True, CONTRAST, SOUP).words


def test_an_unknown_form_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown judgement form 'sarcastic'"):
        judgement(random.Random(0), True, "sarcastic", SOUP)
