"""BERT's basic tokenizer, rule by rule, and the offsets it keeps (bertlib/tokenization/basic.py)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bertlib.tokenization.basic import (
    BasicTokenizer,
    is_cjk,
    is_control,
    is_punctuation,
    is_whitespace,
    strip_accents,
)

uncased = BasicTokenizer(lowercase=True)
cased = BasicTokenizer(lowercase=False)


def test_cleaning_drops_nul_replacement_and_control_characters_without_splitting_words():
    assert uncased.tokenize("a\x00b\ufffdc\x07d\u200be\ufeff") == ["abcde"]
    assert uncased.tokenize("\x00\x01\x7f") == []


def test_tab_newline_and_unicode_spaces_separate_words():
    text = "a\tb\nc\r\nd\u00a0e\u3000f\u2028g\u2029h\u2003i"
    assert uncased.tokenize(text) == list("abcdefghi")


def test_runs_of_whitespace_and_empty_text_give_no_empty_words():
    assert uncased.tokenize("  hello \t\t  world  \n") == ["hello", "world"]
    assert uncased.tokenize("") == []
    assert uncased.tokenize(" \t\n\u3000") == []


def test_uncased_lowercases_and_strips_accents():
    assert uncased.tokenize("Héllo CRÈME Brûlée Ångström") == ["hello", "creme", "brulee", "angstrom"]
    assert uncased.tokenize("e\u0301te\u0301") == ["ete"]  # already decomposed


def test_cased_keeps_case_and_accents():
    assert cased.tokenize("Héllo CRÈME") == ["Héllo", "CRÈME"]


def test_lowercase_without_accent_stripping():
    assert BasicTokenizer(lowercase=True, strip_accents=False).tokenize("Héllo") == ["héllo"]
    assert BasicTokenizer(lowercase=False, strip_accents=True).tokenize("Héllo") == ["Hello"]


def test_lowercasing_is_per_character_so_capital_sigma_is_always_small_sigma():
    # str.lower() would write the word-final sigma "ς"; BERT's fast tokenizer does not.
    assert uncased.tokenize("ΟΔΟΣ") == ["οδοσ"]


def test_ascii_symbols_and_unicode_punctuation_are_words_of_their_own():
    assert uncased.tokenize("a$b^c`d") == ["a", "$", "b", "^", "c", "`", "d"]
    assert uncased.tokenize("¿qué?«sí»") == ["¿", "que", "?", "«", "si", "»"]
    assert uncased.tokenize("don't...") == ["don", "'", "t", ".", ".", "."]


def test_punctuation_is_judged_after_normalisation():
    # "≠" decomposes into "=" and a combining mark, and "=" is punctuation.
    assert uncased.tokenize("a≠b") == ["a", "=", "b"]
    assert cased.tokenize("a≠b") == ["a≠b"]


def test_cjk_ideographs_are_words_of_their_own_but_kana_and_hangul_are_not():
    assert uncased.tokenize("日本語abc") == ["日", "本", "語", "abc"]
    # (the voicing mark of "が" decomposes into a combining mark, stripped like an accent)
    assert uncased.tokenize("ひらがな カタカナ") == ["ひらかな", "カタカナ"]
    assert uncased.tokenize("한국어") == [unicodedata.normalize("NFD", "한국어")]  # one word, in letters


@pytest.mark.parametrize(
    "char, cjk",
    [
        ("\u4e00", True),
        ("\u9fff", True),
        ("\u3400", True),
        ("\U00020000", True),
        ("\U0002b820", True),
        ("\uf900", True),
        ("\U0002f800", True),
        ("\u3042", False),
        ("\uac00", False),
        ("a", False),
    ],
)
def test_cjk_ranges(char, cjk):
    assert is_cjk(char) is cjk


def test_character_classes():
    assert all(is_whitespace(c) for c in " \t\n\r\u00a0\u2028\u2029\u3000")
    assert not any(is_whitespace(c) for c in "a\x0b\x0c\x85\u200b")
    assert all(is_control(c) for c in "\x00\x01\x0b\x7f\x85\u200b\ufeff\ufffd\ue000")
    assert not any(is_control(c) for c in "\t\n\r a")
    assert all(is_punctuation(c) for c in "!/:@[`{~¿«—、")
    assert not any(is_punctuation(c) for c in "a1 €©")


def test_whitespace_is_exactly_tab_newline_return_and_the_separators():
    expected = {"\t", "\n", "\r"} | {
        chr(cp) for cp in range(0x3001) if unicodedata.category(chr(cp)) in ("Zs", "Zl", "Zp")
    }
    assert {chr(cp) for cp in range(0x3001) if is_whitespace(chr(cp))} == expected


def test_strip_accents():
    assert strip_accents("Crème brûlée") == "Creme brulee"
    assert strip_accents("한") == "\u1112\u1161\u11ab"  # Hangul decomposes into letters, none dropped


def test_word_offsets_point_into_the_original_text():
    text = "  Héllo,\tWORLD!"
    words = uncased.split(text)
    assert [(w.text, w.start, w.end) for w in words] == [("hello", 2, 7), (",", 7, 8), ("world", 9, 14), ("!", 14, 15)]


def test_offsets_survive_dropped_and_decomposed_characters():
    # a, a control, b, then a combining accent at the end: the word covers a..b only.
    [word] = uncased.split("a\x01b\u0301")
    assert (word.text, word.start, word.end, word.origins) == ("ab", 0, 3, (0, 2))
    # One Hangul syllable becomes three letters, all from the same character.
    [word] = uncased.split("한")
    assert word.origins == (0, 0, 0)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_every_normalised_character_comes_from_a_character_that_produces_it(text):
    normalized = uncased.normalize(text)
    assert len(normalized.origins) == len(normalized.text)
    for char, origin in zip(normalized.text, normalized.origins, strict=True):
        assert char in uncased.normalize_char(text[origin])
    assert normalized.origins == sorted(normalized.origins)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_tokenize_and_split_agree(text):
    assert [w.text for w in uncased.split(text)] == uncased.tokenize(text)
