"""Alt text for figures: a short description a screen reader reads instead of the picture.

Every figure bertlib draws carries a description (`describe(figure, text)`), written by the
function that knows what the figure shows ("neuron view, layer 0, head 1: 'ran' attends most to
'cat' (0.41)"). A figure from anywhere else gets one generated from its titles and axis labels
(`figure_description`), so that no figure is ever left without alt text. `setup_notebook()` makes
IPython use it: a figure's PNG output carries it as `metadata["image/png"]["alt"]` and its
text/plain is the description instead of `<Figure size 640x480 with 1 Axes>`; the course site
writes it into the page's `<img alt="...">`. Its job ends at words: drawing is the other modules'.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

#: Where `describe` keeps a figure's description (matplotlib has no field for it).
_ATTRIBUTE = "_bertlib_description"


def describe(figure: Figure, text: str) -> Figure:
    """Attach `text` to `figure` as its alt text, and return the figure (so calls can chain)."""
    text = " ".join(str(text).split())
    if not text:
        raise ValueError("A figure's description must say what it shows; got an empty text.")
    setattr(figure, _ATTRIBUTE, text)
    return figure


def figure_description(figure: Figure) -> str:
    """The figure's alt text: the one given with `describe`, or one made from its titles and labels."""
    given = getattr(figure, _ATTRIBUTE, None)
    return given if given else generated_description(figure)


def _panel_words(ax) -> str:
    parts = []
    if ax.get_title():
        parts.append(repr(ax.get_title()))
    axis_labels = [f"{name} axis: {label}" for name, label in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())) if label]
    if axis_labels:
        parts.append(f"({'; '.join(axis_labels)})")
    words = " ".join(parts)
    legend = ax.get_legend()
    names = [text.get_text() for text in legend.get_texts() if text.get_text()] if legend is not None else []
    if names:
        words += f"{', ' if words else ''}legend: {', '.join(names)}"
    return words


def generated_description(figure: Figure) -> str:
    """'Figure: <suptitle>. N panels: <title (x axis: ..., y axis: ...)>; ...', never empty.

    Colour bars are left out (their numbers are not words), and panels that read the same are
    named once.
    """
    panels = [ax for ax in figure.get_axes() if not hasattr(ax, "_colorbar")]
    words = list(dict.fromkeys(w for w in (_panel_words(ax) for ax in panels) if w))
    suptitle = figure.get_suptitle()
    count = f"{len(panels)} panel{'s' if len(panels) != 1 else ''}"
    lead = f"Figure: {suptitle}." if suptitle else "Figure."
    if words:
        return f"{lead} {count}: {'; '.join(words)}."
    return f"{lead} {count}, without titles or axis labels."


@dataclass(frozen=True)
class Table:
    """The numbers behind a view, as a table: a view's text twin for screen readers and for print.

    `text()` is the plain-text form (aligned columns, what a saved notebook shows as text/plain);
    `html()` is a real `<table>` with a caption and column headers, which a screen reader can walk
    cell by cell.
    """

    caption: str
    columns: Sequence[str]  # stored as a tuple
    rows: Sequence[Sequence[str]]  # stored as tuples of strings, one per column

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "rows", tuple(tuple(str(cell) for cell in row) for row in self.rows))
        for index, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"Row {index} of the table {self.caption!r} has {len(row)} cells but there are "
                    f"{len(self.columns)} columns ({', '.join(self.columns)})."
                )

    def text(self) -> str:
        """The caption, then the header and the rows in columns padded to their widest cell."""
        widths = [max(len(cell) for cell in column) for column in zip(self.columns, *self.rows, strict=True)]
        lines = [self.caption, "  ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True)).rstrip()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in self.rows]
        return "\n".join(lines)

    def html(self) -> str:
        """An HTML table: caption, column headers (scope="col") and escaped cells."""
        head = "".join(f"<th scope='col' style='{_CELL}'>{html.escape(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td style='{_CELL}'>{html.escape(c)}</td>" for c in row) + "</tr>" for row in self.rows
        )
        return (
            f"<table class='bertlib-text-twin-table' style='border-collapse: collapse;'>"
            f"<caption style='text-align: left; font-weight: bold;'>{html.escape(self.caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )


_CELL = "padding: 1px 8px; text-align: left; border-bottom: 1px solid currentColor;"
