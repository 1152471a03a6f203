"""Tagged sentences: words, their BIO entity tags, and named spans, made from small templates.

A template is a line of words with slots, e.g. `"{person} went to {place} ."`. Filling it with
`Mention`s (words that carry their own tags) gives a `Sentence` that knows, for free, its NER tags
(for the NER set) and where each slot landed (for the answers of the QA set).

Its job ends at one sentence; which sentences make a story is `world.py`'s job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

OUTSIDE = "O"


@dataclass(frozen=True)
class Mention:
    """Words with one BIO tag each, ready to drop into a template slot."""

    words: tuple[str, ...]
    tags: tuple[str, ...]

    def __post_init__(self) -> None:
        """Check that the mention has as many tags as words."""
        if len(self.words) != len(self.tags):
            raise ValueError(f"{self.words} has {len(self.words)} words but {len(self.tags)} tags")

    def __add__(self, other: Mention) -> Mention:
        """The two mentions one after the other."""
        return Mention(self.words + other.words, self.tags + other.tags)


def plain(text: str) -> Mention:
    """Words that name no entity: every tag is O."""
    words = tuple(text.split())
    return Mention(words, (OUTSIDE,) * len(words))


def entity(text: str, label: str) -> Mention:
    """Words that name one entity: B-label, then I-label."""
    words = tuple(text.split())
    return Mention(words, (f"B-{label}",) + (f"I-{label}",) * (len(words) - 1))


@dataclass(frozen=True)
class WordSpan:
    """Words [start, end) of a sentence."""

    start: int  # the index of its first word
    end: int  # the index after its last word


@dataclass(frozen=True)
class Sentence:
    """A sentence of the small world: its words, a BIO tag per word, and named word spans."""

    words: tuple[str, ...]
    tags: tuple[str, ...]
    spans: Mapping[str, WordSpan] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The words joined by spaces."""
        return " ".join(self.words)

    def span_text(self, name: str) -> str:
        """The text of the word span called `name`."""
        span = self.spans[name]
        return " ".join(self.words[span.start : span.end])


def render(template: str, **slots: Mention | str) -> Sentence:
    """Fill `{name}` slots of a whitespace-separated template; plain strings become untagged words."""
    words: list[str] = []
    tags: list[str] = []
    spans: dict[str, WordSpan] = {}
    for token in template.split():
        if token.startswith("{") and token.endswith("}"):
            name = token[1:-1]
            if name not in slots:
                raise KeyError(f"template {template!r} needs a value for slot {name!r}")
            value = slots[name]
            mention = plain(value) if isinstance(value, str) else value
            spans[name] = WordSpan(len(words), len(words) + len(mention.words))
            words.extend(mention.words)
            tags.extend(mention.tags)
        else:
            words.append(token)
            tags.append(OUTSIDE)
    return Sentence(tuple(words), tuple(tags), spans)
