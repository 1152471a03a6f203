"""Vocab (vocab.txt) and greedy longest-match-first WordPiece (bertlib/tokenization/wordpiece.py)."""

from __future__ import annotations

import re

import pytest

from bertlib.tokenization.wordpiece import SPECIAL_TOKENS, Piece, Vocab, WordPiece


def test_greedy_longest_match_first(tiny_vocab):
    wordpiece = WordPiece(tiny_vocab)
    assert wordpiece.tokenize("unaffable") == ["un", "##aff", "##able"]
    # "ab" is preferred over "a" + "##b": the longest piece wins, even where a shorter one would do.
    assert wordpiece.tokenize("ab") == ["ab"]
    assert wordpiece.tokenize("aab") == ["a", "##a", "##b"]


def test_greedy_does_not_backtrack(tiny_vocab):
    # "abs": the longest first piece is "ab", then "##s"; nothing is tried again after a dead end.
    wordpiece = WordPiece(tiny_vocab)
    assert wordpiece.tokenize("abs") == ["ab", "##s"]
    assert wordpiece.tokenize("abx") == ["[UNK]"]


def test_a_word_that_cannot_be_split_is_one_unknown_token(tiny_vocab):
    wordpiece = WordPiece(tiny_vocab)
    assert wordpiece.split("unzip") == (Piece("[UNK]", 1, 0, 5),)


def test_words_over_the_length_limit_are_unknown(tiny_vocab):
    wordpiece = WordPiece(tiny_vocab, max_input_chars_per_word=100)
    assert wordpiece.tokenize("a" * 100) == ["a"] + ["##a"] * 99
    assert wordpiece.tokenize("a" * 101) == ["[UNK]"]


def test_pieces_know_their_characters(tiny_vocab):
    pieces = WordPiece(tiny_vocab).split("unaffable")
    assert [(p.token, p.id, p.start, p.end) for p in pieces] == [
        ("un", 5, 0, 2),
        ("##aff", 6, 2, 5),
        ("##able", 7, 5, 9),
    ]


def test_the_cache_returns_the_same_pieces(tiny_vocab):
    wordpiece = WordPiece(tiny_vocab, cache_size=2)
    first = [wordpiece.split(word) for word in ("unaffable", "ab", "aab", "unaffable")]
    assert first[0] == first[3]
    assert wordpiece.split.cache_info().hits == 0  # "unaffable" had left the 2-word cache
    assert wordpiece.split("aab") is first[2]


def test_vocab_knows_tokens_ids_and_special_ids(tiny_vocab):
    assert len(tiny_vocab) == 24
    assert tiny_vocab.ids["cat"] == 13 and tiny_vocab.tokens[13] == "cat"
    assert "dog" in tiny_vocab and "cow" not in tiny_vocab
    special = tiny_vocab.special
    assert (special.pad, special.unk, special.cls, special.sep, special.mask) == (0, 1, 2, 3, 4)


def test_real_vocab_special_ids(minilm_vocab_file):
    vocab = Vocab.load(minilm_vocab_file)
    assert len(vocab) == 30522
    special = vocab.special
    assert (special.pad, special.unk, special.cls, special.sep, special.mask) == (0, 100, 101, 102, 103)


def test_save_and_load_round_trip_byte_for_byte(minilm_vocab_file, tmp_path):
    vocab = Vocab.load(minilm_vocab_file)
    saved = vocab.save(tmp_path / "vocab.txt")
    assert saved.read_bytes() == minilm_vocab_file.read_bytes()
    assert Vocab.load(saved) == vocab


@pytest.mark.parametrize("missing", SPECIAL_TOKENS)
def test_a_vocab_without_a_special_token_is_a_clear_error(missing):
    tokens = [t for t in SPECIAL_TOKENS if t != missing] + ["cat"]
    with pytest.raises(ValueError, match=r"lacks the special token\(s\) " + re.escape(missing)):
        Vocab(tokens)


def test_windows_line_endings_read_as_plain_ones(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_bytes("\r\n".join([*SPECIAL_TOKENS, "cat"]).encode() + b"\r\n")
    assert Vocab.load(path).tokens == (*SPECIAL_TOKENS, "cat")


def test_bad_vocab_files_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="lists 'cat' twice"):
        Vocab([*SPECIAL_TOKENS, "cat", "cat"])
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join([*SPECIAL_TOKENS, "", "cat"]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="empty token"):
        Vocab.load(path)
    with pytest.raises(ValueError, match="line break"):
        Vocab([*SPECIAL_TOKENS, "two\nlines"])
    with pytest.raises(FileNotFoundError, match="No vocabulary file"):
        Vocab.load(tmp_path / "missing.txt")
