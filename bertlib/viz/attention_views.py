"""Attention views drawn from our own model: the head view, the model view and the neuron view.

Everything is matplotlib, so a view renders offline, in a saved notebook and on a slide alike.
`trace_attention` runs the model once and keeps what the views need; the `draw_*` functions turn a
trace into a Figure; `bertlib.viz.widgets` wraps them in ipywidgets controls. Its job ends at
drawing: the numbers come from `bertlib.model` unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from bertlib.viz.describe import Table, describe
from bertlib.viz.plots import (
    MIN_FONT_SIZE,
    MIN_WIDTH_INCHES,
    SIGNED_CMAP,
    WEIGHT_COLOUR,
    WEIGHTS_CMAP,
    as_array,
    signed_colours,
)


@dataclass
class AttentionTrace:
    """One sentence's pass through the model: every layer's weights, queries and keys.

    L = layers, nh = heads, T = tokens, hd = head size.
    """

    tokens: list[str]  # T token strings, [CLS] ... [SEP]
    attentions: torch.Tensor  # (L, nh, T, T): softmax(q·k/√hd + mask) for every query and key
    queries: torch.Tensor  # (L, nh, T, hd)
    keys: torch.Tensor  # (L, nh, T, hd)

    @property
    def num_layers(self) -> int:
        """L, the number of layers traced."""
        return self.attentions.shape[0]

    @property
    def num_heads(self) -> int:
        """nh, the number of heads per layer."""
        return self.attentions.shape[1]


@torch.no_grad()
def trace_attention(model: torch.nn.Module, tokenizer, text: str, pair: str | None = None) -> AttentionTrace:
    """Encode `text` (and an optional second segment) and keep what the views draw."""
    encoding = tokenizer.encode(text, pair)
    input_ids = torch.tensor([encoding.input_ids])  # (1, T)
    token_type_ids = torch.tensor([encoding.token_type_ids])  # (1, T)
    model.eval()
    out = model(input_ids, token_type_ids, output_attentions=True, output_qk=True)
    return AttentionTrace(
        tokens=list(encoding.tokens),
        attentions=torch.stack(out.attentions)[:, 0],  # (L, nh, T, T)
        queries=torch.stack(out.queries)[:, 0],  # (L, nh, T, hd)
        keys=torch.stack(out.keys)[:, 0],  # (L, nh, T, hd)
    )


@dataclass
class NeuronViewNumbers:
    """The lecture's Fig. 7 for one query token, one head: every step from q and k to the weights."""

    query: torch.Tensor  # (hd,): q, the query vector of the token paying attention
    keys: torch.Tensor  # (T, hd): k, the key vector of every token attended to
    elementwise: torch.Tensor  # (T, hd): q × k, each dimension's contribution to the dot product
    scores: torch.Tensor  # (T,): q · k, the unnormalised scores (the row sums of q × k)
    weights: torch.Tensor  # (T,): softmax(q · k / √hd), the attention weights


def neuron_view_numbers(trace: AttentionTrace, layer: int, head: int, query_index: int) -> NeuronViewNumbers:
    """Recompute one row of attention from the queries and keys, step by step."""
    query = trace.queries[layer, head, query_index]  # (hd,)
    keys = trace.keys[layer, head]  # (T, hd)
    elementwise = keys * query  # (T, hd)
    scores = elementwise.sum(dim=-1)  # (T,)
    weights = (scores / math.sqrt(query.shape[-1])).softmax(dim=-1)  # (T,)
    return NeuronViewNumbers(query, keys, elementwise, scores, weights)


def draw_neuron_view(trace: AttentionTrace, layer: int, head: int, query_index: int) -> Figure:
    """q, k, q×k, q·k and softmax side by side, one row per key token (the lecture's Fig. 7)."""
    numbers = neuron_view_numbers(trace, layer, head, query_index)
    tokens = trace.tokens
    length, head_size = numbers.keys.shape
    figure = plt.figure(figsize=(13, 2.4 + 0.32 * length), layout="constrained")
    grid = figure.add_gridspec(2, 4, height_ratios=[1, max(length, 2)], width_ratios=[3, 3, 1.3, 1.3])
    vector_limit = float(max(numbers.query.abs().max(), numbers.keys.abs().max()))
    product_limit = float(numbers.elementwise.abs().max()) or 1.0

    query_ax = figure.add_subplot(grid[0, 0])
    query_ax.imshow(
        as_array(numbers.query)[None], cmap=SIGNED_CMAP, vmin=-vector_limit, vmax=vector_limit, aspect="auto"
    )
    query_ax.set_yticks([0], labels=[tokens[query_index]])
    query_ax.set_xticks([])
    query_ax.set_title(f"query q  ({head_size} dims)")

    panels = [
        (grid[1, 0], numbers.keys, vector_limit, "keys k"),
        (grid[1, 1], numbers.elementwise, product_limit, "q × k (elementwise)"),
    ]
    for index, (cell, matrix, limit, title) in enumerate(panels):
        ax = figure.add_subplot(cell)
        image = ax.imshow(as_array(matrix), cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, aspect="auto")
        ax.set_yticks(range(length), labels=tokens if index == 0 else [""] * length)
        if index == 0:  # the query token's own key, in bold
            ax.get_yticklabels()[query_index].set_fontweight("bold")
        ax.set_xlabel("dimension")
        ax.set_title(title)
        figure.colorbar(image, ax=ax, location="bottom", shrink=0.6, aspect=30)

    for cell, tensor, title, signed in [
        (grid[1, 2], numbers.scores, "q · k", True),
        (grid[1, 3], numbers.weights, f"softmax(q · k / √{head_size})", False),
    ]:
        ax = figure.add_subplot(cell)
        values = as_array(tensor)
        # The course's one colour convention (plots.py): red positive, blue negative, as in q × k beside.
        ax.barh(range(length), values, color=signed_colours(values) if signed else WEIGHT_COLOUR)
        ax.set_ylim(length - 0.5, -0.5)
        ax.set_yticks(range(length), labels=[""] * length)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_title(title)
    figure.suptitle(f"neuron view: layer {layer}, head {head}, query {tokens[query_index]!r}")
    return describe(figure, neuron_view_summary(trace, layer, head, query_index))


def _strongest(tokens: Sequence[str], weights: np.ndarray, count: int = 3) -> str:
    """'cat' (0.41), 'the' (0.20), 'ran' (0.10): the keys with the largest weights, largest first."""
    order = np.argsort(-weights, kind="stable")[:count]
    return ", ".join(f"{tokens[j]!r} (position {j}, {weights[j]:.2f})" for j in order)


def neuron_view_summary(trace: AttentionTrace, layer: int, head: int, query_index: int) -> str:
    """One sentence a screen reader reads for the neuron view: where this query's weight goes."""
    weights = as_array(neuron_view_numbers(trace, layer, head, query_index).weights)
    return (
        f"Neuron view, layer {layer}, head {head}: the query {trace.tokens[query_index]!r} (position "
        f"{query_index}) against the keys of {len(trace.tokens)} tokens, as q, k, q × k, q · k and the "
        f"softmax. Most weight goes to {_strongest(trace.tokens, weights)}."
    )


def neuron_view_table(trace: AttentionTrace, layer: int, head: int, query_index: int) -> Table:
    """The neuron view's numbers, one row per key token: q · k and the attention weight."""
    numbers = neuron_view_numbers(trace, layer, head, query_index)
    scores, weights = as_array(numbers.scores), as_array(numbers.weights)
    rows = [(str(j), token, f"{scores[j]:.2f}", f"{weights[j]:.3f}") for j, token in enumerate(trace.tokens)]
    caption = (
        f"Layer {layer}, head {head}, query {trace.tokens[query_index]!r} (position {query_index}): "
        f"score q · k and weight softmax(q · k / √{numbers.query.shape[-1]}) for every key"
    )
    return Table(caption, ("position", "key token", "q · k", "weight"), rows)


def head_view_size(trace: AttentionTrace, legend_entries: int = 0) -> tuple[float, float]:
    """The head view's figure size in inches: 5.2 wide; 0.3 inch per token and per legend row (4 heads)."""
    return (5.2, 0.9 + 0.3 * len(trace.tokens) + 0.3 * math.ceil(legend_entries / 4))


def draw_head_view(
    trace: AttentionTrace,
    layer: int,
    heads: Sequence[int] | None = None,
    query_index: int | None = None,
    *,
    legend: bool = True,
) -> Figure:
    """One layer's attention as lines from each query token (left) to each key token (right).

    A line's opacity is its weight; each head has its own colour (`head_colour`). `query_index`
    keeps only the lines of that token, which is easier to read. The legend sits above the lines, so
    that it is seen first; `legend=False` leaves it out (`HeadView` shows it beside its controls).
    """
    heads = list(range(trace.num_heads)) if heads is None else list(heads)
    tokens = trace.tokens
    length = len(tokens)
    figure, ax = plt.subplots(figsize=head_view_size(trace, len(heads) if legend else 0), layout="constrained")
    queries = range(length) if query_index is None else [query_index]
    for head in heads:
        weights = as_array(trace.attentions[layer, head])  # (T, T)
        color = head_colour(head)
        for i in queries:
            for j in range(length):
                if weights[i, j] > 0.02:
                    ax.plot([0, 1], [i, j], color=color, alpha=float(weights[i, j]), linewidth=2)
    for side, align in [(0, "right"), (1, "left")]:
        for i, token in enumerate(tokens):
            bold = query_index is not None and side == 0 and i == query_index
            ax.text(
                side + (-0.05 if side == 0 else 0.05),
                i,
                token,
                ha=align,
                va="center",
                fontsize=10,
                fontweight="bold" if bold else "normal",
            )
    ax.text(-0.05, -1.1, "query", ha="right", va="center", fontsize=MIN_FONT_SIZE, color="dimgray", style="italic")
    ax.text(1.05, -1.1, "key", ha="left", va="center", fontsize=MIN_FONT_SIZE, color="dimgray", style="italic")
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(length - 0.5, -1.6)
    ax.axis("off")
    if legend and heads:
        for head in heads:
            ax.plot([], [], color=head_colour(head), label=f"head {head}", linewidth=3)
        # Above the axes and their title (constrained layout makes room for an "outside" legend).
        figure.legend(loc="outside upper center", ncols=min(len(heads), 4), fontsize=MIN_FONT_SIZE, frameon=False)
    ax.set_title(f"head view, layer {layer}")
    return describe(figure, head_view_summary(trace, layer, heads, query_index))


def head_view_summary(
    trace: AttentionTrace, layer: int, heads: Sequence[int] | None = None, query_index: int | None = None
) -> str:
    """One sentence for the head view: what the lines join, and the strongest ones."""
    heads = list(range(trace.num_heads)) if heads is None else list(heads)
    which = "every query token" if query_index is None else f"the query {trace.tokens[query_index]!r}"
    text = (
        f"Head view, layer {layer}, head{'s' if len(heads) != 1 else ''} "
        f"{', '.join(map(str, heads)) or 'none'}: lines from {which} on the left to the key tokens on "
        f"the right, as opaque as the attention weight, over {len(trace.tokens)} tokens."
    )
    if query_index is not None:
        for head in heads:
            weights = as_array(trace.attentions[layer, head, query_index])  # (T,)
            text += f" Head {head} attends most to {_strongest(trace.tokens, weights)}."
    return text


def head_view_table(
    trace: AttentionTrace, layer: int, heads: Sequence[int] | None = None, query_index: int | None = None
) -> Table:
    """The head view's numbers: for each head and query token, its two strongest keys."""
    heads = list(range(trace.num_heads)) if heads is None else list(heads)
    queries = range(len(trace.tokens)) if query_index is None else [query_index]
    rows = []
    for head in heads:
        weights = as_array(trace.attentions[layer, head])  # (T, T)
        for i in queries:
            first, second = np.argsort(-weights[i], kind="stable")[:2]
            rows.append(
                (
                    str(head),
                    f"{i}: {trace.tokens[i]}",
                    f"{first}: {trace.tokens[first]}",
                    f"{weights[i, first]:.2f}",
                    f"{second}: {trace.tokens[second]}",
                    f"{weights[i, second]:.2f}",
                )
            )
    caption = f"Layer {layer}: each query token's two strongest keys, per head"
    return Table(caption, ("head", "query", "strongest key", "weight", "next key", "weight"), rows)


_TAB10 = ("blue", "orange", "green", "red", "purple", "brown", "pink", "gray", "olive", "cyan")
#: One colour per head: matplotlib's ten distinct "tab10" colours, then black and gold, so that the
#: 12 heads of BERT-base and MiniLM never share one.
HEAD_COLOURS = [*(matplotlib.colors.to_hex(f"tab:{name}") for name in _TAB10), "#000000", "#d4a017"]


def head_colour(head: int) -> str:
    """The colour of head `head`'s lines in the head view (and of its legend entry), as '#rrggbb'."""
    return HEAD_COLOURS[head % len(HEAD_COLOURS)]


def draw_model_view(trace: AttentionTrace, *, cell_size: float = 1.1) -> Figure:
    """Every layer (rows) × every head (columns) as a small query × key weight map."""
    figure, axes = plt.subplots(
        trace.num_layers,
        trace.num_heads,
        squeeze=False,
        figsize=(max(cell_size * trace.num_heads, MIN_WIDTH_INCHES), cell_size * trace.num_layers + 0.4),
    )
    for layer in range(trace.num_layers):
        for head in range(trace.num_heads):
            ax = axes[layer, head]
            ax.imshow(as_array(trace.attentions[layer, head]), cmap=WEIGHTS_CMAP, vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if layer == 0:
                ax.set_title(f"head {head}", fontsize=MIN_FONT_SIZE)
            if head == 0:
                ax.set_ylabel(f"layer {layer}", fontsize=MIN_FONT_SIZE)
    figure.suptitle("model view: rows = layers, columns = heads, each a query × key map")
    return describe(figure, model_view_summary(trace))


def model_view_summary(trace: AttentionTrace) -> str:
    """One sentence for the model view: its grid, and the key that draws the most attention."""
    mean = as_array(trace.attentions).mean(axis=(0, 1, 2))  # (T,): mean weight each key receives
    return (
        f"Model view: a grid of {trace.num_layers} layers × {trace.num_heads} heads, each a small query × "
        f"key map of the attention weights over {len(trace.tokens)} tokens. Averaged over every layer, "
        f"head and query, most weight goes to {_strongest(trace.tokens, mean)}."
    )


def model_view_table(trace: AttentionTrace) -> Table:
    """The model view's numbers: for each layer and head, the key that receives the most weight."""
    rows = []
    for layer in range(trace.num_layers):
        for head in range(trace.num_heads):
            received = as_array(trace.attentions[layer, head]).mean(axis=0)  # (T,): mean over queries
            key = int(np.argmax(received))
            rows.append((str(layer), str(head), f"{key}: {trace.tokens[key]}", f"{received[key]:.2f}"))
    caption = "Each head's most attended key token, averaged over the query tokens"
    return Table(caption, ("layer", "head", "most attended key", "mean weight"), rows)


@dataclass
class HeadPattern:
    """How strongly one head follows a recognisable pattern, averaged over real query tokens."""

    layer: int
    head: int
    to_sep: float  # mean weight on [SEP] tokens
    to_cls: float  # mean weight on the [CLS] token
    to_previous: float  # mean weight on the token just before
    to_next: float  # mean weight on the token just after
    to_same_word: float  # mean weight on other occurrences of the same token (sentences that repeat one)


def head_patterns(traces: Sequence[AttentionTrace]) -> list[HeadPattern]:
    """Score every head of the model on each pattern, averaged over several sentences."""
    if isinstance(traces, AttentionTrace):
        traces = [traces]
    if not isinstance(traces, (list, tuple)) or not traces or not all(isinstance(t, AttentionTrace) for t in traces):
        raise ValueError(
            "head_patterns needs a list of at least one AttentionTrace (from trace_attention); "
            f"got a {type(traces).__name__}. "
            "Pass [trace_attention(model, tokenizer, text) for text in texts]."
        )
    first = traces[0]
    rows = []
    for layer in range(first.num_layers):
        for head in range(first.num_heads):
            scores = np.array([_pattern_scores(t, layer, head) for t in traces])  # (sentences, 5)
            rows.append(HeadPattern(layer, head, *np.nanmean(scores, axis=0).tolist()))
    return rows


def _pattern_scores(trace: AttentionTrace, layer: int, head: int) -> list[float]:
    weights = as_array(trace.attentions[layer, head])  # (T, T)
    tokens = trace.tokens
    length = len(tokens)
    sep = [j for j, t in enumerate(tokens) if t == "[SEP]"]
    words = [i for i, t in enumerate(tokens) if t not in {"[CLS]", "[SEP]", "[PAD]"}]
    same = [(i, j) for i in words for j in words if i != j and tokens[i] == tokens[j]]
    return [
        float(weights[words][:, sep].sum(axis=1).mean()),
        float(weights[words, 0].mean()),
        float(np.mean([weights[i, i - 1] for i in words])),
        float(np.mean([weights[i, i + 1] for i in words if i + 1 < length])),
        float(np.mean([weights[i, j] for i, j in same])) if same else float("nan"),
    ]
