"""Interactive attention views: ipywidgets controls around the matplotlib views.

Each view renders its figure to a PNG inside an `ipywidgets.Image`, so it needs no JavaScript
beyond the ipywidgets that JupyterLab already ships: nothing is fetched from a CDN. Traces are
cached per sentence, so moving a control only redraws. Every view has a text twin under its
picture (a description and the numbers as a table, for screen readers), and a static fallback for
where no kernel runs (the picture with alt text, and the twin as text). Its job ends at wiring
controls to `bertlib.viz.attention_views`.
"""

from __future__ import annotations

import base64
import html
import io
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
    head_view_table,
    model_view_table,
    neuron_view_table,
    trace_attention,
)
from bertlib.viz.describe import Table, figure_description


def figure_png(figure: Figure, dpi: int = 90) -> bytes:
    """The figure as PNG bytes; the figure is closed so that it is not also shown inline."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return buffer.getvalue()


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
    """Controls on top, the rendered figure below, and its text twin under it; `widget` is what a
    notebook displays.

    The text twin is for readers who cannot see the picture: a sentence saying what it shows in an
    `aria-live` region, and the numbers behind it as an HTML table, folded in a <details>. (The
    ipywidgets Image has no alt attribute, and its `tooltip` breaks its view in JupyterLab, so the
    words sit right under the picture instead.) Both are redrawn with the figure. Its colours are JupyterLab's
    theme variables, so it reads in the light and the dark theme alike (the figure keeps its white
    background in both).
    """

    css_class = "bertlib-view"

    def __init__(self, controls: list[widgets.Widget], draw: Callable[[], Figure], table: Callable[[], Table]):
        self._draw, self._table = draw, table
        self.description = ""
        self._png = b""
        self.image = widgets.Image(format="png")
        self.image.add_class(f"{self.css_class}-image")
        self.text_twin = widgets.HTML()
        self.text_twin.add_class("bertlib-text-twin")
        self.text_twin.add_class(f"{self.css_class}-text")
        for control in controls:
            control.observe(lambda _change: self.redraw(), names="value")
        self.widget = widgets.VBox([widgets.HBox(controls), self.image, self.text_twin])
        self.widget.add_class(self.css_class)
        self.redraw()

    def redraw(self) -> None:
        figure = self._draw()
        self.description = figure_description(figure)
        self._png = figure_png(figure)
        self.image.value = self._png
        self.text_twin.value = text_twin_html(self.description, self._table())

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
        bundle["image/png"] = base64.b64encode(self._png).decode("ascii")
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


def _token_options(trace: AttentionTrace) -> list[tuple[str, int]]:
    return [(f"{i}: {token}", i) for i, token in enumerate(trace.tokens)]


class NeuronView(_View):
    """Choose sentence, layer, head and query token; see q, k, q×k, q·k and the softmax."""

    css_class = "bertlib-neuron-view"

    def __init__(
        self, model, tokenizer, sentences: Sequence[str], *, layer: int = 0, head: int = 0, query_index: int = 1
    ):
        traces = _TraceCache(model, tokenizer, sentences)
        first = traces(sentences[0])
        self.sentence = _labelled(widgets.Dropdown(options=list(sentences), description="sentence"), "sentence")
        self.layer = _labelled(widgets.IntSlider(layer, 0, first.num_layers - 1, description="layer"), "layer")
        self.head = _labelled(widgets.IntSlider(head, 0, first.num_heads - 1, description="head"), "head")
        self.query = _labelled(
            widgets.Dropdown(options=_token_options(first), value=query_index, description="query"), "query"
        )

        def on_sentence(change) -> None:
            # Fewer tokens in the new sentence: keep the query index only if it still exists.
            options = _token_options(traces(change["new"]))
            keep = self.query.value if self.query.value < len(options) else 0
            with self.query.hold_trait_notifications():
                self.query.options = options
                self.query.value = keep

        self.sentence.observe(on_sentence, names="value")

        def draw() -> Figure:
            return draw_neuron_view(traces(self.sentence.value), self.layer.value, self.head.value, self.query.value)

        def table() -> Table:
            return neuron_view_table(traces(self.sentence.value), self.layer.value, self.head.value, self.query.value)

        super().__init__([self.sentence, self.layer, self.head, self.query], draw, table)


class HeadView(_View):
    """One layer's attention lines; choose sentence, layer, the heads shown and a query token."""

    css_class = "bertlib-head-view"

    def __init__(self, model, tokenizer, sentences: Sequence[str], *, layer: int = 0):
        traces = _TraceCache(model, tokenizer, sentences)
        first = traces(sentences[0])
        self.sentence = _labelled(widgets.Dropdown(options=list(sentences), description="sentence"), "sentence")
        self.layer = _labelled(widgets.IntSlider(layer, 0, first.num_layers - 1, description="layer"), "layer")
        self.heads = _labelled(
            widgets.SelectMultiple(options=list(range(first.num_heads)), value=(0,), rows=4, description="heads"),
            "heads",
        )
        self.query = _labelled(
            widgets.Dropdown(options=[("all tokens", -1)] + _token_options(first), value=-1, description="query"),
            "query",
        )

        def on_sentence(change) -> None:
            self.query.options = [("all tokens", -1)] + _token_options(traces(change["new"]))
            self.query.value = -1

        self.sentence.observe(on_sentence, names="value")

        def draw() -> Figure:
            query = None if self.query.value < 0 else self.query.value
            return draw_head_view(traces(self.sentence.value), self.layer.value, self.heads.value, query)

        def table() -> Table:
            query = None if self.query.value < 0 else self.query.value
            return head_view_table(traces(self.sentence.value), self.layer.value, self.heads.value, query)

        super().__init__([self.sentence, self.layer, self.heads, self.query], draw, table)


class ModelView(_View):
    """Every layer × head at once for the chosen sentence."""

    css_class = "bertlib-model-view"

    def __init__(self, model, tokenizer, sentences: Sequence[str]):
        traces = _TraceCache(model, tokenizer, sentences)
        self.sentence = _labelled(widgets.Dropdown(options=list(sentences), description="sentence"), "sentence")
        super().__init__(
            [self.sentence],
            lambda: draw_model_view(traces(self.sentence.value)),
            lambda: model_view_table(traces(self.sentence.value)),
        )
