"""How people in the world judge things: "good", "not bad", "not very good", "far too long",
"good but far too long". One rule decides the sentiment: a negator flips the polarity of what
follows it, "too" makes a quality negative, and in "A but B" the part after "but" wins.

The same grammar feeds the unlabelled corpus (where a reaction sentence follows each judgement,
so pre-training can learn the rule) and the labelled sentiment set (where only the judgement is
given, with its label). Its job ends at the phrase; the sentence around it is `world.py`'s.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bertlib.data.lexicon import EXCESS_DEGREES, INTENSIFIERS, NEGATIVE, NEGATORS, POSITIVE, Thing

#: The forms of a judgement, from simplest to hardest for a bag of words.
PLAIN = "plain"  # "good", "really boring"
NEGATED = "negated"  # the negator touches the adjective: "not bad", "far from perfect"
NEGATED_APART = "negated_apart"  # an intensifier between: "not very good", "never really boring"
EXCESS = "excess"  # "far too long" (negative), "not too long" (positive)
CONTRAST = "contrast"  # "good but far too long": the part after "but" decides
FORMS = (PLAIN, NEGATED, NEGATED_APART, EXCESS, CONTRAST)

#: Negators that read well before an intensifier: "not very good", "never really boring".
APART_NEGATORS = ("not", "never")


@dataclass(frozen=True)
class Judgement:
    """A judgement of a thing in a review: its words, whether it is positive, and its form."""

    words: tuple[str, ...]
    positive: bool
    form: str

    @property
    def text(self) -> str:
        """The judgement's words joined by spaces."""
        return " ".join(self.words)


def adjective(rng: random.Random, positive: bool) -> str:
    """A random positive or negative adjective."""
    return rng.choice(POSITIVE if positive else NEGATIVE)


def plain_judgement(rng: random.Random, positive: bool, thing: Thing) -> tuple[str, ...]:
    """An adjective, maybe with an intensifier: "very good"."""
    intensifier = (rng.choice(INTENSIFIERS),) if rng.random() < 0.5 else ()
    return intensifier + (adjective(rng, positive),)


def bare_adjective(rng: random.Random, positive: bool, thing: Thing) -> tuple[str, ...]:
    """An adjective alone: "good"."""
    return (adjective(rng, positive),)


def negated_judgement(rng: random.Random, positive: bool, thing: Thing) -> tuple[str, ...]:
    """A negated adjective of the opposite polarity: "not bad" is positive."""
    return rng.choice(NEGATORS) + (adjective(rng, not positive),)


def negated_apart_judgement(rng: random.Random, positive: bool, thing: Thing) -> tuple[str, ...]:
    """A negator, an intensifier, then an adjective of the opposite polarity: "never very bad"."""
    return (rng.choice(APART_NEGATORS), rng.choice(INTENSIFIERS), adjective(rng, not positive))


def excess_judgement(rng: random.Random, positive: bool, thing: Thing) -> tuple[str, ...]:
    """Too much of a quality (negative), or "not too" much of it (positive)."""
    degree = ("not", "too") if positive else rng.choice(EXCESS_DEGREES)
    return degree + (rng.choice(thing.excesses),)


SIMPLE_FORMS = {
    PLAIN: plain_judgement,
    NEGATED: negated_judgement,
    NEGATED_APART: negated_apart_judgement,
    EXCESS: excess_judgement,
}
ALL_SIMPLE_FORMS = tuple(SIMPLE_FORMS)


def contrast_judgement(
    rng: random.Random, positive: bool, thing: Thing, last_forms: tuple[str, ...]
) -> tuple[str, ...]:
    """`A but B`: B has the wanted polarity, A the opposite one: "good but far too long". A plain A
    has no intensifier, so that "very good" stays as often negative ("not very good") as positive
    ("very good", "... but very good") and word pairs alone cannot read a negation set apart."""
    first_forms = {PLAIN: bare_adjective, NEGATED: negated_judgement, EXCESS: excess_judgement}
    first = first_forms[rng.choice((PLAIN, NEGATED, EXCESS))](rng, not positive, thing)
    last = SIMPLE_FORMS[rng.choice(last_forms)](rng, positive, thing)
    return first + ("but",) + last


def judgement(
    rng: random.Random,
    positive: bool,
    form: str,
    thing: Thing,
    contrast_last_forms: tuple[str, ...] = ALL_SIMPLE_FORMS,
) -> Judgement:
    """A judgement of `thing` with the given polarity and form; for a contrast,
    `contrast_last_forms` says which forms the deciding part after "but" may take."""
    if form == CONTRAST:
        words = contrast_judgement(rng, positive, thing, contrast_last_forms)
    elif form in SIMPLE_FORMS:
        words = SIMPLE_FORMS[form](rng, positive, thing)
    else:
        raise ValueError(f"unknown judgement form {form!r}; expected one of {FORMS}")
    return Judgement(words, positive, form)


def random_judgement(
    rng: random.Random,
    thing: Thing,
    form_weights: dict[str, float],
    contrast_last_forms: tuple[str, ...] = ALL_SIMPLE_FORMS,
) -> Judgement:
    """A judgement whose polarity is a fair coin and whose form is drawn with `form_weights`."""
    positive = rng.random() < 0.5
    forms = tuple(form_weights)
    form = rng.choices(forms, weights=[form_weights[f] for f in forms])[0]
    return judgement(rng, positive, form, thing, contrast_last_forms)
