"""The figure helpers the notebooks rely on: shapes are checked, outliers and labels handled."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from bertlib.viz import (  # noqa: E402
    AttentionTrace,
    draw_head_view,
    draw_neuron_view,
    plot_attention_in_out,
    plot_matrix,
    plot_query_and_keys,
    plot_scores_and_softmax,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_robust_colours_clip_an_outlier_and_say_so():
    values = torch.randn(4, 50)
    values[0, 0] = 100.0  # one huge dimension, as BERT's hidden states have
    figure = plot_matrix(values, list("abcd"), robust=True, annotate=False)
    low, high = figure.axes[0].images[0].get_clim()
    assert high < 100.0 and low == -high
    assert figure.axes[1].get_label() == "<colorbar>"
    plain = plot_matrix(values, list("abcd"), annotate=False)
    assert plain.axes[0].images[0].get_clim()[1] == 100.0


def test_annotations_never_show_negative_zero():
    figure = plot_matrix(torch.tensor([[-0.001, 0.5]]), ["x"])
    assert [t.get_text() for t in figure.axes[0].texts] == ["0.00", "0.50"]


def test_attention_in_out_draws_the_first_dims_and_titles_the_full_shape():
    x, y = torch.randn(3, 100), torch.randn(3, 100)
    figure = plot_attention_in_out(x, y, ["a", "b", "c"], dims=16)
    assert figure.axes[0].images[0].get_array().shape == (3, 16)
    assert "(3 × 100)" in figure.axes[0].get_title()
    with pytest.raises(ValueError, match="same shape"):
        plot_attention_in_out(x, torch.randn(3, 99), ["a", "b", "c"])


def test_query_and_keys_share_one_colour_scale():
    keys = torch.tensor([[1.0, 0.5], [-0.5, 2.0]])
    figure = plot_query_and_keys(torch.tensor([3.0, -1.0]), keys, "ran", ["dog", "cat"])
    assert figure.axes[0].images[0].get_clim() == figure.axes[1].images[0].get_clim() == (-3.0, 3.0)
    with pytest.raises(ValueError, match="keys of shape"):
        plot_query_and_keys(torch.zeros(2), torch.zeros(3, 2), "ran", ["dog", "cat"])


def test_scores_and_softmax_titles_the_weights_it_was_given():
    figure = plot_scores_and_softmax(
        ["a", "b"],
        torch.tensor([1.0, 2.0]),
        "a",
        probabilities=torch.tensor([0.4, 0.6]),
        softmax_title="softmax(q·k / √8)",
    )
    assert figure.axes[1].get_title() == "softmax(q·k / √8)"
    assert [bar.get_height() for bar in figure.axes[1].patches] == pytest.approx([0.4, 0.6])


def _trace(tokens: list[str]) -> AttentionTrace:
    length = len(tokens)
    generator = torch.Generator().manual_seed(0)
    scores = torch.randn(1, 2, length, length, generator=generator)
    return AttentionTrace(
        tokens=tokens,
        attentions=scores.softmax(-1),
        queries=torch.randn(1, 2, length, 4, generator=generator),
        keys=torch.randn(1, 2, length, 4, generator=generator),
    )


def test_neuron_view_marks_the_query_token_in_bold():
    figure = draw_neuron_view(_trace(["[CLS]", "the", "dog", "[SEP]"]), 0, 1, query_index=2)
    keys_panel = next(ax for ax in figure.axes if ax.get_title() == "keys k")
    weights = [label.get_fontweight() for label in keys_panel.get_yticklabels()]
    assert weights == ["normal", "normal", "bold", "normal"]


def test_head_view_labels_the_query_and_key_sides():
    figure = draw_head_view(_trace(["[CLS]", "a", "b", "[SEP]"]), 0, heads=[0])
    assert {"query", "key"} <= {text.get_text() for text in figure.axes[0].texts}
