"""Tagged sentences: the text nbval compares, the HTML a student sees, and mistakes marked in both."""

from __future__ import annotations

import pytest

from bertlib.data.examples import NerExample
from bertlib.viz.tagging import (
    ENTITY_COLOURS,
    MISTAKE_STYLE,
    TaggedSentence,
    TaggedSentences,
    entity_colours,
    tagged_examples,
    tagged_text,
)

WORDS = ("anna", "walked", "to", "little", "harlow", "with", "her", "dog")
GOLD = ("B-PER", "O", "O", "B-LOC", "I-LOC", "O", "O", "B-ANIMAL")


def test_tagged_text_brackets_each_entity_with_its_type():
    assert tagged_text(WORDS, GOLD) == "[anna|PER] walked to [little harlow|LOC] with her [dog|ANIMAL]"


def test_tagged_text_follows_conlleval_for_stray_and_adjacent_tags():
    assert tagged_text(["a", "b", "c"], ["O", "I-LOC", "B-LOC"]) == "a [b|LOC] [c|LOC]"
    assert tagged_text(["a", "b"], ["B-PER", "I-LOC"]) == "[a|PER] [b|LOC]"


def test_bad_tags_are_errors_that_say_what_to_fix():
    with pytest.raises(ValueError, match="8 words but 7 tags"):
        tagged_text(WORDS, GOLD[:-1])
    with pytest.raises(ValueError, match="not a BIO tag"):
        TaggedSentence(("a",), ("PER",))
    with pytest.raises(ValueError, match="needs gold tags, predicted tags, or both"):
        TaggedSentence(WORDS)
    with pytest.raises(TypeError, match="one per word"):
        tagged_text(["a"], "O")


def test_mistakes_are_the_entities_without_an_exact_match():
    predicted = ("B-PER", "O", "O", "B-LOC", "O", "O", "O", "B-ANIMAL")  # "little" alone: a wrong span
    sentence = TaggedSentence(WORDS, GOLD, predicted, "test-1")
    assert not sentence.correct
    assert {(c.type, c.start, c.end) for c in sentence.mistakes("gold")} == {("LOC", 3, 5)}
    assert {(c.type, c.start, c.end) for c in sentence.mistakes("predicted")} == {("LOC", 3, 4)}
    assert sentence.text() == (
        "test-1\n"
        "gold:      [anna|PER] walked to [little harlow|LOC]✗ with her [dog|ANIMAL]\n"
        "predicted: [anna|PER] walked to [little|LOC]✗ harlow with her [dog|ANIMAL]"
    )
    assert sentence.html().count(MISTAKE_STYLE) == 2
    assert TaggedSentence(WORDS, GOLD, GOLD).correct and TaggedSentence(WORDS, GOLD).correct is None


def test_html_escapes_words_and_uses_one_colour_per_type():
    sentence = TaggedSentence(("<b>", "met", "ann"), ("O", "O", "B-PER"))
    page = sentence._repr_html_()
    assert "&lt;b&gt;" in page and "<b>" not in page
    assert ENTITY_COLOURS["PER"] in page
    assert "<script" not in page and "http" not in page


def test_colours_are_fixed_for_known_types_and_distinct_for_others():
    colours = entity_colours(["ZOO", "PER", "CAR", "PER"])
    assert colours["PER"] == ENTITY_COLOURS["PER"]
    assert list(colours) == ["CAR", "PER", "ZOO"] and colours["CAR"] != colours["ZOO"]
    assert entity_colours(["ZOO", "CAR"]) == {"CAR": colours["CAR"], "ZOO": colours["ZOO"]}


def test_many_sentences_share_a_legend_and_print_as_text():
    examples = [NerExample("dev-1", WORDS, GOLD), NerExample("dev-2", ("tom", "slept"), ("B-PER", "O"))]
    shown = tagged_examples(examples, [GOLD, ("O", "O")], title="two sentences")
    assert shown.text().startswith("two sentences\ndev-1\ngold:")
    assert shown.text().endswith("gold:      [tom|PER]✗ slept\npredicted: tom slept")
    page = shown.html()
    assert "no exact match in the other row" in page  # the legend, since both rows are shown
    assert page.count(ENTITY_COLOURS["ANIMAL"]) >= 3  # legend + gold + predicted
    gold_only = tagged_examples(examples)
    assert "predicted" not in gold_only.text() and "no exact match" not in gold_only.html()
    with pytest.raises(ValueError, match="2 examples but 1 predicted"):
        tagged_examples(examples, [GOLD])
    with pytest.raises(ValueError, match="no sentences to show"):
        TaggedSentences(())


def test_ipython_shows_the_text_as_plain_repr():
    from IPython.lib.pretty import pretty

    sentence = TaggedSentence(WORDS, GOLD)
    assert pretty(sentence) == sentence.text() == "gold: " + tagged_text(WORDS, GOLD)
