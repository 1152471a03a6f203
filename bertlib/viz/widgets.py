"""Interactive attention views: ipywidgets controls around the matplotlib views.

Each view renders its figure to a PNG inside an `ipywidgets.Image`, so it needs no JavaScript
beyond the ipywidgets that JupyterLab already ships: nothing is fetched from a CDN. Traces are
cached per sentence, so moving a control only redraws. Its job ends at wiring controls to
`bertlib.viz.attention_views`.
"""

from __future__ import annotations

import io
from typing import Callable, Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from bertlib.viz.attention_views import (
    AttentionTrace,
    draw_head_view,
    draw_model_view,
    draw_neuron_view,
    trace_attention,
)


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
    """Controls on top, the rendered figure below; `widget` is what a notebook displays."""

    css_class = "bertlib-view"

    def __init__(self, controls: list[widgets.Widget], draw: Callable[[], Figure]):
        self._draw = draw
        self.image = widgets.Image(format="png")
        self.image.add_class(f"{self.css_class}-image")
        for control in controls:
            control.observe(lambda _change: self.redraw(), names="value")
        self.widget = widgets.VBox([widgets.HBox(controls), self.image])
        self.widget.add_class(self.css_class)
        self.redraw()

    def redraw(self) -> None:
        self.image.value = figure_png(self._draw())

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """The widget for a live kernel, and a short text where no kernel runs (a saved notebook,
        the terminal). The widget's own text would spell out the PNG's bytes."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{type(self).__name__} (interactive: run the notebook to use the controls)"
        return bundle


def _labelled(control: widgets.Widget, name: str) -> widgets.Widget:
    control.add_class(f"bertlib-control-{name}")
    return control


def _token_options(trace: AttentionTrace) -> list[tuple[str, int]]:
    return [(f"{i}: {token}", i) for i, token in enumerate(trace.tokens)]


class NeuronView(_View):
    """Choose sentence, layer, head and query token; see q, k, q×k, q·k and the softmax."""

    css_class = "bertlib-neuron-view"

    def __init__(self, model, tokenizer, sentences: Sequence[str], *, layer: int = 0, head: int = 0,
                 query_index: int = 1):
        traces = _TraceCache(model, tokenizer, sentences)
        first = traces(sentences[0])
        self.sentence = _labelled(widgets.Dropdown(options=list(sentences), description="sentence"), "sentence")
        self.layer = _labelled(widgets.IntSlider(layer, 0, first.num_layers - 1, description="layer"), "layer")
        self.head = _labelled(widgets.IntSlider(head, 0, first.num_heads - 1, description="head"), "head")
        self.query = _labelled(widgets.Dropdown(options=_token_options(first), value=query_index,
                                                description="query"), "query")

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

        super().__init__([self.sentence, self.layer, self.head, self.query], draw)


class HeadView(_View):
    """One layer's attention lines; choose sentence, layer, the heads shown and a query token."""

    css_class = "bertlib-head-view"

    def __init__(self, model, tokenizer, sentences: Sequence[str], *, layer: int = 0):
        traces = _TraceCache(model, tokenizer, sentences)
        first = traces(sentences[0])
        self.sentence = _labelled(widgets.Dropdown(options=list(sentences), description="sentence"), "sentence")
        self.layer = _labelled(widgets.IntSlider(layer, 0, first.num_layers - 1, description="layer"), "layer")
        self.heads = _labelled(widgets.SelectMultiple(options=list(range(first.num_heads)), value=(0,),
                                                      rows=4, description="heads"), "heads")
        self.query = _labelled(widgets.Dropdown(options=[("all tokens", -1)] + _token_options(first), value=-1,
                                                description="query"), "query")

        def on_sentence(change) -> None:
            self.query.options = [("all tokens", -1)] + _token_options(traces(change["new"]))
            self.query.value = -1

        self.sentence.observe(on_sentence, names="value")
        def draw() -> Figure:
            query = None if self.query.value < 0 else self.query.value
            return draw_head_view(traces(self.sentence.value), self.layer.value, self.heads.value, query)

        super().__init__([self.sentence, self.layer, self.heads, self.query], draw)


class ModelView(_View):
    """Every layer × head at once for the chosen sentence."""

    css_class = "bertlib-model-view"

    def __init__(self, model, tokenizer, sentences: Sequence[str]):
        traces = _TraceCache(model, tokenizer, sentences)
        self.sentence = _labelled(widgets.Dropdown(options=list(sentences), description="sentence"), "sentence")
        super().__init__([self.sentence], lambda: draw_model_view(traces(self.sentence.value)))
