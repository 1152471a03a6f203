"""Static figures for the lecture's diagrams, drawn with matplotlib from real tensors.

Every function takes numbers (tensors or arrays) plus the token strings that label them, draws on
a fresh figure (or a given Axes), and returns the matplotlib Figure, so that any figure can be
saved for slides with `save_figure`. Its job ends at drawing: computing attention belongs to
`bertlib.model`, and the interactive views live in `bertlib.viz.attention_views`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import cast

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bertlib.viz.describe import describe

#: THE colour convention of every figure, view and text of the course (heatmaps, bars, the neuron
#: view, and the notebooks' prose): a SIGNED value is red when positive and blue when negative,
#: white at zero (the diverging map `SIGNED_CMAP`, centred on 0); a non-negative WEIGHT or
#: probability is blue, darker when larger (the sequential map `WEIGHTS_CMAP`, 0 = white). Bars
#: follow the maps: `signed_colours` for signed values, `WEIGHT_COLOUR` for weights.
WEIGHTS_CMAP = "Blues"
SIGNED_CMAP = "RdBu_r"
#: The bar colours of that convention, taken from the maps' own ends so that a bar and a heatmap cell
#: of the same sign look alike.
POSITIVE_COLOUR = plt.get_cmap(SIGNED_CMAP)(0.85)  # red
NEGATIVE_COLOUR = plt.get_cmap(SIGNED_CMAP)(0.15)  # blue
WEIGHT_COLOUR = plt.get_cmap(WEIGHTS_CMAP)(0.7)

#: Readable on a projector: every figure is at least this wide (in pixels at matplotlib's default
#: 100 dpi, which the notebooks' inline backend uses) and no text is smaller than `MIN_FONT_SIZE`.
MIN_WIDTH_INCHES = 5.2
MIN_FONT_SIZE = 10


def signed_colours(values: np.ndarray) -> list:
    """One bar colour per value, by the course's convention: red if positive, blue if negative."""
    return [NEGATIVE_COLOUR if value < 0 else POSITIVE_COLOUR for value in values]


def as_array(values: torch.Tensor | np.ndarray | Sequence[float]) -> np.ndarray:
    """The values as a float numpy array (a tensor is detached and moved to the CPU first)."""
    if isinstance(values, torch.Tensor):
        return values.detach().float().cpu().numpy()
    return np.asarray(values, dtype=float)


def _check_drawable(values: np.ndarray, name: str) -> None:
    """A figure needs at least one value, and only finite ones: NaN or inf would break the colour
    scale (or the bars) without a word, so say which entry is at fault and where it came from."""
    if values.size == 0:
        raise ValueError(
            f"{name} is empty (shape {values.shape}); there is nothing to draw. Pass at least one token's values."
        )
    if not np.isfinite(values).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(values))[0])
        raise ValueError(
            f"{name} holds a non-finite value ({values[where]} at index {where}); a diverged "
            "or uninitialised model gives NaN or inf. Check the model or the tensor you pass."
        )


def save_figure(figure: Figure, path: str | Path, dpi: int = 200) -> Path:
    """Save a figure for slides; the suffix picks the format (.png, .svg or .pdf)."""
    path = Path(path)
    if path.suffix.lower() not in {".png", ".svg", ".pdf"}:
        raise ValueError(f"Cannot save {path.name}: use a .png, .svg or .pdf file name.")
    figure.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return cast(Figure, ax.figure), ax  # an Axes we were given lives on a Figure, not a SubFigure
    figure, ax = plt.subplots(figsize=size, layout="constrained")
    return figure, ax


def plot_matrix(
    matrix: torch.Tensor | np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str] | None = None,
    *,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    signed: bool | None = None,
    annotate: bool | None = None,
    robust: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of an (n, d) matrix, one labelled row per token (the lecture's Fig. 1).

    Signed values get a diverging map centred on 0; non-negative ones (weights) a sequential map.
    Small matrices are annotated with their values. `robust=True` sets the colour range from the
    99th percentile of |values| instead of the maximum, so that a few outliers (BERT's hidden
    states have some huge dimensions) do not wash out everything else; the colour bar then marks
    the clipped ends.
    """
    values = as_array(matrix)
    if values.ndim != 2 or values.shape[0] != len(row_labels):
        raise ValueError(
            f"plot_matrix needs an (n, d) matrix with n = {len(row_labels)} row labels; got shape {values.shape}."
        )
    _check_drawable(values, "plot_matrix's matrix")
    if col_labels is not None and len(col_labels) != values.shape[1]:
        raise ValueError(
            f"plot_matrix got {len(col_labels)} column labels for a matrix with {values.shape[1]} "
            "columns; give one label per column, or col_labels=None for none."
        )
    signed = bool((values < 0).any()) if signed is None else signed
    annotate = values.size <= 120 if annotate is None else annotate
    # At least 2 inches high, so that the colour bar stays readable beside a single row.
    # At least MIN_WIDTH_INCHES wide (a 3 × 3 matrix would otherwise be 235 px), room for a
    # 10-point "-0.50" in each column, and at most 14 inches.
    width = min(max(1.4 + 0.55 * values.shape[1], MIN_WIDTH_INCHES), 14)
    figure, ax = _new_axes(ax, (width, max(0.9 + 0.4 * values.shape[0], 2.0)))
    magnitude = np.abs(values)
    limit = float(np.percentile(magnitude, 99) if robust else magnitude.max()) or 1.0
    clipped = bool(robust and magnitude.max() > limit)
    if signed:
        image = ax.imshow(values, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, aspect="auto")
    else:
        image = ax.imshow(values, cmap=WEIGHTS_CMAP, vmin=0, vmax=max(limit, 1e-9), aspect="auto")
    ax.set_yticks(range(len(row_labels)), labels=row_labels)
    if col_labels is not None:
        ax.set_xticks(range(len(col_labels)), labels=col_labels, rotation=90 if max(map(len, col_labels)) > 3 else 0)
    if annotate:
        for (i, j), value in np.ndenumerate(values):
            dark = abs(value) > 0.6 * limit
            text = f"{value:.2f}"
            ax.text(
                j,
                i,
                "0.00" if text == "-0.00" else text,
                ha="center",
                va="center",
                fontsize=MIN_FONT_SIZE,
                color="white" if dark else "black",
            )
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    figure.colorbar(image, ax=ax, shrink=0.8, extend=("both" if signed else "max") if clipped else "neither")
    return figure


def plot_attention_in_out(
    x: torch.Tensor, y: torch.Tensor, tokens: Sequence[str], *, title: str = "", dims: int | None = None
) -> Figure:
    """The lecture's Fig. 2: attention maps X (n, d) to Y (n, d), same length and dimension.

    `dims` draws only the first `dims` dimensions (the titles still give the full shape), which
    keeps wide vectors readable. Colours use a robust range (see `plot_matrix`).
    """
    if tuple(x.shape) != tuple(y.shape):
        raise ValueError(f"X and Y should have the same shape; got {tuple(x.shape)} and {tuple(y.shape)}.")
    if len(x.shape) != 2:
        raise ValueError(
            f"X and Y should be (n, d) matrices, one row per token; got shape {tuple(x.shape)}. "
            "For one sentence of a batch, pass x[0] and y[0]."
        )
    if dims is not None and (isinstance(dims, bool) or not isinstance(dims, int) or dims < 1):
        raise ValueError(f"dims={dims!r} must be a whole number of at least 1 (or None for every dimension).")
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 1.2 + 0.4 * len(tokens)), layout="constrained")
    n, d = x.shape
    shown = d if dims is None else min(dims, d)
    label = "dimension" if shown == d else f"dimension (the first {shown} of {d})"
    for ax, matrix, name in ((left, x, "input X"), (right, y, "output Y = attention(X)")):
        plot_matrix(
            matrix[:, :shown],
            tokens,
            title=f"{name}  ({n} × {d})",
            xlabel=label,
            ax=ax,
            signed=True,
            annotate=False,
            robust=True,
        )
    figure.suptitle(title or "Attention keeps the length and the dimension")
    return figure


def plot_weighted_sum(
    tokens: Sequence[str], weights: torch.Tensor | np.ndarray | Sequence[float], output_label: str, *, title: str = ""
) -> Figure:
    """The lecture's simplified diagram: input tokens → attention weights → one output.

    Each input token gets a bar whose height is its weight; the arrow's label says what the weighted
    sum stands for (e.g. "cat"). The weights must be a probability distribution over the tokens.
    """
    weights = as_array(weights)
    if weights.shape != (len(tokens),):
        raise ValueError(f"Need one weight per token: {len(tokens)} tokens but weights of shape {weights.shape}.")
    if not np.isclose(weights.sum(), 1.0, atol=1e-4) or (weights < 0).any():
        raise ValueError(
            f"Attention weights are probabilities (non-negative, sum 1); these sum to {weights.sum():.4f}."
        )
    figure, ax = plt.subplots(figsize=(max(1.6 + 1.1 * len(tokens), MIN_WIDTH_INCHES + 1), 3.2), layout="constrained")
    positions = np.arange(len(tokens))
    bars = ax.bar(
        positions, weights, color=plt.get_cmap(WEIGHTS_CMAP)(0.3 + 0.7 * weights / weights.max()), edgecolor="black"
    )
    ax.bar_label(bars, labels=[f"{w:.2f}" for w in weights])
    ax.set_xticks(positions, labels=tokens, fontsize=12)
    ax.set(ylim=(0, 1.15), ylabel="attention weight")
    ax.annotate(
        f"output ≈ {output_label}",
        xy=(1.02, 0.5),
        xycoords="axes fraction",
        fontsize=13,
        va="center",
        ha="left",
        bbox={"boxstyle": "round", "fc": "lightyellow"},
    )
    ax.set_title(title or "weighted sum of the inputs")
    ax.spines[["top", "right"]].set_visible(False)
    shares = ", ".join(f"{token!r} {weight:.2f}" for token, weight in zip(tokens, weights, strict=True))
    return describe(
        figure,
        f"Bar chart, {title or 'weighted sum of the inputs'}: the attention weight of each "
        f"input token ({shares}); the weighted sum of the inputs is about {output_label}.",
    )


def plot_query_and_keys(
    query: torch.Tensor | np.ndarray,
    keys: torch.Tensor | np.ndarray,
    query_token: str,
    key_tokens: Sequence[str],
    *,
    title: str = "",
) -> Figure:
    """The lecture's Fig. 4: one token's query vector (hd,) above the key vectors (T, hd) of every
    token, on one colour scale, so that matching signs (which raise the dot product) can be seen."""
    query, keys = as_array(query), as_array(keys)
    if query.ndim != 1 or keys.ndim != 2 or keys.shape != (len(key_tokens), query.shape[0]):
        raise ValueError(
            f"Need a query of shape (hd,) and keys of shape ({len(key_tokens)}, hd) for "
            f"{len(key_tokens)} key tokens; got {query.shape} and {keys.shape}."
        )
    limit = float(max(np.abs(query).max(), np.abs(keys).max())) or 1.0
    figure, (top, bottom) = plt.subplots(
        2,
        1,
        figsize=(10, 2.2 + 0.33 * len(key_tokens)),
        sharex=True,
        height_ratios=[1, max(len(key_tokens), 2)],
        layout="constrained",
    )
    top.imshow(query[None], cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, aspect="auto")
    top.set_yticks([0], labels=[query_token])
    top.set_title(f"query q of {query_token!r}")
    image = bottom.imshow(keys, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, aspect="auto")
    bottom.set_yticks(range(len(key_tokens)), labels=key_tokens)
    bottom.set(title="key k of every token", xlabel=f"dimension of the head (hd = {query.shape[0]})")
    figure.colorbar(image, ax=[top, bottom], shrink=0.8)
    if title:
        figure.suptitle(title)
    return figure


def plot_scores_and_softmax(
    key_tokens: Sequence[str],
    scores: torch.Tensor | np.ndarray,
    query_token: str,
    *,
    probabilities: torch.Tensor | np.ndarray | None = None,
    softmax_title: str | None = None,
    title: str = "",
) -> Figure:
    """The lecture's Figs. 5–6: one query's dot products with every key, then their softmax.

    Without `probabilities` the right panel is softmax(scores); pass the weights a model really
    used (e.g. softmax(scores / √hd)) and say so in `softmax_title`.
    """
    scores = as_array(scores)
    if scores.shape != (len(key_tokens),):
        raise ValueError(
            f"Need one score per key token: {len(key_tokens)} key tokens but scores of shape "
            f"{scores.shape}. For one query, pass its row, e.g. scores[i]."
        )
    _check_drawable(scores, "scores")
    if softmax_title is None:
        softmax_title = "softmax(scores): attention weights" if probabilities is None else "attention weights"
    if probabilities is not None:
        _check_probabilities(as_array(probabilities), len(key_tokens))
    raw = as_array(probabilities) if probabilities is not None else np.exp(scores - scores.max())
    probabilities = raw / raw.sum()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2), layout="constrained")
    positions = np.arange(len(key_tokens))
    left.bar(positions, scores, color=signed_colours(scores))  # red positive, blue negative, as the heatmaps
    left.axhline(0, color="black", linewidth=0.8)
    left.set(title=f"score = q·k  (query: {query_token!r})", ylabel="dot product")
    right.bar(positions, probabilities, color=WEIGHT_COLOUR)
    right.set(title=softmax_title, ylabel="probability", ylim=(0, 1.05))
    for ax in (left, right):
        ax.set_xticks(positions, labels=key_tokens, rotation=45, ha="right")
        ax.set_xlabel("key token")
    if title:
        figure.suptitle(title)
    pairs = ", ".join(
        f"{token!r} {score:.2f} → {p:.2f}" for token, score, p in zip(key_tokens, scores, probabilities, strict=True)
    )
    return describe(
        figure,
        f"Two bar charts{': ' + title if title else ''}. For the query {query_token!r}, each "
        f"key token's score q·k (left) and its {softmax_title} (right): {pairs}.",
    )


def _check_probabilities(weights: np.ndarray, count: int) -> None:
    """The weights a model used must be one probability per key token, summing to 1: drawing them
    rescaled would show numbers the model never used."""
    if weights.shape != (count,):
        raise ValueError(
            f"Need one probability per key token: {count} key tokens but probabilities of shape "
            f"{weights.shape}. For one query, pass its row of the attention weights, e.g. weights[i]."
        )
    _check_drawable(weights, "probabilities")
    if (weights < 0).any() or not np.isclose(weights.sum(), 1.0, atol=1e-3):
        raise ValueError(
            f"probabilities must be non-negative and sum to 1 (a softmax's output); these sum to "
            f"{weights.sum():.4f} with smallest {weights.min():.4f}. Pass softmax(scores) or the "
            "model's attention weights, or leave probabilities out to draw softmax(scores)."
        )


def plot_projection_2d(
    vectors: torch.Tensor,
    labels: Sequence[str],
    *,
    groups: Sequence[str] | None = None,
    arrows: Sequence[tuple[str, str]] = (),
    title: str = "",
) -> Figure:
    """Vectors projected on their two principal components, with optional arrows between words.

    `arrows` pairs like ("cat", "kitten") draw an arrow from one labelled point to the other, so that
    parallel arrows show an analogy.
    """
    values = as_array(vectors)
    if values.ndim != 2 or values.shape[0] != len(labels):
        raise ValueError(f"Need one vector per label: {len(labels)} labels, vectors of shape {values.shape}.")
    if values.shape[0] < 2 or values.shape[1] < 2:
        raise ValueError(
            f"A 2-D projection needs at least 2 vectors of at least 2 dimensions; got shape "
            f"{values.shape}. Pass more words (or wider vectors)."
        )
    _check_drawable(values, "vectors")
    if groups is not None and len(groups) != len(labels):
        raise ValueError(
            f"Got {len(groups)} groups for {len(labels)} labels; give one group per label, or groups=None."
        )
    unknown = sorted({word for pair in arrows for word in pair} - set(labels))
    if unknown:
        raise ValueError(
            f"arrows name {unknown}, which are not among the labels {list(labels)}; "
            "draw arrows only between labelled points."
        )
    centred = values - values.mean(axis=0)
    # Principal components by SVD: the two directions of largest variance.
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    points = centred @ components[:2].T
    figure, ax = plt.subplots(figsize=(7, 6), layout="constrained")
    group_names = list(dict.fromkeys(groups)) if groups is not None else [None]
    for index, group in enumerate(group_names):
        chosen = [i for i in range(len(labels)) if groups is None or groups[i] == group]
        ax.scatter(points[chosen, 0], points[chosen, 1], color=f"C{index}", label=group)
    names = [
        ax.annotate(label, points[i], textcoords="offset points", xytext=(4, 3), fontsize=MIN_FONT_SIZE)
        for i, label in enumerate(labels)
    ]
    where = {label: points[i] for i, label in enumerate(labels)}
    for start, end in arrows:
        ax.annotate(
            "", xy=where[end], xytext=where[start], arrowprops={"arrowstyle": "->", "color": "gray", "alpha": 0.8}
        )
    if groups is not None:
        ax.legend()
    ax.set(xlabel="principal component 1", ylabel="principal component 2", title=title)
    separate_labels(figure, names)
    return figure


def _overlaps(box, others, pad: float) -> bool:
    return any(
        box.x0 < o.x1 + pad and o.x0 < box.x1 + pad and box.y0 < o.y1 + pad and o.y0 < box.y1 + pad for o in others
    )


def separate_labels(figure: Figure, labels: Sequence, *, rounds: int = 3) -> None:
    """Move point labels (annotations placed in offset points) so that no two overprint.

    Two nearly equal points ("dog" and "puppy") would put their labels on top of each other. Each
    label, in order, keeps its place if it is free; otherwise it takes the first free spot among
    offsets stepping one line up or down, on the right or the left of its point. Layout can shift
    the axes after a move, so the check is redone on the laid-out figure a few `rounds`.
    """
    for _ in range(rounds):
        figure.draw_without_rendering()
        renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
        placed: list = []
        moved = False
        for label in labels:
            box = label.get_window_extent(renderer)
            if _overlaps(box, placed, pad=1.0):
                line = box.height * 72 / figure.dpi + 2  # one line of text, in points
                width = box.width * 72 / figure.dpi
                candidates = [
                    (dx, 3 + sign * step * line)
                    for step in range(1, 2 * len(labels) + 1)
                    for sign in (1, -1)
                    for dx in (4, -4 - width)
                ]
                start = label.xyann
                for dx, dy in candidates:
                    label.xyann = (dx, dy)
                    box = label.get_window_extent(renderer)
                    if not _overlaps(box, placed, pad=1.0):
                        break
                moved = moved or label.xyann != start
            placed.append(box)
        if not moved:
            return
