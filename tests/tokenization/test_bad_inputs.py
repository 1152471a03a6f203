"""Bad inputs to the tokenizer: each gets an error that names the bad value (and the file, line or
option) and the fix, or the right result. Nothing is silently truncated, rounded or re-read.

Each case is one named parametrize entry, so a failure says which student mistake regressed.
"""

from __future__ import annotations

import itertools
import json

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bertlib.errors import BertlibInputError
from bertlib.tokenization import BertTokenizer, Vocab, window_starts

from .conftest import encode_windows

TINY_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "dog", "a", "cat", "sat", "."]


@pytest.fixture
def tok() -> BertTokenizer:
    return BertTokenizer(Vocab(TINY_TOKENS))


def write_vocab(directory, data: bytes):
    path = directory / "vocab.txt"
    path.write_bytes(data)
    return path


def vocab_bytes(tokens=TINY_TOKENS, newline="\n") -> bytes:
    return "".join(token + newline for token in tokens).encode("utf-8")


# -- calls with a bad value: (call, regex the message must match) ----------------------------------

BAD_CALLS = {
    "pair-max-length-2-below-3-specials": (
        lambda t: t.encode("the dog", "a cat", max_length=2, truncation=True),
        r"max_length=2 leaves no room for the 3 special tokens.*use max_length=3 or more",
    ),
    "pair-max-length-2-longest-first": (
        lambda t: t.encode("the dog", "a cat", max_length=2, truncation="longest_first"),
        r"max_length=2.*3 special tokens.*max_length=3 or more",
    ),
    "single-max-length-1": (
        lambda t: t.encode("the dog", max_length=1, truncation=True),
        r"max_length=1 leaves no room for the 2 special tokens.*max_length=2 or more",
    ),
    "max-length-bool": (
        lambda t: t.encode("the dog", max_length=True),
        r"max_length=True must be a whole number.*max_length=128",
    ),
    "max-length-float": (lambda t: t.encode("the dog", max_length=12.5), r"max_length=12.5 must be a whole number"),
    "encode-batch-one-string": (
        lambda t: t.encode_batch("the dog"),
        r"texts='the dog', one string.*7 one-character texts.*texts=\['the dog'\].*encode",
    ),
    "encode-batch-pairs-one-string": (
        lambda t: t.encode_batch(["the dog"], "a cat"),
        r"pairs='a cat', one string.*Wrap it in a list",
    ),
    "encode-batch-int-item": (
        lambda t: t.encode_batch(["the dog", 7]),
        r"texts\[1\] is 7 \(type int\), not a string.*str\(\)",
    ),
    "encode-batch-none-item": (lambda t: t.encode_batch([None]), r"texts\[0\] is None \(type NoneType\)"),
    "encode-batch-pairs-item": (
        lambda t: t.encode_batch(["a", "b"], ["c", b"d"]),
        r"pairs\[1\] is b'd' \(type bytes\)",
    ),
    "encode-batch-length-mismatch": (
        lambda t: t.encode_batch(["a", "b"], ["c"]),
        r"2 texts but 1 pairs; give one pair per text",
    ),
    "encode-int-text": (lambda t: t.encode(5), r"encode got text=5 \(type int\).*one string.*encode_batch"),
    "encode-list-text": (
        lambda t: t.encode(["the", "dog"]),
        r"encode got text=\['the', 'dog'\] \(type list\).*encode_batch",
    ),
    # The windowing routine (window_starts, Google's doc_stride: how far a window moves) refuses what
    # would skip tokens or never end; a doc_stride above the room moves by the room instead.
    "windows-negative-stride": (
        lambda t: window_starts(3, room=2, doc_stride=-2),
        r"doc_stride=-2.*at least 1.*never reach the end",
    ),
    "windows-float-stride": (lambda t: window_starts(3, room=2, doc_stride=1.5), r"doc_stride=1.5.*whole number"),
    "windows-zero-stride": (lambda t: window_starts(3, room=2, doc_stride=0), r"doc_stride=0.*at least 1.*e.g. 64"),
    "windows-no-room": (
        lambda t: encode_windows(t, "the", "dog sat", max_length=3, doc_stride=1),
        r"room=-1.*raise max_seq_length or shorten the question",
    ),
    "decode-floats": (lambda t: t.decode([5.7, 6.2]), r"ids\[0\] is 5.7 \(type float\).*whole numbers"),
    "decode-bool": (lambda t: t.decode([5, True]), r"ids\[1\] is True \(type bool\)"),
    "decode-float-tensor": (lambda t: t.decode(torch.tensor([5.0, 6.0])), r"torch.float32 tensor.*integer token ids"),
    "decode-2d-tensor": (lambda t: t.decode(torch.tensor([[5, 6]])), r"shape \(1, 2\).*one sequence.*input_ids\[0\]"),
    "decode-out-of-range": (
        lambda t: t.decode([5, 11]),
        r"Token id 11 is outside this vocabulary of 11 tokens.*ids\[1\]",
    ),
    "decode-negative": (lambda t: t.decode([-1]), r"Token id -1 is outside.*ids 0 to 10"),
    "decode-string": (lambda t: t.decode("5 6"), r"a string; pass a list of integer token ids"),
    "padding-option-typo": (lambda t: t.encode("the", padding="max"), r"padding='max' is not one of"),
    "truncation-option-1": (lambda t: t.encode("the", truncation=1), r"truncation=1 is not one of"),
}


@pytest.mark.parametrize("case", list(BAD_CALLS.values()), ids=list(BAD_CALLS))
def test_bad_call_names_the_value_and_the_fix(tok, case):
    call, message = case
    with pytest.raises(BertlibInputError, match=message):
        call(tok)


@pytest.mark.parametrize(
    "setting, message",
    [
        (dict(lowercase="false"), r"lowercase='false' must be true or false.*not a str"),
        (dict(strip_accents=1), r"strip_accents=1 must be true or false"),
        (dict(model_max_length=1), r"model_max_length=1 leaves no room.*model_max_length=2 or more"),
        (dict(model_max_length="512"), r"model_max_length='512' must be a whole number"),
    ],
    ids=["lowercase-string", "strip-accents-int", "model-max-length-1", "model-max-length-string"],
)
def test_bad_constructor_setting_is_refused(setting, message):
    with pytest.raises(BertlibInputError, match=message):
        BertTokenizer(Vocab(TINY_TOKENS), **setting)


# -- vocab.txt as editors leave it ---------------------------------------------------------------

TOLERATED_VOCABS = {
    "utf8-bom": b"\xef\xbb\xbf" + vocab_bytes(),
    "crlf": vocab_bytes(newline="\r\n"),
    "trailing-spaces": vocab_bytes(newline="  \n"),
    "trailing-tab-and-cr": vocab_bytes(newline="\t\r\n"),
    "no-final-newline": vocab_bytes()[:-1],
    "blank-lines-at-end": vocab_bytes() + b"\n \n\n",
}


@pytest.mark.parametrize("data", list(TOLERATED_VOCABS.values()), ids=list(TOLERATED_VOCABS))
def test_vocab_file_as_editors_save_it_reads_the_same(tmp_path, data):
    vocab = Vocab.load(write_vocab(tmp_path, data))
    assert vocab.tokens == tuple(TINY_TOKENS)
    assert vocab.special.pad == 0 and vocab.special.unk == 1
    assert BertTokenizer(vocab).encode("the dog").tokens == ["[CLS]", "the", "dog", "[SEP]"]


BAD_VOCABS = {
    "duplicate-token": (vocab_bytes(TINY_TOKENS + ["dog"]), r"lists 'dog' twice: on lines 7 and 12.*delete line 12"),
    "duplicate-after-trailing-space": (
        vocab_bytes(TINY_TOKENS[:6]) + b"the \n",
        r"lists 'the' twice: on lines 6 and 7.*surrounding spaces",
    ),
    "blank-line-inside": (
        vocab_bytes(TINY_TOKENS[:6]) + b"\n" + vocab_bytes(TINY_TOKENS[6:]),
        r"empty token \(a blank line\) at line 7 \(id 6\).*placeholder such as \[unused6\]",
    ),
    "latin1-bytes": (
        vocab_bytes() + "caf\xe9\n".encode("latin-1"),
        r"vocab.txt is not UTF-8: byte 54 \(0xe9, on line 12\).*re-save it as UTF-8",
    ),
    "missing-specials": (vocab_bytes(TINY_TOKENS[5:]), r"lacks the special token\(s\) \[PAD\].*add the missing"),
}


@pytest.mark.parametrize("case", list(BAD_VOCABS.values()), ids=list(BAD_VOCABS))
def test_bad_vocab_file_names_the_file_line_and_fix(tmp_path, case):
    data, message = case
    path = write_vocab(tmp_path, data)
    with pytest.raises(BertlibInputError, match=message) as error:
        Vocab.load(path)
    assert str(path) in str(error.value)


# -- tokenizer_config.json -----------------------------------------------------------------------

BAD_CONFIGS = {
    "invalid-json": (
        '{"do_lower_case": true,\n "model_max_length": }',
        r"not valid JSON \(.* line 2, column 22.*delete",
    ),
    "a-list": ("[1, 2]", r"holds a JSON list.*must be an object"),
    "lower-case-string-false": (
        '{"do_lower_case": "false"}',
        r"do_lower_case='false' must be true or false.*not a str.*without quotes",
    ),
    "lower-case-int": ('{"do_lower_case": 0}', r"do_lower_case=0 must be true or false"),
    "strip-accents-string": ('{"strip_accents": "yes"}', r"strip_accents='yes' must be true or false"),
    "max-length-string": ('{"model_max_length": "512"}', r"model_max_length='512' must be a whole number"),
    "chinese-chars-off": ('{"tokenize_chinese_chars": false}', r"tokenize_chinese_chars=false.*remove the setting"),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS.values()), ids=list(BAD_CONFIGS))
def test_bad_tokenizer_config_names_the_file_and_fix(tmp_path, case):
    text, message = case
    write_vocab(tmp_path, vocab_bytes())
    (tmp_path / "tokenizer_config.json").write_text(text, encoding="utf-8")
    with pytest.raises(BertlibInputError, match=message) as error:
        BertTokenizer.from_pretrained(tmp_path)
    assert "tokenizer_config.json" in str(error.value)


@pytest.mark.parametrize("value, lowercased", [(False, False), (True, True)], ids=["false", "true"])
def test_do_lower_case_bool_is_obeyed(tmp_path, value, lowercased):
    write_vocab(tmp_path, vocab_bytes(TINY_TOKENS + ["The"]))
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": value}), encoding="utf-8")
    tokens = BertTokenizer.from_pretrained(tmp_path).tokenize("The")
    assert tokens == (["the"] if lowercased else ["The"])


def test_tokenizer_config_with_bom_is_read(tmp_path):
    write_vocab(tmp_path, vocab_bytes(TINY_TOKENS + ["The"]))
    (tmp_path / "tokenizer_config.json").write_bytes(b"\xef\xbb\xbf" + b'{"do_lower_case": false}')
    assert BertTokenizer.from_pretrained(tmp_path).tokenize("The") == ["The"]


# -- properties: truncation never exceeds max_length; windows cover every token -------------------

WORDS = st.lists(st.sampled_from(["the", "dog", "a", "cat", "sat", "."]), max_size=12).map(" ".join)
STRATEGIES = st.sampled_from([True, "longest_first", "only_first", "only_second"])


@settings(max_examples=200, deadline=None)
@given(text=WORDS, pair=st.none() | WORDS, max_length=st.integers(0, 16), truncation=STRATEGIES)
def test_truncation_never_exceeds_max_length(text, pair, max_length, truncation):
    tok = BertTokenizer(Vocab(TINY_TOKENS))
    try:
        encoding = tok.encode(text, pair, max_length=max_length, truncation=truncation)
    except BertlibInputError as error:  # allowed only for a reason it names
        assert "max_length" in str(error) or "truncation=" in str(error)
        assert max_length < (3 if pair is not None else 2) or truncation not in (True, "longest_first")
        return
    assert len(encoding) <= max_length
    assert encoding.tokens.count("[CLS]") == 1 and encoding.tokens.count("[SEP]") == (2 if pair is not None else 1)
    if truncation in (True, "longest_first"):  # the budget is used whole when the text is long enough
        full = len(tok.encode(text, pair, max_length=10_000))
        assert len(encoding) == min(full, max_length)


@settings(max_examples=200, deadline=None)
@given(
    text=WORDS,
    question=st.none() | st.sampled_from(["the", "a cat"]),
    max_length=st.integers(4, 10),
    doc_stride=st.integers(0, 6),
)
def test_windows_cover_every_token_in_order(text, question, max_length, doc_stride):
    tok = BertTokenizer(Vocab(TINY_TOKENS))
    moving = tok.tokenize(text)
    try:
        windows = encode_windows(
            tok, question or text, text if question else None, max_length=max_length, doc_stride=doc_stride
        )
    except BertlibInputError as error:
        assert f"doc_stride={doc_stride}" in str(error) or "room=" in str(error)
        return
    sequence = 1 if question else 0
    pieces = [[t for t, s in zip(w.tokens, w.sequence_ids, strict=True) if s == sequence] for w in windows]
    covered = [t for piece in pieces[:1] for t in piece]
    for previous, piece in itertools.pairwise(pieces):
        overlap = len(previous) - min(len(previous), doc_stride)  # Google's doc_stride is the move
        assert previous[len(previous) - overlap :] == piece[:overlap]
        covered += piece[overlap:]
    assert covered == moving  # every token, once, in order
    assert all(len(w) <= max_length for w in windows)


# -- second sweep: calls that used to read a string as characters, or fail inside re / mkdir ------

MORE_BAD_CALLS = {
    "tokenize-words-one-string": (
        lambda t, tmp: t.tokenize_words("the dog"),
        r"tokenize_words got one string, 'the dog'.*one character at a time.*text\.split\(\)",
    ),
    "tokenize-bytes": (lambda t, tmp: t.tokenize(b"hello"), r"text=b'hello', which is bytes.*\.decode\('utf-8'\)"),
    "tokenize-with-offsets-int": (lambda t, tmp: t.tokenize_with_offsets(5), r"tokenize got text=5 \(type int\)"),
    "save-into-a-file": (
        lambda t, tmp: t.save(tmp / "taken"),
        r"taken is a file, so save cannot make the folder.*"
        r"Choose another path",
    ),
    "save-under-a-file": (lambda t, tmp: t.save(tmp / "taken" / "sub"), r"taken is a file.*taken/sub"),
}


@pytest.mark.parametrize("case", list(MORE_BAD_CALLS.values()), ids=list(MORE_BAD_CALLS))
def test_more_bad_calls_name_the_value_and_the_fix(tok, tmp_path, case):
    call, message = case
    (tmp_path / "taken").write_text("mine\n")
    with pytest.raises(BertlibInputError, match=message):
        call(tok, tmp_path)
    assert (tmp_path / "taken").read_text() == "mine\n"  # nothing replaced


def test_tokenize_words_of_a_list_is_unchanged(tok):
    assert tok.tokenize_words(["the", "dog"]).tokens == ["the", "dog"]


def test_home_folder_is_expanded_on_load(tok, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    tok.save(tmp_path / "mine")
    assert list(BertTokenizer.from_pretrained("~/mine").vocab.tokens) == TINY_TOKENS
    assert list(BertTokenizer.from_vocab_file("~/mine/vocab.txt").vocab.tokens) == TINY_TOKENS
