"""Fuzzing the tokenizer with 10,000 seeded random Unicode strings, over the real MiniLM vocabulary.

For every string (and for it paired with the string before it): no exception; all columns of the
encoding have one entry per token; every offset lies inside its own text; every piece comes from the
text its offsets cover. And wherever no [UNK] appears, decoding round-trips:
``decode(ids, clean_up_tokenization_spaces=False) == " ".join(basic.tokenize(text))``, i.e. the text as
the basic tokenizer normalises it by design (lower-cased, accents and control characters gone,
whitespace runs as one space, a space around every punctuation mark and CJK ideograph). Most random
strings hold some character the vocabulary lacks, so the same holds word by word as well: the pieces
of every word that is not [UNK] join up to that word.
"""

from __future__ import annotations

import itertools
import random

import pytest

STRINGS = 10_000
UNLIMITED = 10**9

# (weight, first code point, last code point): a mix of categories and planes, lone surrogates included.
CODE_POINT_RANGES = [
    (40, 0x20, 0x7E),  # printable ASCII
    (4, 0x00, 0x1F),  # ASCII controls
    (10, 0x80, 0x24F),  # Latin-1 and Latin Extended
    (4, 0x300, 0x36F),  # combining marks
    (5, 0x370, 0x4FF),  # Greek and Cyrillic
    (8, 0x500, 0xFFFF),  # the rest of the Basic Multilingual Plane, surrogates and private use included
    (5, 0x4E00, 0x9FFF),  # CJK ideographs
    (3, 0xAC00, 0xD7A3),  # Hangul syllables
    (4, 0x2000, 0x206F),  # general punctuation, spaces and format characters
    (4, 0x1F300, 0x1FAFF),  # emoji
    (3, 0x10000, 0x10FFFF),  # every other plane, mostly unassigned
]
WHITESPACE = " \t\n\r\u00a0\u3000\u2028"


def random_string(rng: random.Random) -> str:
    weights = [weight for weight, _, _ in CODE_POINT_RANGES]
    chars = []
    for _ in range(rng.randint(0, 30)):
        if rng.random() < 0.15:
            chars.append(rng.choice(WHITESPACE))
            continue
        _, low, high = rng.choices(CODE_POINT_RANGES, weights)[0]
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


@pytest.fixture(scope="module")
def strings() -> list[str]:
    rng = random.Random(12345)
    return [random_string(rng) for _ in range(STRINGS)]


def check_encoding(tokenizer, encoding, texts: list[str]) -> None:
    columns = (
        encoding.token_type_ids,
        encoding.attention_mask,
        encoding.tokens,
        encoding.offsets,
        encoding.sequence_ids,
        encoding.word_ids,
        encoding.special_tokens_mask,
    )
    assert all(len(column) == len(encoding.input_ids) for column in columns)
    for token, (start, end), sequence_id in zip(encoding.tokens, encoding.offsets, encoding.sequence_ids, strict=True):
        if sequence_id is None:
            assert (start, end) == (0, 0)
            continue
        text = texts[sequence_id]
        assert 0 <= start < end <= len(text), (text, token, start, end)
        if token != "[UNK]":
            covered = "".join(tokenizer.basic.tokenize(text[start:end]))
            assert token.removeprefix("##") in covered, (text, token, start, end)


def test_random_unicode_never_breaks_the_tokenizer(minilm_tokenizer, strings):
    for previous, text in itertools.pairwise(["", *strings]):
        check_encoding(minilm_tokenizer, minilm_tokenizer.encode(text, max_length=UNLIMITED), [text])
        pair = minilm_tokenizer.encode(text, previous, max_length=UNLIMITED)
        check_encoding(minilm_tokenizer, pair, [text, previous])


def test_decoding_round_trips_wherever_the_vocabulary_covers_the_text(minilm_tokenizer, strings):
    unk = minilm_tokenizer.vocab.special.unk
    checked = 0
    for text in strings:
        ids = minilm_tokenizer.encode(text, max_length=UNLIMITED).input_ids
        if unk in ids:
            continue
        decoded = minilm_tokenizer.decode(ids, clean_up_tokenization_spaces=False)
        assert decoded == " ".join(minilm_tokenizer.basic.tokenize(text)), text
        checked += 1
    assert checked >= STRINGS // 10  # the round trip was really tested, not skipped


def test_the_pieces_of_every_known_word_join_up_to_the_word(minilm_tokenizer, strings):
    known_words = 0
    for text in strings:
        tokenized = minilm_tokenizer.tokenize_with_offsets(text)
        words = minilm_tokenizer.basic.tokenize(text)
        pieces: list[list[str]] = [[] for _ in words]
        for token, word_id in zip(tokenized.tokens, tokenized.word_ids, strict=True):
            pieces[word_id].append(token.removeprefix("##"))
        for word, word_pieces in zip(words, pieces, strict=True):
            if word_pieces != ["[UNK]"]:
                assert "".join(word_pieces) == word, text
                known_words += 1
    assert known_words >= 3 * STRINGS
