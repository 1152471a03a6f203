"""The attention widgets: controls that follow each other, pictures shown at their own size."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from bertlib.model import BertConfig, BertModel  # noqa: E402
from bertlib.tokenization.tokenizer import BertTokenizer  # noqa: E402
from bertlib.tokenization.wordpiece import Vocab  # noqa: E402
from bertlib.viz import HeadView, NeuronView  # noqa: E402
from bertlib.viz.attention_views import HEAD_COLOURS, head_colour  # noqa: E402
from bertlib.viz.widgets import png_size, replace_options, sentence_dropdown  # noqa: E402

SENTENCES = ["the dog ran .", "the cat ran after the dog .", "dog ran"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def model_and_tokenizer():
    vocab = Vocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "dog", "ran", "cat", "after", "."])
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=8, num_hidden_layers=2, num_attention_heads=4, intermediate_size=16
    )
    return BertModel(config), BertTokenizer(vocab)


def _select_as_a_browser_does(dropdown, index: int) -> None:
    """JupyterLab sends the chosen option's index over the comm; ipywidgets applies it with set_state."""
    dropdown.set_state({"index": index})


def test_neuron_view_keeps_the_query_when_the_sentence_changes(model_and_tokenizer):
    view = NeuronView(*model_and_tokenizer, SENTENCES, query_index=2)
    assert view.query.label == "2: dog"
    _select_as_a_browser_does(view.sentence, 1)
    assert view.sentence.value == SENTENCES[1]
    assert (view.query.value, view.query.index, view.query.label) == (2, 2, "2: cat")
    assert "the query 'cat' (position 2)" in view.description  # the picture was redrawn for the kept query
    view.sentence.value = SENTENCES[0]  # the Python way round too
    assert (view.query.value, view.query.label) == (2, "2: dog")


def test_neuron_view_falls_back_to_cls_when_the_new_sentence_is_too_short(model_and_tokenizer):
    view = NeuronView(*model_and_tokenizer, SENTENCES, query_index=5)  # [SEP] of sentence 0
    _select_as_a_browser_does(view.sentence, 1)
    assert view.query.value == 5
    _select_as_a_browser_does(view.sentence, 2)  # [CLS] dog ran [SEP]: no position 5
    assert (view.query.value, view.query.label) == (0, "0: [CLS]")


def test_a_sentence_change_redraws_once(model_and_tokenizer, monkeypatch):
    view = NeuronView(*model_and_tokenizer, SENTENCES, query_index=2)
    calls = []
    original = view.redraw
    monkeypatch.setattr(view, "redraw", lambda: (calls.append(view.query.value), original())[1])
    _select_as_a_browser_does(view.sentence, 1)
    assert calls == [2]  # one redraw, with the kept query (not one for [CLS] first)


def test_head_view_keeps_its_query_too(model_and_tokenizer):
    view = HeadView(*model_and_tokenizer, SENTENCES)
    view.query.value = 2
    _select_as_a_browser_does(view.sentence, 1)
    assert (view.query.value, view.query.label) == (2, "2: cat")
    _select_as_a_browser_does(view.sentence, 2)
    assert (view.query.value, view.query.label) == (2, "2: ran")
    view.query.value = -1
    _select_as_a_browser_does(view.sentence, 0)
    assert view.query.label == "all tokens"


def test_replace_options_keeps_the_value_that_hold_trait_notifications_would_lose():
    import ipywidgets as widgets

    dropdown = widgets.Dropdown(options=[("a", 0), ("b", 1), ("c", 2)], value=2)
    replace_options(dropdown, [("x", 0), ("y", 1), ("z", 2), ("w", 3)], 2)
    assert (dropdown.value, dropdown.index, dropdown.label) == (2, 2, "z")


def test_views_show_their_picture_at_its_own_pixel_size(model_and_tokenizer):
    for view in (NeuronView(*model_and_tokenizer, SENTENCES), HeadView(*model_and_tokenizer, SENTENCES)):
        width, height = png_size(view.image.value)
        assert view.image.layout.width == f"{width}px"
        assert (view.image.width, view.image.height) == (str(width), str(height))
        view.sentence.value = SENTENCES[1]  # a longer sentence: a taller picture, sizes follow
        assert view.image.height == str(png_size(view.image.value)[1]) and int(view.image.height) > height


def test_head_view_lists_every_head_without_scrolling_and_shows_its_legend(model_and_tokenizer):
    view = HeadView(*model_and_tokenizer, SENTENCES)
    assert view.heads.rows == len(view.heads.options) == 4
    view.heads.value = (1, 3)
    legend = view.legend.value
    assert "head 1" in legend and "head 3" in legend and "head 0" not in legend
    assert head_colour(3) in legend
    assert len(set(HEAD_COLOURS)) == len(HEAD_COLOURS) >= 12  # BERT-base's 12 heads: 12 colours
    bundle, _ = view._repr_mimebundle_()  # the static picture keeps a legend of its own
    assert bundle["image/png"]


def test_sentence_dropdown_is_as_wide_as_its_longest_sentence():
    dropdown = sentence_dropdown(["short", "a much longer sentence than the first one"])
    assert dropdown.layout.width == "calc(41ch + 9em)" and dropdown.layout.max_width == "100%"
