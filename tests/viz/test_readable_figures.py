"""Figures readable on a projector, in one colour convention, with labels that never overprint."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from bertlib.viz import (  # noqa: E402
    AttentionTrace,
    draw_head_view,
    draw_masking,
    draw_model_view,
    draw_neuron_view,
    masking_view,
    plot_attention_in_out,
    plot_masking_shares,
    plot_matrix,
    plot_projection_2d,
    plot_query_and_keys,
    plot_scores_and_softmax,
    plot_weighted_sum,
)
from bertlib.viz.plots import (  # noqa: E402
    MIN_FONT_SIZE,
    NEGATIVE_COLOUR,
    POSITIVE_COLOUR,
    SIGNED_CMAP,
    WEIGHT_COLOUR,
    WEIGHTS_CMAP,
)

#: The notebooks' figures are PNGs from matplotlib_inline, saved at the figure's dpi (matplotlib's
#: default, 100: matplotlib_inline >= 0.1.7 no longer lowers it to 72) with bbox_inches="tight".
INLINE_DPI = 100
MIN_WIDTH_PX = 500
TOKENS = ["[CLS]", "dog", "[SEP]"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _trace() -> AttentionTrace:
    generator = torch.Generator().manual_seed(0)
    length = len(TOKENS)
    return AttentionTrace(
        tokens=TOKENS,
        attentions=torch.rand(1, 2, length, length, generator=generator).softmax(-1),
        queries=torch.randn(1, 2, length, 4, generator=generator),
        keys=torch.randn(1, 2, length, 4, generator=generator),
    )


#: Every plotting function of bertlib.viz, on the smallest input it takes.
FIGURES = {
    "plot_matrix signed 3x3": lambda: plot_matrix(torch.tensor([[1.0, -0.5, 0.2]] * 3), TOKENS, TOKENS),
    "plot_matrix weights 2x2": lambda: plot_matrix(torch.eye(2), ["a", "b"], ["a", "b"]),
    "plot_matrix one column": lambda: plot_matrix(torch.ones(1, 1), ["a"]),
    "plot_attention_in_out": lambda: plot_attention_in_out(torch.randn(2, 2), torch.randn(2, 2), ["a", "b"]),
    "plot_weighted_sum": lambda: plot_weighted_sum(["a", "b"], torch.tensor([0.4, 0.6]), "b"),
    "plot_query_and_keys": lambda: plot_query_and_keys(torch.randn(2), torch.randn(1, 2), "a", ["a"]),
    "plot_scores_and_softmax": lambda: plot_scores_and_softmax(["a"], torch.tensor([1.0]), "a"),
    "plot_projection_2d": lambda: plot_projection_2d(torch.eye(2), ["a", "b"]),
    "draw_masking": lambda: draw_masking([masking_view(["[MASK]"], [0], ["a"])], per_row=1),
    "plot_masking_shares": lambda: plot_masking_shares(0.15, {"[MASK]": 0.8, "random token": 0.1, "unchanged": 0.1}),
    "draw_neuron_view": lambda: draw_neuron_view(_trace(), 0, 0, 1),
    "draw_head_view": lambda: draw_head_view(_trace(), 0, heads=[0, 1], query_index=1),
    "draw_model_view": lambda: draw_model_view(_trace()),
}


def _inline_png_width(figure) -> int:
    """The width of the PNG a notebook would save for this figure."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=INLINE_DPI, bbox_inches="tight")
    return Image.open(io.BytesIO(buffer.getvalue())).size[0]


def test_the_inline_dpi_is_matplotlibs_default():
    from matplotlib_inline.config import InlineBackend

    assert "figure.dpi" not in InlineBackend().rc
    assert matplotlib.rcParamsDefault["figure.dpi"] == INLINE_DPI


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_is_wide_enough_and_its_text_large_enough(name):
    figure = FIGURES[name]()
    assert _inline_png_width(figure) >= MIN_WIDTH_PX, f"{name}: too narrow for a projector"
    small = [
        (text.get_text(), text.get_fontsize())
        for text in figure.findobj(Text)
        if text.get_visible() and text.get_text().strip() and text.get_fontsize() < MIN_FONT_SIZE
    ]
    assert small == [], f"{name}: text under {MIN_FONT_SIZE} pt"


def _is_red(colour) -> bool:
    red, _, blue, _ = to_rgba(colour)
    return red > blue + 0.2


def _is_blue(colour) -> bool:
    red, _, blue, _ = to_rgba(colour)
    return blue > red + 0.2


def test_one_colour_convention_red_positive_blue_negative():
    signed = plt.get_cmap(SIGNED_CMAP)
    assert _is_red(signed(1.0)) and _is_blue(signed(0.0))  # heatmaps: red = positive
    assert _is_red(POSITIVE_COLOUR) and _is_blue(NEGATIVE_COLOUR)
    assert to_rgba(WEIGHT_COLOUR) == plt.get_cmap(WEIGHTS_CMAP)(0.7)
    figure = plot_scores_and_softmax(["a", "b"], torch.tensor([2.0, -1.0]), "a")
    positive, negative = figure.axes[0].patches
    assert _is_red(positive.get_facecolor()) and _is_blue(negative.get_facecolor())
    neuron = draw_neuron_view(_trace(), 0, 0, 1)
    bars = next(ax for ax in neuron.axes if ax.get_title() == "q · k")
    scores = [bar.get_width() for bar in bars.patches]
    for score, bar in zip(scores, bars.patches, strict=True):
        assert _is_red(bar.get_facecolor()) if score > 0 else _is_blue(bar.get_facecolor())
    assert any(s > 0 for s in scores) and any(s < 0 for s in scores)  # both colours were checked


def _label_boxes(figure):
    figure.savefig(io.BytesIO(), format="png", dpi=INLINE_DPI)  # lay out and draw, as a notebook does
    renderer = figure.canvas.get_renderer()
    return {t.get_text(): t.get_window_extent(renderer) for t in figure.axes[0].texts if t.get_text()}


def _overlapping(boxes) -> list[tuple[str, str]]:
    names = list(boxes)
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1 :] if boxes[a].overlaps(boxes[b])]


def test_projection_labels_of_nearly_equal_points_do_not_overprint():
    generator = torch.Generator().manual_seed(0)
    vectors = torch.randn(6, 8, generator=generator)
    vectors[1] = vectors[0] + 1e-4  # "puppy" sits on "dog"
    vectors[3] = vectors[0] - 1e-4  # and a third word too
    labels = ["dog", "puppy", "cat", "doggy", "cow", "calf"]
    figure = plot_projection_2d(vectors, labels, groups=["adult", "young"] * 3, arrows=[("dog", "puppy")])
    boxes = _label_boxes(figure)
    assert set(boxes) == set(labels)
    assert _overlapping(boxes) == []


def test_labels_that_do_not_collide_stay_where_they_were():
    figure = plot_projection_2d(torch.tensor(np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])), ["a", "b", "c"])
    assert [t.xyann for t in figure.axes[0].texts] == [(4, 3)] * 3


def test_head_view_legend_sits_above_the_title_for_all_twelve_heads():
    generator = torch.Generator().manual_seed(0)
    length = len(TOKENS)
    trace = AttentionTrace(
        tokens=TOKENS,
        attentions=torch.rand(1, 12, length, length, generator=generator).softmax(-1),
        queries=torch.randn(1, 12, length, 4, generator=generator),
        keys=torch.randn(1, 12, length, 4, generator=generator),
    )
    figure = draw_head_view(trace, 0)
    figure.savefig(io.BytesIO(), format="png", dpi=INLINE_DPI)
    renderer = figure.canvas.get_renderer()
    legend = figure.legends[0].get_window_extent(renderer)
    title = figure.axes[0].title.get_window_extent(renderer)
    assert len(figure.legends[0].get_texts()) == 12
    assert legend.y0 >= title.y1 - 1, "the legend overprints the title"
    assert not draw_head_view(trace, 0, legend=False).legends  # the widget shows it beside its controls
