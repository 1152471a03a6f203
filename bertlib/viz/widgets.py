"""Interactive attention views: ipywidgets controls around the matplotlib views.

Each view renders its figure to a PNG inside an `ipywidgets.Image`, so it needs no JavaScript
beyond the ipywidgets that JupyterLab already ships: nothing is fetched from a CDN. Traces are
cached per sentence, so moving a control only redraws. Every view has a text twin under its
picture (a description and the numbers as a table, for screen readers), and a static fallback for
where no kernel runs (the picture with alt text, and the twin as text). Its job ends at wiring
controls to `bertlib.viz.attention_views`.

Each picture is shown at its own size, one PNG pixel per CSS pixel (`VIEW_DPI`), so it is never
blurred by stretching; it only shrinks where the notebook is narrower than the picture.
"""

from __future__ import annotations

import base64
import html
import io
import struct
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from bertlib.viz.attention_views import (
    AttentionTrace,
    draw_head_view,
    draw_model_view,
    draw_neuron_view,
    head_colour,
    head_view_table,
    model_view_table,
    neuron_view_table,
    trace_attention,
)
from bertlib.viz.describe import Table, figure_description

#: The dots per inch of the views' pictures. The image widget shows the PNG at exactly its pixel
#: size, so this sets how large a view is on screen: 90 keeps the 13-inch neuron view (1170 px)
#: inside JupyterLab at 1400 px.
VIEW_DPI = 90


def figure_png(figure: Figure, dpi: int = VIEW_DPI) -> bytes:
    """The figure as PNG bytes; the figure is closed so that it is not also shown inline."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return buffer.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels of a PNG, read from its header (the IHDR chunk)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        raise ValueError(f"Not a PNG image (it starts with {png[:8]!r}); pass the bytes figure_png returns.")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


class _TraceCache:
    """One model pass per sentence, kept for every redraw."""

    def __init__(self, model: torch.nn.Module, tokenizer, sentences: Sequence[str]):
        if not sentences:
            raise ValueError("Give the view at least one sentence to show.")
        self.model, self.tokenizer, self.sentences = model, tokenizer, list(sentences)
        self._traces: dict[str, AttentionTrace] = {}

    def __call__(self, sentence: str) -> AttentionTrace:
        if sentence not in self._traces:
            self._traces[sentence] = trace_attention(self.model, self.tokenizer, sentence)
        return self._traces[sentence]


class _View:
    """The sentence on top, the other controls and the rendered figure below, and its text twin
    under it; `widget` is what a notebook displays.

    The text twin is for readers who cannot see the picture: a sentence saying what it shows in an
    `aria-live` region, and the numbers behind it as an HTML table, folded in a <details>. (The
    ipywidgets Image has no alt attribute, and its `tooltip` breaks its view in JupyterLab, so the
    words sit right under the picture instead.) Both are redrawn with the figure. Its colours are JupyterLab's
    theme variables, so it reads in the light and the dark theme alike (the figure keeps its white
    background in both).

    When a control moves, `follow` first brings the other controls in line (a new sentence has other
    tokens to choose from), then the view redraws once.
    """

    css_class = "bertlib-view"

    def __init__(
        self,
        sentence: widgets.Dropdown,
        controls: list[widgets.Widget],
        draw: Callable[[], Figure],
        table: Callable[[], Table],
    ):
        self._draw, self._table = draw, table
        self.description = ""
        self._png = b""
        self._following = False
        # Shown at the PNG's own pixel size (set on each redraw): without a width the image would
        # stretch to the width of the box around it (a flex column), blurred.
        self.image = widgets.Image(
            format="png", layout=widgets.Layout(max_width="100%", height="auto", align_self="flex-start")
        )
        self.image.add_class(f"{self.css_class}-image")
        self.text_twin = widgets.HTML()
        self.text_twin.add_class("bertlib-text-twin")
        self.text_twin.add_class(f"{self.css_class}-text")
        for control in [sentence, *controls]:
            control.observe(self._moved, names="value")
        self.widget = self.arrange(sentence, controls)
        self.widget.add_class(self.css_class)
        self.redraw()

    def arrange(self, sentence: widgets.Widget, controls: list[widgets.Widget]) -> widgets.Box:
        """The sentence on its own line (it is long), the other controls in a row, the picture, the twin."""
        row = widgets.HBox(controls, layout=widgets.Layout(flex_flow="row wrap"))
        return widgets.VBox([sentence, row, self.image, self.text_twin])

    def _moved(self, change) -> None:
        if self._following:  # a control `follow` is setting: the redraw comes once it is done
            return
        self._following = True
        try:
            self.follow(change["owner"])
        finally:
            self._following = False
        self.redraw()

    def follow(self, moved: widgets.Widget) -> None:
        """Bring the other controls in line with the one that `moved`, before the redraw."""

    def redraw(self) -> None:
        """Draw the figure for the controls' values; show it at its own size, and its text twin."""
        figure = self._draw()
        self.description = figure_description(figure)
        self._png = figure_png(figure)
        width, height = png_size(self._png)
        self.image.layout.width = f"{width}px"  # one PNG pixel per CSS pixel: never stretched
        self.image.width, self.image.height = str(width), str(height)
        self.image.value = self._png
        self.text_twin.value = text_twin_html(self.description, self._table())

    def static_png(self) -> bytes:
        """The picture for where no kernel runs (a saved notebook, the course site)."""
        return self._png

    def text(self) -> str:
        """The view in words: what it is, what the picture shows, and the numbers behind it."""
        return "\n".join(
            [
                f"{type(self).__name__} (interactive: run the notebook to use the controls)",
                self.description,
                self._table().text(),
            ]
        )

    def _repr_mimebundle_(self, **kwargs) -> tuple[dict, dict]:
        """The widget for a live kernel; where no kernel runs (a saved notebook, the course site, the
        terminal), the picture as it was last drawn, with its description as alt text, and the text
        twin as text/plain. The widget's own text would spell out the PNG's bytes."""
        bundle = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = self.text()
        bundle["image/png"] = base64.b64encode(self.static_png()).decode("ascii")
        return bundle, {"image/png": {"alt": self.description}}


def text_twin_html(description: str, table: Table) -> str:
    """A view's text twin as HTML: the description (announced when it changes) and the table."""
    return (
        f"<div style='{_TWIN_STYLE}'>"
        f"<p aria-live='polite' style='margin: 2px 0;'>{html.escape(description)}</p>"
        f"<details><summary style='cursor: pointer;'>The numbers behind the picture, as a table</summary>"
        f"{table.html()}</details></div>"
    )


#: JupyterLab's theme variables (with light fallbacks outside JupyterLab): legible in both themes.
_TWIN_STYLE = (
    "color: var(--jp-content-font-color1, #212529); background: var(--jp-layout-color0, #ffffff); "
    "font-family: var(--jp-ui-font-family, sans-serif); font-size: var(--jp-ui-font-size1, 13px); "
    "line-height: 1.5; padding: 4px 8px; max-width: 62em;"
)


def _labelled(control: widgets.Widget, name: str) -> widgets.Widget:
    control.add_class(f"bertlib-control-{name}")
    return control


def sentence_dropdown(sentences: Sequence[str]) -> widgets.Dropdown:
    """The sentence chooser, wide enough for the longest sentence (ipywidgets' default 300 px cuts
    every sentence off); it never grows past the notebook's width."""
    longest = max(len(sentence) for sentence in sentences)
    # One `ch` (the width of "0") per character is more than the average letter needs; the rest is
    # the label ("sentence", about 80 px) and the dropdown's arrow.
    layout = widgets.Layout(width=f"calc({longest}ch + 9em)", max_width="100%")
    return _labelled(widgets.Dropdown(options=list(sentences), description="sentence", layout=layout), "sentence")


def replace_options(dropdown: widgets.Dropdown, options: list[tuple[str, int]], value: int) -> None:
    """Give `dropdown` new options and select `value` among them.

    The order matters: ipywidgets selects the first option whenever the options change, so the
    value is set after the options, and not inside `hold_trait_notifications()`, which would run
    that reset last and undo the value.
    """
    dropdown.options = options
    dropdown.value = value


def _token_options(trace: AttentionTrace) -> list[tuple[str, int]]:
    return [(f"{i}: {token}", i) for i, token in enumerate(trace.tokens)]


class NeuronView(_View):
    """Choose sentence, layer, head and query token; see q, k, q×k, q·k and the softmax."""

    css_class = "bertlib-neuron-view"

    def __init__(
        self, model, tokenizer, sentences: Sequence[str], *, layer: int = 0, head: int = 0, query_index: int = 1
    ):
        self._traces = _TraceCache(model, tokenizer, sentences)
        first = self._traces(sentences[0])
        self.sentence = sentence_dropdown(sentences)
        self.layer = _labelled(widgets.IntSlider(layer, 0, first.num_layers - 1, description="layer"), "layer")
        self.head = _labelled(widgets.IntSlider(head, 0, first.num_heads - 1, description="head"), "head")
        self.query = _labelled(
            widgets.Dropdown(options=_token_options(first), value=query_index, description="query"), "query"
        )

        def draw() -> Figure:
            trace = self._traces(self.sentence.value)
            return draw_neuron_view(trace, self.layer.value, self.head.value, self.query.value)

        def table() -> Table:
            trace = self._traces(self.sentence.value)
            return neuron_view_table(trace, self.layer.value, self.head.value, self.query.value)

        super().__init__(self.sentence, [self.layer, self.head, self.query], draw, table)

    def follow(self, moved: widgets.Widget) -> None:
        """A new sentence keeps the query's position, if the sentence has that many tokens (else [CLS])."""
        if moved is self.sentence:
            options = _token_options(self._traces(self.sentence.value))
            replace_options(self.query, options, self.query.value if self.query.value < len(options) else 0)


class HeadView(_View):
    """One layer's attention lines; choose sentence, layer, the heads shown and a query token.

    The controls stand in a column left of the picture, with the legend (each head's colour) under
    them, so that the controls, the legend and the lines are seen together; every head has a row of
    its own in the heads list, none hidden behind a scroll bar.
    """

    css_class = "bertlib-head-view"

    def __init__(self, model, tokenizer, sentences: Sequence[str], *, layer: int = 0):
        self._traces = _TraceCache(model, tokenizer, sentences)
        first = self._traces(sentences[0])
        self.sentence = sentence_dropdown(sentences)
        self.layer = _labelled(widgets.IntSlider(layer, 0, first.num_layers - 1, description="layer"), "layer")
        self.heads = _labelled(
            widgets.SelectMultiple(
                options=[(f"head {h}", h) for h in range(first.num_heads)],
                value=(0,),
                rows=first.num_heads,  # one row per head: all of them in sight
                description="heads",
            ),
            "heads",
        )
        self.query = _labelled(
            widgets.Dropdown(options=self._query_options(first), value=-1, description="query"), "query"
        )
        self.legend = widgets.HTML()
        self.legend.add_class("bertlib-head-view-legend")

        def draw() -> Figure:
            query = None if self.query.value < 0 else self.query.value
            return draw_head_view(
                self._traces(self.sentence.value), self.layer.value, self.heads.value, query, legend=False
            )

        def table() -> Table:
            query = None if self.query.value < 0 else self.query.value
            return head_view_table(self._traces(self.sentence.value), self.layer.value, self.heads.value, query)

        super().__init__(self.sentence, [self.layer, self.heads, self.query], draw, table)

    @staticmethod
    def _query_options(trace: AttentionTrace) -> list[tuple[str, int]]:
        return [("all tokens", -1), *_token_options(trace)]

    def arrange(self, sentence: widgets.Widget, controls: list[widgets.Widget]) -> widgets.Box:
        """The sentence on top; below it the controls and the legend in a column, the picture beside."""
        hint = widgets.HTML("<small>ctrl- or shift-click to show several heads</small>")
        column = widgets.VBox([*controls, hint, self.legend], layout=widgets.Layout(flex="0 0 auto"))
        return widgets.VBox([sentence, widgets.HBox([column, self.image]), self.text_twin])

    def follow(self, moved: widgets.Widget) -> None:
        """A new sentence keeps the chosen query token's position if it has one (else all tokens)."""
        if moved is self.sentence:
            options = self._query_options(self._traces(self.sentence.value))
            replace_options(self.query, options, self.query.value if self.query.value < len(options) - 1 else -1)

    def redraw(self) -> None:
        """Redraw the picture, and the legend for the heads now shown."""
        super().redraw()
        self.legend.value = head_legend_html(self.heads.value)

    def static_png(self) -> bytes:
        """Where no kernel runs, the picture carries its own legend (the HTML legend needs the widget)."""
        query = None if self.query.value < 0 else self.query.value
        trace = self._traces(self.sentence.value)
        return figure_png(draw_head_view(trace, self.layer.value, self.heads.value, query, legend=True))


def head_legend_html(heads: Sequence[int]) -> str:
    """The head view's legend as HTML: a line of each shown head's colour, and its name."""
    entries = "".join(
        f"<span style='white-space: nowrap; margin-right: 1em;'>"
        f"<span aria-hidden='true' style='display: inline-block; width: 1.8em; height: 0.3em; "
        f"vertical-align: middle; background: {head_colour(head)};'></span> head {head}</span> "
        for head in heads
    )
    return (
        f"<div style='{_TWIN_STYLE} display: grid; grid-template-columns: repeat(3, auto); max-width: 20em;'>"
        f"{entries or 'no head chosen: choose one or more in the list above'}</div>"
    )


class ModelView(_View):
    """Every layer × head at once for the chosen sentence."""

    css_class = "bertlib-model-view"

    def __init__(self, model, tokenizer, sentences: Sequence[str]):
        traces = _TraceCache(model, tokenizer, sentences)
        self.sentence = sentence_dropdown(sentences)
        super().__init__(
            self.sentence,
            [],
            lambda: draw_model_view(traces(self.sentence.value)),
            lambda: model_view_table(traces(self.sentence.value)),
        )
