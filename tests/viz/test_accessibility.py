"""Alt text and text twins: every figure says in words what it shows, every view has a table twin,
and a displayed figure carries its description as alt text (what the course site writes on <img>)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from bertlib.model import BertConfig, BertModel  # noqa: E402
from bertlib.tokenization.tokenizer import BertTokenizer  # noqa: E402
from bertlib.tokenization.wordpiece import Vocab  # noqa: E402
from bertlib.viz import (  # noqa: E402
    AttentionTrace,
    HeadView,
    ModelView,
    NeuronView,
    draw_head_view,
    draw_masking,
    draw_model_view,
    draw_neuron_view,
    masking_view,
    neuron_view_numbers,
    plot_masking_shares,
    plot_matrix,
    plot_scores_and_softmax,
    plot_weighted_sum,
)
from bertlib.viz.describe import Table, describe, figure_description, generated_description  # noqa: E402

TOKENS = ["[CLS]", "the", "dog", "ran", "[SEP]"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _trace(tokens=TOKENS) -> AttentionTrace:
    generator = torch.Generator().manual_seed(0)
    length = len(tokens)
    attentions = torch.rand(2, 2, length, length, generator=generator)
    attentions[0, 1, 3] = torch.tensor([0.05, 0.05, 0.8, 0.05, 0.05])  # layer 0, head 1: 'ran' -> 'dog'
    return AttentionTrace(
        tokens=tokens,
        attentions=attentions / attentions.sum(-1, keepdim=True),
        queries=torch.randn(2, 2, length, 4, generator=generator),
        keys=torch.randn(2, 2, length, 4, generator=generator),
    )


def test_generated_description_names_titles_and_axes_and_is_never_empty():
    figure, (left, right) = plt.subplots(1, 2)
    left.set(title="scores", xlabel="key token", ylabel="dot product")
    right.set(title="weights")
    figure.suptitle("one query")
    figure.colorbar(left.imshow([[0, 1]]), ax=left)  # a colour bar is not a panel
    text = generated_description(figure)
    assert text == ("Figure: one query. 2 panels: 'scores' (x axis: key token; y axis: dot product); 'weights'.")
    bare, _ = plt.subplots()
    assert generated_description(bare) == "Figure. 1 panel, without titles or axis labels."


def test_describe_wins_over_the_generated_text_and_refuses_empty_words():
    figure, ax = plt.subplots()
    ax.set_title("weights")
    assert describe(figure, "  The weights\n of 3 tokens. ") is figure
    assert figure_description(figure) == "The weights of 3 tokens."
    with pytest.raises(ValueError, match="empty"):
        describe(figure, "   ")


def test_table_text_aligns_columns_and_html_has_headers():
    table = Table("Weights", ("key", "weight"), [("the", "0.10"), ("dog", "0.80")])
    assert table.text() == "Weights\nkey  weight\nthe  0.10\ndog  0.80"
    markup = table.html()
    assert "<caption" in markup and markup.count("<th scope='col'") == 2 and markup.count("<tr>") == 3
    assert "&lt;b&gt;" in Table("x", ("a",), [("<b>",)]).html()  # cell text is escaped
    with pytest.raises(ValueError, match="Row 0 .* 1 cells but there are 2 columns"):
        Table("bad", ("a", "b"), [("only one",)])


def test_attention_views_describe_what_they_show():
    trace = _trace()
    neuron = figure_description(draw_neuron_view(trace, 0, 1, query_index=3))
    assert neuron.startswith("Neuron view, layer 0, head 1: the query 'ran' (position 3)")
    weights = neuron_view_numbers(trace, 0, 1, 3).weights  # the neuron view recomputes them from q and k
    top = int(weights.argmax())
    assert f"Most weight goes to {TOKENS[top]!r} (position {top}, {float(weights[top]):.2f})" in neuron
    head = figure_description(draw_head_view(trace, 0, heads=[1], query_index=3))
    assert "Head 1 attends most to 'dog' (position 2, 0.80)" in head
    model = figure_description(draw_model_view(trace))
    assert model.startswith("Model view: a grid of 2 layers × 2 heads")


def test_plots_describe_their_numbers():
    weighted = figure_description(plot_weighted_sum(["the", "cat"], torch.tensor([0.25, 0.75]), "cat"))
    assert "'the' 0.25, 'cat' 0.75" in weighted and "about cat" in weighted
    scores = figure_description(plot_scores_and_softmax(["a", "b"], torch.tensor([0.0, 1.0]), "a"))
    assert "'a' 0.00 → 0.27" in scores and "'b' 1.00 → 0.73" in scores
    view = masking_view(["[CLS]", "[MASK]", "dog", "[SEP]"], [1], ["the"])
    assert "1 of 4 tokens were chosen (1 [MASK], 0 random token, 0 unchanged)" in figure_description(
        draw_masking([view])
    )
    shares = figure_description(plot_masking_shares(0.15, {"[MASK]": 0.8, "random token": 0.1, "unchanged": 0.1}))
    assert "15.0% of all tokens were chosen (recipe 15%)" in shares
    generic = figure_description(plot_matrix(torch.eye(2), ["a", "b"], title="identity", xlabel="dimension"))
    assert generic == "Figure. 1 panel: 'identity' (x axis: dimension)."


def test_views_have_a_table_twin_and_a_static_fallback():
    vocab = Vocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "dog", "ran", "cat", "."])
    tokenizer = BertTokenizer(vocab)
    config = BertConfig(vocab_size=10, hidden_size=8, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16)
    model = BertModel(config)
    for view_class, kwargs in [(NeuronView, {"query_index": 2}), (HeadView, {}), (ModelView, {})]:
        view = view_class(model, tokenizer, ["the dog ran .", "the cat ran ."], **kwargs)
        twin = view.text_twin.value
        assert "aria-live='polite'" in twin and "<table" in twin and "<caption" in twin
        assert view.description and view.description in twin.replace("&#x27;", "'")
        assert not view.image.tooltip  # it would break the Image's view in JupyterLab (it has no description)
        bundle, metadata = view._repr_mimebundle_()
        assert bundle["image/png"] and metadata == {"image/png": {"alt": view.description}}
        assert bundle["text/plain"].startswith(f"{view_class.__name__} (interactive")
        assert view.description in bundle["text/plain"]
        before = twin
        view.sentence.value = "the cat ran ."  # a redraw updates the twin
        assert view.text_twin.value != before and "cat" in view.text_twin.value


def test_twin_colours_follow_jupyterlab_theme_variables():
    from bertlib.viz.widgets import text_twin_html

    markup = text_twin_html("words", Table("t", ("a",), [("1",)]))
    assert "color: var(--jp-content-font-color1" in markup and "background: var(--jp-layout-color0" in markup


def test_displayed_figures_carry_alt_text_and_a_white_background():
    from IPython.testing.globalipapp import start_ipython

    from bertlib.course import setup_notebook

    shell = start_ipython()
    active = shell.display_formatter.active_types
    shell.display_formatter.active_types = ["text/plain", "image/png"]
    try:
        setup_notebook()
        setup_notebook()  # twice: the alt text is still added once, not wrapped twice
        figure = plot_weighted_sum(["the", "cat"], torch.tensor([0.25, 0.75]), "cat")
        data, metadata = shell.display_formatter.format(figure)
        assert data["image/png"][:4] in (b"\x89PNG", "iVBO")
        assert metadata == {"image/png": {"alt": figure_description(figure)}}
        assert data["text/plain"] == figure_description(figure)
        assert matplotlib.rcParams["savefig.facecolor"] == "white"
        assert matplotlib.colors.to_rgba(figure.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)
    finally:
        shell.display_formatter.active_types = active


def _contrast(foreground: str, background: str) -> float:
    def luminance(colour: str) -> float:
        red, green, blue = matplotlib.colors.to_rgb(colour)
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted([luminance(foreground), luminance(background)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_html_views_keep_text_contrast_on_their_own_backgrounds():
    """Tagged sentences and answer spans draw their own white box (so a dark theme cannot turn it
    dark); every text colour in them must read on it (WCAG AA: 4.5)."""
    import re

    from bertlib.viz import spans, tagging

    markup = tagging.TaggedSentences(
        (tagging.TaggedSentence(("anna", "ran"), ("B-PER", "O"), ("B-PER", "O"), "s1"),), "title"
    ).html()
    assert "background: #ffffff" in markup
    for colour in set(re.findall(r"(?<![-\w])color: (#[0-9a-fA-F]{6})", markup)):
        assert _contrast(colour, "#ffffff") >= 4.5, colour
    for kind, background in tagging.ENTITY_COLOURS.items():
        assert _contrast("#212529", background) >= 4.5 and _contrast("#495057", background) >= 4.5, kind
    for colour in spans.WINDOW_COLOURS:
        assert _contrast(colour, "#ffffff") >= 4.5, colour
