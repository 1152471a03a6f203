"""Tagged sentences: named entities coloured by type, the gold tags next to a model's.

- `tagged_text(words, tags)`: one sentence as plain text with its entities in brackets,
  `[anna|PER] walked to [little harlow|LOC] .`, which is what nbval compares.
- `TaggedSentence`: a sentence's words with its gold and/or predicted BIO tags. An entity that has
  no exact match (same type, same first and last word) in the other row is a mistake: it is
  outlined in red in HTML and followed by ✗ in the text.
- `TaggedSentences`: several of them in one box with a legend of the colours. In a notebook it shows
  itself as HTML with inline CSS (no JavaScript, nothing fetched), and as the plain text everywhere
  else, so that its printed form is what nbval compares.
- `entity_colours(types)`: one light background colour per entity type, the same one every time.

Its job ends at showing tags: predicting them is the fine-tuning task's job, and reading the
entities off BIO tags is `bertlib.training.metrics.bio_chunks`'s (conlleval's rules).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bertlib.data.examples import NerExample
from bertlib.training.metrics import Chunk, bio_chunks

#: Light backgrounds that dark text reads well on; the course's types and CoNLL-2003's have fixed ones.
ENTITY_COLOURS = {"PER": "#ffd8a8", "LOC": "#a5d8ff", "ANIMAL": "#b2f2bb", "ORG": "#d0bfff", "MISC": "#fcc2d7"}
#: Colours for any other type, handed out in the order of the sorted type names.
SPARE_COLOURS = ("#ffec99", "#99e9f2", "#eebefa", "#c0eb75", "#dee2e6")
MISTAKE_STYLE = "outline: 2px dashed #c92a2a; outline-offset: 1px;"
MISTAKE_MARK = "✗"
ROW_NAMES = {"gold": "gold", "predicted": "predicted"}


def entity_colours(types: Iterable[str]) -> dict[str, str]:
    """Type -> background colour: the fixed one for PER, LOC, ANIMAL, ORG and MISC, the spare
    colours in turn for other types (sorted by name, so that the same set gets the same colours)."""
    colours, spare = {}, 0
    for kind in sorted(set(types)):
        if kind in ENTITY_COLOURS:
            colours[kind] = ENTITY_COLOURS[kind]
        else:
            colours[kind] = SPARE_COLOURS[spare % len(SPARE_COLOURS)]
            spare += 1
    return colours


def _check_tags(words: Sequence[str], tags: Sequence[str], row: str) -> None:
    named = f"{row} tags" if row else "tags"
    if isinstance(words, str):
        raise TypeError(
            f"The words must be a sequence of words, one per tag, not the string {words!r}; "
            "split it first (e.g. text.split())."
        )
    if isinstance(tags, str):
        raise TypeError(f"The {named} must be a sequence of tags, one per word, not the string {tags!r}.")
    if len(tags) != len(words):
        raise ValueError(f"{len(words)} words but {len(tags)} {named}; give exactly one tag per word.")


def tagged_text(words: Sequence[str], tags: Sequence[str], mistakes: Iterable[Chunk] = ()) -> str:
    """The sentence with each entity as [its words|TYPE]; entities in `mistakes` get a ✗ after them."""
    _check_tags(words, tags, "")
    wrong = set(mistakes)
    starts = {chunk.start: chunk for chunk in bio_chunks(tags)}
    pieces, i = [], 0
    while i < len(words):
        chunk = starts.get(i)
        if chunk is None:
            pieces.append(words[i])
            i += 1
            continue
        mark = MISTAKE_MARK if chunk in wrong else ""
        pieces.append(f"[{' '.join(words[chunk.start : chunk.end])}|{chunk.type}]{mark}")
        i = chunk.end
    return " ".join(pieces)


@dataclass(frozen=True)
class TaggedSentence:
    """One sentence's words with its gold tags, a model's predicted tags, or both."""

    words: tuple[str, ...]
    gold: tuple[str, ...] | None = None
    predicted: tuple[str, ...] | None = None
    label: str = ""  # shown above the sentence, e.g. the example's id

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", tuple(self.words))
        if self.gold is None and self.predicted is None:
            raise ValueError("A tagged sentence needs gold tags, predicted tags, or both; it got neither.")
        for row in ("gold", "predicted"):
            tags = getattr(self, row)
            if tags is not None:
                _check_tags(self.words, tags, row)
                object.__setattr__(self, row, tuple(tags))
                bio_chunks(tags)  # a tag that is not BIO is an error now, not when it is drawn

    def rows(self) -> list[tuple[str, tuple[str, ...]]]:
        """("gold", tags) and/or ("predicted", tags), in that order."""
        return [(row, getattr(self, row)) for row in ("gold", "predicted") if getattr(self, row) is not None]

    def entities(self, row: str) -> list[Chunk]:
        """The entities the row's tags mark ("gold" or "predicted"; none if that row is missing)."""
        tags = getattr(self, row)
        return [] if tags is None else bio_chunks(tags)

    def mistakes(self, row: str) -> set[Chunk]:
        """The row's entities that the other row lacks (empty unless both rows are given)."""
        if self.gold is None or self.predicted is None:
            return set()
        other = "predicted" if row == "gold" else "gold"
        return set(self.entities(row)) - set(self.entities(other))

    @property
    def correct(self) -> bool | None:
        """Whether the predicted entities are exactly the gold ones (None without both rows)."""
        if self.gold is None or self.predicted is None:
            return None
        return set(self.entities("gold")) == set(self.entities("predicted"))

    def text(self) -> str:
        """The plain-text twin: the label, then each row with its entities in brackets."""
        lines = [self.label] if self.label else []
        width = max(len(ROW_NAMES[row]) for row, _ in self.rows())
        for row, tags in self.rows():
            lines.append(f"{ROW_NAMES[row] + ':':<{width + 1}} {tagged_text(self.words, tags, self.mistakes(row))}")
        return "\n".join(lines)

    def html(self, colours: dict[str, str] | None = None) -> str:
        """The sentence as HTML: each row's entities on their type's colour, mistakes outlined."""
        colours = colours or entity_colours(c.type for row, _ in self.rows() for c in self.entities(row))
        verdict = {
            True: " <span style='color: #237032;'>✓</span>",
            False: " <span style='color: #c92a2a;'>✗</span>",
            None: "",
        }[self.correct]
        head = (
            f"<div style='font-size: 12px; color: #495057;'>{html.escape(self.label)}{verdict}</div>"
            if self.label or verdict
            else ""
        )
        rows = "".join(
            f"<tr><td style='{_LABEL_CELL}'>{ROW_NAMES[row]}</td><td style='{_WORDS_CELL}'>"
            f"{self._row_html(tags, colours, self.mistakes(row))}</td></tr>"
            for row, tags in self.rows()
        )
        return (
            f"<div style='margin: 4px 0 10px 0;'>{head}<table style='border-collapse: collapse;'>{rows}</table></div>"
        )

    def _row_html(self, tags: Sequence[str], colours: dict[str, str], mistakes: set[Chunk]) -> str:
        starts = {chunk.start: chunk for chunk in bio_chunks(tags)}
        pieces, i = [], 0
        while i < len(self.words):
            chunk = starts.get(i)
            if chunk is None:
                pieces.append(html.escape(self.words[i]))
                i += 1
                continue
            pieces.append(
                entity_html(
                    " ".join(self.words[chunk.start : chunk.end]),
                    chunk.type,
                    colours.get(chunk.type, SPARE_COLOURS[-1]),
                    chunk in mistakes,
                )
            )
            i = chunk.end
        return " ".join(pieces)

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython's text/plain
        printer.text(self.text())

    def _repr_html_(self) -> str:
        return _box(self.html())


# Every colour on these light backgrounds keeps WCAG's 4.5:1 contrast for text (#495057 on white: 8.2).
_LABEL_CELL = "padding: 2px 8px 2px 0; color: #495057; font-size: 12px; text-align: right; vertical-align: middle;"
_WORDS_CELL = "padding: 2px 4px; text-align: left;"
_BOX = (
    "font-family: sans-serif; font-size: 14px; line-height: 2.0; max-width: 62em; color: #212529; "
    "background: #ffffff; border: 1px solid #dee2e6; border-radius: 4px; padding: 6px 12px; margin: 6px 0;"
)


def entity_html(text: str, kind: str, colour: str, mistake: bool = False) -> str:
    """One entity: its words on the type's colour, the type in small bold letters after them."""
    outline = MISTAKE_STYLE if mistake else ""
    return (
        f"<span style='background: {colour}; color: #212529; border-radius: 4px; padding: 1px 4px; "
        f"margin: 0 1px; {outline}'>{html.escape(text)} "
        f"<span style='font-size: 10px; font-weight: bold; color: #495057;'>{html.escape(kind)}</span></span>"
    )


def legend_html(colours: dict[str, str], with_mistakes: bool = True) -> str:
    """A line with each type's name on its colour (and, with `with_mistakes`, what a red outline means)."""
    items = [
        f"<span style='background: {colour}; color: #212529; border-radius: 4px; padding: 1px 6px; "
        f"font-weight: bold;'>{html.escape(kind)}</span>"
        for kind, colour in colours.items()
    ]
    if with_mistakes:
        items.append(f"<span style='{MISTAKE_STYLE} padding: 0 4px;'>no exact match in the other row</span>")
    return f"<div style='font-size: 12px; color: #495057;'>{' &nbsp; '.join(items)}</div>"


def _box(inner: str) -> str:
    return f"<div style='{_BOX}'>{inner}</div>"


@dataclass(frozen=True)
class TaggedSentences:
    """Several tagged sentences in one box, with one legend for their colours."""

    sentences: tuple[TaggedSentence, ...]
    title: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sentences", tuple(self.sentences))
        if not self.sentences:
            raise ValueError("There are no sentences to show; pass at least one TaggedSentence.")

    def colours(self) -> dict[str, str]:
        """One colour per entity type found in any of the sentences."""
        return entity_colours(c.type for s in self.sentences for row, _ in s.rows() for c in s.entities(row))

    def text(self) -> str:
        """The plain-text twin: the title, then every sentence's text."""
        body = "\n\n".join(sentence.text() for sentence in self.sentences)
        return f"{self.title}\n{body}" if self.title else body

    def html(self) -> str:
        """All the sentences in one box, under one legend of the colours."""
        colours = self.colours()
        both = any(s.gold is not None and s.predicted is not None for s in self.sentences)
        title = (
            f"<div style='font-weight: bold; margin-bottom: 4px;'>{html.escape(self.title)}</div>" if self.title else ""
        )
        return _box(
            title
            + legend_html(colours, with_mistakes=both)
            + "".join(sentence.html(colours) for sentence in self.sentences)
        )

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython's text/plain
        printer.text(self.text())

    def _repr_html_(self) -> str:
        return self.html()


def tagged_examples(
    examples: Sequence[NerExample], predicted: Sequence[Sequence[str]] | None = None, title: str = ""
) -> TaggedSentences:
    """NER examples with their gold tags and, if given, one predicted tag sequence per example."""
    if predicted is not None and len(predicted) != len(examples):
        raise ValueError(
            f"{len(examples)} examples but {len(predicted)} predicted tag sequences; pair them one to one."
        )
    return TaggedSentences(
        tuple(
            TaggedSentence(example.tokens, example.tags, None if predicted is None else tuple(predicted[i]), example.id)
            for i, example in enumerate(examples)
        ),
        title,
    )
