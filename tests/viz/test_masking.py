"""The masking figures: roles are read right from an example, every token is drawn, shares are shown."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from bertlib.data.examples import Document  # noqa: E402
from bertlib.data.pretraining import MaskingConfig, create_pretraining_examples  # noqa: E402
from bertlib.tokenization import BertTokenizer  # noqa: E402
from bertlib.tokenization.wordpiece import Vocab  # noqa: E402
from bertlib.viz.masking import (  # noqa: E402
    MASKED,
    NOT_CHOSEN,
    RANDOM,
    RECIPE,
    UNCHANGED,
    draw_masking,
    masking_view,
    plot_masking_shares,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


SHOWN = ["[CLS]", "the", "[MASK]", "ran", "to", "cat", "park", "[SEP]"]


def test_roles_and_originals():
    view = masking_view(SHOWN, positions=[2, 5, 6], labels=["dog", "the", "park"])
    assert view.roles == [NOT_CHOSEN, NOT_CHOSEN, MASKED, NOT_CHOSEN, NOT_CHOSEN, RANDOM, UNCHANGED, NOT_CHOSEN]
    assert view.original == ["[CLS]", "the", "dog", "ran", "to", "the", "park", "[SEP]"]
    assert view.shown == SHOWN and (view.count(MASKED), view.count(RANDOM), view.count(UNCHANGED)) == (1, 1, 1)


def test_bad_positions_are_refused():
    with pytest.raises(ValueError, match="2 masked positions but 1 labels"):
        masking_view(SHOWN, positions=[2, 5], labels=["dog"])
    with pytest.raises(ValueError, match=r"outside the 8 tokens"):
        masking_view(SHOWN, positions=[8], labels=["x"])


def test_views_of_real_examples_count_what_was_masked():
    words = ["the", "dog", "cat", "ran", "to", "park", "and", "barked", "purred", "a", "was"]
    vocab = Vocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words, "."])
    tokenizer = BertTokenizer(vocab)
    documents = [Document(tuple(f"the {animal} ran to the park ." for _ in range(4))) for animal in ("dog", "cat")] * 3
    examples = create_pretraining_examples(documents, tokenizer, MaskingConfig(max_seq_length=24, seed=1))
    for example in examples:
        view = masking_view(example.tokens, example.masked_positions, example.masked_labels)
        assert len(view.shown) - view.count(NOT_CHOSEN) == len(example.masked_positions)
        assert view.count(MASKED) == example.tokens.count("[MASK]")
        assert [view.original[p] for p in example.masked_positions] == list(example.masked_labels)


def test_every_token_is_drawn_with_its_original_under_chosen_ones():
    view = masking_view(SHOWN * 3, positions=[2, 13], labels=["dog", "the"])  # 24 tokens: 2 rows of 14
    figure = draw_masking([view], per_row=14, titles=["one example"])
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts.count("[MASK]") == 3 and texts.count("park") == 3
    assert "was 'dog'" in texts and "was 'the'" in texts and "one example" in texts
    assert len(figure.axes[0].patches) == 24  # one box per token, none lost to wrapping
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == [NOT_CHOSEN, MASKED, RANDOM, UNCHANGED]


def test_draw_masking_refuses_mismatched_titles():
    with pytest.raises(ValueError, match="2 titles for 1 examples"):
        draw_masking([masking_view(SHOWN, [2], ["dog"])], titles=["a", "b"])


def test_shares_figure_shows_measured_and_recipe():
    figure = plot_masking_shares(0.152, {MASKED: 0.79, RANDOM: 0.11, UNCHANGED: 0.10})
    left, right = figure.axes
    assert [bar.get_height() for bar in right.patches] == pytest.approx([0.79, 0.11, 0.10])
    assert [t.get_text() for t in right.texts] == ["79.0%", "11.0%", "10.0%"]
    assert left.patches[0].get_height() == pytest.approx(0.152) and left.lines[0].get_ydata()[0] == 0.15
    assert [line.get_ydata()[0] for line in right.lines] == [RECIPE[MASKED], RECIPE[RANDOM], RECIPE[UNCHANGED]]
    with pytest.raises(ValueError, match="lacks"):
        plot_masking_shares(0.15, {MASKED: 0.8})
