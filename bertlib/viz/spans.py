"""Answer spans in their context: what an extractive QA model picked, next to the gold answer.

- `AnswerView` holds a context, its question, the predicted and the gold span (as character
  ranges) and, for a long context, the character range of every window the model read. It shows
  itself as HTML with inline CSS in a notebook (the prediction highlighted, the gold answer
  underlined, window starts and ends marked) and as plain text everywhere else, e.g.
  `... took the ⟦red⟨ ball⟧⟩ to ...`: ⟦ ⟧ around the prediction, ⟨ ⟩ around the gold answer.
  The text is what nbval compares; the HTML needs no JavaScript and fetches nothing.
- `answer_view` builds one from a `QAExample`, its `QAFeature` windows and the `SpanPrediction`
  that `bertlib.data.features.best_span` chose.

Its job ends at showing spans: choosing them is `bertlib.data.features`'s job, scoring them
`bertlib.training.metrics`'s.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral

from bertlib.data.examples import QAExample
from bertlib.data.features import QAFeature, SpanPrediction

PREDICTED_MARKS = ("⟦", "⟧")
GOLD_MARKS = ("⟨", "⟩")
ELLIPSIS = "..."
#: Inline styles: the prediction on a yellow background, the gold answer underlined in green.
PREDICTED_STYLE = "background: #ffe066; border-radius: 3px;"
GOLD_STYLE = (
    "text-decoration: underline; text-decoration-color: #2b8a3e; text-decoration-thickness: 3px; "
    "text-underline-offset: 4px;"
)
#: Window markers cycle through these colours, so that overlapping windows can be told apart; each
#: keeps WCAG's 4.5:1 contrast for text on the box's white background.
WINDOW_COLOURS = ("#1864ab", "#c2410c", "#5f3dc4", "#0b7285")


@dataclass(frozen=True)
class CharSpan:
    """Characters `start` to `end` (exclusive) of a text, as Python slices count them."""

    start: int
    end: int

    def __post_init__(self) -> None:
        for name, value in (("start", self.start), ("end", self.end)):
            if isinstance(value, bool) or not isinstance(value, Integral):
                raise ValueError(
                    f"A character span's {name} must be a whole number (a character index), "
                    f"got {value!r}; convert it with int()."
                )
        if not 0 <= self.start <= self.end:
            raise ValueError(f"A character span needs 0 <= start <= end, got {self.start}..{self.end}.")

    def overlaps(self, other: CharSpan) -> bool:
        """Whether the two spans share at least one character."""
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class AnswerView:
    """A question, its context, the predicted and the gold answer, and the windows the model read."""

    context: str
    question: str
    predicted: CharSpan | None  # None: the model offered no valid span
    gold: CharSpan | None
    windows: tuple[CharSpan, ...] = ()  # each window's characters, in order (empty: not shown)
    chosen_window: int | None = None  # index into `windows` of the window the prediction came from

    def __post_init__(self) -> None:
        for name, span in [("predicted", self.predicted), ("gold", self.gold)] + [
            (f"window {i + 1}", w) for i, w in enumerate(self.windows)
        ]:
            if span is not None and span.end > len(self.context):
                raise ValueError(
                    f"The {name} span {span.start}..{span.end} runs past the end of the context "
                    f"({len(self.context)} characters)."
                )
        if self.chosen_window is not None and not 0 <= self.chosen_window < len(self.windows):
            raise ValueError(f"chosen_window={self.chosen_window} but there are {len(self.windows)} windows.")

    @property
    def predicted_text(self) -> str | None:
        """The predicted answer's characters (None: no valid span)."""
        return None if self.predicted is None else self.context[self.predicted.start : self.predicted.end]

    @property
    def gold_text(self) -> str | None:
        """The gold answer's characters (None: the question has no answer)."""
        return None if self.gold is None else self.context[self.gold.start : self.gold.end]

    # -- plain text --------------------------------------------------------------------------------

    def marked_context(self, around: int | None = None) -> str:
        """The context with ⟦prediction⟧ and ⟨gold⟩ marked; with `around`, only about that many
        characters either side of the marks are kept, and each cut is shown as "..."."""
        return mark_spans(self.context, self.predicted, self.gold, around)

    def text(self, around: int | None = 40) -> str:
        """Question, marked context (cut to `around` characters either side; None: all of it), answers."""
        predicted = "no valid span" if self.predicted is None else repr(self.predicted_text)
        answers = f"predicted ⟦{predicted}⟧, gold ⟨{self.gold_text!r}⟩"
        lines = [f"Q: {self.question}", self.marked_context(around), answers]
        if self.windows:
            where = "" if self.chosen_window is None else f", the prediction from window {self.chosen_window + 1}"
            lines[-1] += f" ({len(self.windows)} windows{where})"
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle: bool) -> None:  # IPython's text/plain
        printer.text(self.text())

    # -- HTML --------------------------------------------------------------------------------------

    def html(self) -> str:
        """The whole context as HTML with inline CSS: prediction, gold answer and window marks."""
        box = (
            "font-family: sans-serif; font-size: 14px; line-height: 2.2; max-width: 62em; color: #212529; "
            "background: #ffffff; border: 1px solid #dee2e6; border-radius: 4px; padding: 6px 12px; "
            "margin: 6px 0;"
        )
        predicted = (
            "<i>no valid span</i>"
            if self.predicted is None
            else f"<span style='{PREDICTED_STYLE}'>{html.escape(self.predicted_text or '')}</span>"
        )
        gold = (
            "<i>none</i>"
            if self.gold is None
            else f"<span style='{GOLD_STYLE}'>{html.escape(self.gold_text or '')}</span>"
        )
        legend = f"predicted: {predicted} &nbsp;·&nbsp; gold: {gold}"
        if self.windows:
            chosen = (
                "" if self.chosen_window is None else f", the prediction comes from window {self.chosen_window + 1}"
            )
            legend += f" &nbsp;·&nbsp; {len(self.windows)} windows, each from <b>[k</b> to <b>k]</b>{chosen}"
        return (
            f"<div style='{box}'><div><b>Q:</b> {html.escape(self.question)}</div>"
            f"<div>{self._context_html()}</div>"
            f"<div style='font-size: 12px; color: #495057; line-height: 1.8;'>{legend}</div></div>"
        )

    def _repr_html_(self) -> str:
        return self.html()

    def _context_html(self) -> str:
        cuts = {0, len(self.context)}
        for span in (self.predicted, self.gold, *self.windows):
            if span is not None:
                cuts |= {span.start, span.end}
        ordered = sorted(cuts)
        parts = []
        for left, right in zip(ordered, ordered[1:], strict=False):  # each piece between two cuts
            parts += [self._window_mark(i, "start") for i, w in enumerate(self.windows) if w.start == left]
            piece = html.escape(self.context[left:right])
            styles = [
                style
                for span, style in ((self.predicted, PREDICTED_STYLE), (self.gold, GOLD_STYLE))
                if span is not None and span.start <= left and right <= span.end and left < right
            ]
            parts.append(f"<span style='{' '.join(styles)}'>{piece}</span>" if styles else piece)
            parts += [self._window_mark(i, "end") for i, w in enumerate(self.windows) if w.end == right]
        return "".join(parts)

    def _window_mark(self, index: int, which: str) -> str:
        colour = WINDOW_COLOURS[index % len(WINDOW_COLOURS)]
        weight = "bold" if index == self.chosen_window else "normal"
        label = f"[{index + 1}" if which == "start" else f"{index + 1}]"
        return (
            f"<sup style='color: {colour}; font-weight: {weight}; font-size: 11px; padding: 0 1px;' "
            f"title='window {index + 1} {which}s'>{label}</sup>"
        )


def mark_spans(context: str, predicted: CharSpan | None, gold: CharSpan | None, around: int | None = None) -> str:
    """The context with ⟦predicted⟧ and ⟨gold⟩ marked (nested when one holds the other). With
    `around`, the text more than about `around` characters from both spans is replaced by "...",
    cut at spaces so that no word is split."""
    marks: list[tuple[tuple, str]] = []  # (sort key, mark)
    for order, (span, (opening, closing)) in enumerate(((predicted, PREDICTED_MARKS), (gold, GOLD_MARKS))):
        if span is None:
            continue
        if span.end > len(context):
            raise ValueError(f"The span {span.start}..{span.end} runs past the context ({len(context)} characters).")
        length = span.end - span.start
        marks.append(((span.start, 1, -length, order), opening))  # at one position, longer spans open first
        marks.append(((span.end, 0, length, -order), closing))  # close before opening, innermost first
    marks.sort()
    pieces = []
    for left, right in _kept_ranges(context, [s for s in (predicted, gold) if s is not None], around):
        text, cursor = [], left
        for (at, *_), mark in marks:
            if left <= at <= right:
                text += [context[cursor:at], mark]
                cursor = at
        text.append(context[cursor:right])
        pieces.append((left, right, "".join(text)))
    marked = f" {ELLIPSIS} ".join(text for _, _, text in pieces)
    if pieces[0][0] > 0:
        marked = f"{ELLIPSIS} {marked}"
    if pieces[-1][1] < len(context):
        marked = f"{marked} {ELLIPSIS}"
    return marked


def _kept_ranges(context: str, spans: Sequence[CharSpan], around: int | None) -> list[tuple[int, int]]:
    """The character ranges to keep: all of it, or `around` characters either side of each span,
    widened to whole words, with ranges that touch merged."""
    if around is None or not spans:
        return [(0, len(context))]
    if around < 0:
        raise ValueError(f"around must be 0 or more characters (or None for the whole context), got {around}.")
    ranges: list[tuple[int, int]] = []
    for span in sorted(spans, key=lambda s: s.start):
        left, right = max(0, span.start - around), min(len(context), span.end + around)
        if left > 0:  # back to the start of the word that holds `left`
            left = context.rfind(" ", 0, left) + 1
        if right < len(context):  # on to the end of the word that holds `right`
            space = context.find(" ", right)
            right = len(context) if space == -1 else space
        if ranges and left <= ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], right))
        else:
            ranges.append((left, right))
    return ranges


def window_spans(features: Sequence[QAFeature]) -> tuple[CharSpan, ...]:
    """The characters of the context that each window (feature) of one question covers."""
    spans = []
    for index, feature in enumerate(features):
        offsets = [o for o in feature.offsets if o is not None]
        if not offsets:
            raise ValueError(f"Feature {index} of {feature.example_id!r} holds no context token.")
        spans.append(CharSpan(offsets[0][0], offsets[-1][1]))
    return tuple(spans)


def answer_view(
    example: QAExample,
    features: Sequence[QAFeature],
    prediction: SpanPrediction | None,
    show_windows: bool | None = None,
) -> AnswerView:
    """The view of one question: `features` are its windows, in order, and `prediction` is what
    `best_span` chose over them (None if no window offered a valid span). Windows are shown when
    there are several, unless `show_windows` says otherwise."""
    if any(feature.example_id != example.id for feature in features):
        raise ValueError(f"Give only the windows of {example.id!r}: some features belong to other questions.")
    predicted = None
    if prediction is not None:
        feature = features[prediction.feature_index]
        first, last = feature.offsets[prediction.start], feature.offsets[prediction.end]
        if first is None or last is None:
            raise ValueError(f"The prediction {prediction.start}..{prediction.end} is not inside the context.")
        predicted = CharSpan(first[0], last[1])
    gold = None
    if example.answers:
        answer = example.answers[0]
        gold = CharSpan(answer.answer_start, answer.answer_start + len(answer.text))
    show = len(features) > 1 if show_windows is None else show_windows
    windows = window_spans(features) if show else ()
    chosen = prediction.feature_index if show and prediction is not None else None
    return AnswerView(example.context, example.question, predicted, gold, windows, chosen)
