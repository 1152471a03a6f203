"""BertTokenizer: text (or a pair of texts) in, model inputs out, and back.

It ties basic.py (words) and wordpiece.py (pieces) together and adds what a model input needs:
``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]``, token type ids (0 for A and its [SEP], 1 for B and its
[SEP]), truncation, padding with an attention mask, character offsets, and decoding.

Rules that matter when you use it:

- Nothing is cut unless you ask. An input longer than `max_length` (or `model_max_length`, 512 by
  default, when no `max_length` is given) raises a ValueError unless `truncation` names a strategy.
  For text of any length without special tokens, use `tokenize` or `tokenize_with_offsets`.
- Offsets are ``(start, end)`` character positions in the text the token came from; `sequence_ids`
  says which text that is: 0 for `text`, 1 for `pair`, None for [CLS], [SEP] and [PAD], whose offsets
  are (0, 0). These are the offsets of Hugging Face's fast tokenizer (`return_offsets_mapping=True`).
- `word_ids` gives, per token, the index of the basic tokenizer's word it came from (counted from 0 in
  each text), so word-level labels can go on a word's first piece.
- The special tokens written literally in a text (``"the cat [MASK] down"``) become those tokens, as
  in Hugging Face; pass ``split_special_tokens=True`` to read them as ordinary text.
- Bad input is refused, never reinterpreted: a `max_length` too small for the special tokens (2 for
  one text, 3 for a pair), one string given to `encode_batch` (it is not a list
  of characters), a float or out-of-range id given to `decode`, a setting of the wrong type in
  tokenizer_config.json. Each raises `bertlib.errors.BertlibInputError` (a ValueError) naming the
  value, where it came from, and the fix.
- `decode` joins ``##`` pieces and, by default, tidies spaces before punctuation as Hugging Face does.
  With ``clean_up_tokenization_spaces=False`` it round-trips: wherever no [UNK] appears,
  ``decode(encode(x).input_ids, clean_up_tokenization_spaces=False)`` equals
  ``" ".join(tokenizer.basic.tokenize(x))``: the text lower-cased, without accents, control
  characters or repeated spaces, with one space around each punctuation mark and CJK ideograph.

Its job ends at lists of ids (and, on request, the tensors of a batch): what a model does with them
belongs to bertlib.model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, SupportsIndex, TypeGuard

import torch

from bertlib.errors import BertlibInputError, read_json
from bertlib.tokenization.basic import BasicTokenizer
from bertlib.tokenization.batch import Batch
from bertlib.tokenization.wordpiece import CLS, MASK, PAD, SEP, SPECIAL_TOKENS, UNK, Vocab, WordPiece

Truncation = Literal[False, True, "longest_first", "only_first", "only_second"]
Padding = Literal[False, "longest", "max_length"]
TRUNCATIONS = (False, True, "longest_first", "only_first", "only_second")
PADDINGS = (False, "longest", "max_length")

VOCAB_FILE = "vocab.txt"
CONFIG_FILE = "tokenizer_config.json"
DEFAULT_MAX_LENGTH = 512  # BERT's number of position embeddings


@dataclass
class TokenizedText:
    """The WordPiece tokens of one text, without special tokens, with where each came from."""

    tokens: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    offsets: list[tuple[int, int]] = field(default_factory=list)
    word_ids: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        """The number of tokens."""
        return len(self.ids)

    def window(self, start: int, stop: int) -> TokenizedText:
        """Tokens `start` to `stop` (exclusive)."""
        return TokenizedText(
            self.tokens[start:stop], self.ids[start:stop], self.offsets[start:stop], self.word_ids[start:stop]
        )

    def add(self, token: str, token_id: int, offsets: tuple[int, int], word_id: int | None = None) -> None:
        """Append one token; `word_id=None` makes it a word of its own."""
        self.tokens.append(token)
        self.ids.append(token_id)
        self.offsets.append(offsets)
        self.word_ids.append(self.next_word_id() if word_id is None else word_id)

    def next_word_id(self) -> int:
        """The word id the next new word gets: one more than the last, 0 at the start."""
        return self.word_ids[-1] + 1 if self.word_ids else 0


@dataclass
class Encoding:
    """One model input: a text or a pair of texts with [CLS]/[SEP], maybe truncated and padded.

    Every list has one entry per token. `special_tokens_mask` is 1 for [CLS], [SEP] and [PAD].
    """

    input_ids: list[int] = field(default_factory=list)
    token_type_ids: list[int] = field(default_factory=list)
    attention_mask: list[int] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    offsets: list[tuple[int, int]] = field(default_factory=list)
    sequence_ids: list[int | None] = field(default_factory=list)
    word_ids: list[int | None] = field(default_factory=list)
    special_tokens_mask: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        """The number of tokens, special tokens and padding included."""
        return len(self.input_ids)

    def add_special(self, token: str, token_id: int, type_id: int = 0, attention: int = 1) -> None:
        """Append [CLS], [SEP] or (with attention=0) [PAD]."""
        self.tokens.append(token)
        self.input_ids.append(token_id)
        self.token_type_ids.append(type_id)
        self.attention_mask.append(attention)
        self.offsets.append((0, 0))
        self.sequence_ids.append(None)
        self.word_ids.append(None)
        self.special_tokens_mask.append(1)

    def add_text(self, text: TokenizedText, sequence_id: int) -> None:
        """Append the tokens of text A (sequence_id=0) or B (sequence_id=1); the type id is the same."""
        n = len(text)
        self.tokens += text.tokens
        self.input_ids += text.ids
        self.token_type_ids += [sequence_id] * n
        self.attention_mask += [1] * n
        self.offsets += text.offsets
        self.sequence_ids += [sequence_id] * n
        self.word_ids += text.word_ids
        self.special_tokens_mask += [0] * n


@dataclass
class BatchEncoding:
    """The encodings of a batch, padded to a common length unless padding=False."""

    encodings: list[Encoding]

    def __len__(self) -> int:
        """The number of encodings."""
        return len(self.encodings)

    def __getitem__(self, index: int) -> Encoding:
        """The encoding at `index`."""
        return self.encodings[index]

    @property
    def input_ids(self) -> list[list[int]]:
        """Each encoding's token ids."""
        return [e.input_ids for e in self.encodings]

    @property
    def token_type_ids(self) -> list[list[int]]:
        """Each encoding's token type ids (0 = first text, 1 = second)."""
        return [e.token_type_ids for e in self.encodings]

    @property
    def attention_mask(self) -> list[list[int]]:
        """Each encoding's attention mask (1 = real token, 0 = padding)."""
        return [e.attention_mask for e in self.encodings]

    def to_tensors(self) -> Batch:
        """The batch as int64 tensors of shape (B, T)."""
        lengths = sorted({len(e) for e in self.encodings})
        if len(lengths) > 1:
            raise BertlibInputError(
                f"The encodings have different lengths ({lengths[0]} to {lengths[-1]}), so they cannot "
                "form a tensor; encode the batch with padding='longest' or padding='max_length'."
            )
        return Batch(
            torch.tensor(self.input_ids, dtype=torch.long),  # (B, T)
            torch.tensor(self.token_type_ids, dtype=torch.long),  # (B, T)
            torch.tensor(self.attention_mask, dtype=torch.long),  # (B, T)
        )


class BertTokenizer:
    """BERT's tokenizer: basic tokenizer, then WordPiece, then [CLS]/[SEP], truncation and padding."""

    def __init__(
        self,
        vocab: Vocab,
        lowercase: bool = True,
        strip_accents: bool | None = None,
        model_max_length: int = DEFAULT_MAX_LENGTH,
        split_special_tokens: bool = False,
    ):
        """A tokenizer over `vocab`; every setting is checked (a wrong type is an error)."""
        _check_bool("lowercase", lowercase, "True for an uncased vocabulary, False for a cased one")
        if strip_accents is not None:
            _check_bool("strip_accents", strip_accents, "or None to follow lowercase")
        _check_bool("split_special_tokens", split_special_tokens, "")
        _check_length("model_max_length", model_max_length, _special_count(pair=False))
        self.vocab = vocab
        self.basic = BasicTokenizer(lowercase=lowercase, strip_accents=strip_accents)
        self.wordpiece = WordPiece(vocab)
        self.model_max_length = model_max_length
        self.split_special_tokens = split_special_tokens
        self._special_token_pattern = re.compile("|".join(map(re.escape, SPECIAL_TOKENS)))

    # ----- loading and saving -----

    @classmethod
    def from_vocab_file(cls, path: str | Path, lowercase: bool = True, **options) -> BertTokenizer:
        """A tokenizer over a vocab.txt; `lowercase=True` for uncased vocabularies."""
        return cls(Vocab.load(path), lowercase=lowercase, **options)

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> BertTokenizer:
        """Load a directory in Hugging Face's layout: vocab.txt and, if present, tokenizer_config.json
        (its do_lower_case, strip_accents and model_max_length are used). A setting of the wrong type
        (``"do_lower_case": "false"``, a string) is an error naming the file and the field, never
        read as true."""
        directory = Path(directory).expanduser()
        config_path = directory / CONFIG_FILE
        config = _read_config(config_path) if config_path.is_file() else {}
        if config.get("tokenize_chinese_chars", True) is False:
            raise BertlibInputError(
                f"{config_path} sets tokenize_chinese_chars=false, which this tokenizer "
                "lacks; remove the setting (true is BERT's default) or use transformers."
            )
        try:
            return cls.from_vocab_file(
                directory / VOCAB_FILE,
                lowercase=config.get("do_lower_case", True),
                strip_accents=config.get("strip_accents"),
                model_max_length=config.get("model_max_length", DEFAULT_MAX_LENGTH),
            )
        except _SettingError as error:  # name the file the bad setting came from
            field_name = {"lowercase": "do_lower_case"}.get(error.name, error.name)
            raise BertlibInputError(f"{config_path}: {error.message.replace(error.name, field_name)}") from None

    def save(self, directory: str | Path) -> Path:
        """Write vocab.txt and tokenizer_config.json, for our `from_pretrained` or Hugging Face's."""
        directory = Path(directory).expanduser()
        blocker = next((p for p in (directory, *directory.parents) if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise BertlibInputError(
                f"{blocker} is a file, so save cannot make the folder {directory} (it writes "
                f"{VOCAB_FILE} and {CONFIG_FILE} there). Choose another path, e.g. a new folder."
            )
        directory.mkdir(parents=True, exist_ok=True)
        self.vocab.save(directory / VOCAB_FILE)
        config = {
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": self.basic.lowercase,
            "strip_accents": self.basic.strip_accents,
            "tokenize_chinese_chars": True,
            "model_max_length": self.model_max_length,
            "pad_token": PAD,
            "unk_token": UNK,
            "cls_token": CLS,
            "sep_token": SEP,
            "mask_token": MASK,
        }
        (directory / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        return directory

    # ----- text to tokens -----

    def tokenize(self, text: str) -> list[str]:
        """The WordPiece tokens of `text`, without [CLS]/[SEP]: ``"Hello!"`` -> ``["hello", "!"]``."""
        return self.tokenize_with_offsets(text).tokens

    def tokenize_with_offsets(self, text: str) -> TokenizedText:
        """The tokens of `text` (any length) with their ids, offsets and word ids."""
        _check_text("text", text, "tokenize")
        out = TokenizedText()
        position = 0
        for match in self._special_tokens_in(text):
            self._add_words(out, text, position, match.start())
            out.add(match.group(), self.vocab.ids[match.group()], (match.start(), match.end()))
            position = match.end()
        self._add_words(out, text, position, len(text))
        return out

    def tokenize_words(self, words: Sequence[str]) -> TokenizedText:
        """The tokens of a text already split into `words` (Hugging Face's ``is_split_into_words``):
        `word_ids` index `words`, and each word's offsets are within that word. A word that tokenizes
        to nothing (only control characters) becomes one [UNK], so that it keeps its place (and its
        label, for word-level tasks)."""
        if isinstance(words, str):
            raise BertlibInputError(
                f"tokenize_words got one string, {_short(words)}, which would be read one character at a "
                "time; pass its words as a list (e.g. text.split()), or call tokenize_with_offsets(text)."
            )
        out = TokenizedText()
        unk = self.vocab.special.unk
        for word_id, word in enumerate(words):
            pieces = self.tokenize_with_offsets(word)
            if not pieces.ids:
                out.add(UNK, unk, (0, len(word)), word_id)
            for token, token_id, offsets in zip(pieces.tokens, pieces.ids, pieces.offsets, strict=True):
                out.add(token, token_id, offsets, word_id)
        return out

    def _special_tokens_in(self, text: str) -> list[re.Match]:
        """Where [CLS], [MASK] and the other special tokens are written in `text`."""
        return [] if self.split_special_tokens else list(self._special_token_pattern.finditer(text))

    def _add_words(self, out: TokenizedText, text: str, start: int, end: int) -> None:
        """Append the pieces of the words of `text[start:end]`, with offsets into `text`."""
        for word in self.basic.split(text[start:end]):
            word_id = out.next_word_id()
            origins = word.origins
            for piece in self.wordpiece.split(word.text):
                offsets = (start + origins[piece.start], start + origins[piece.end - 1] + 1)
                out.add(piece.token, piece.id, offsets, word_id)

    def convert_tokens_to_ids(self, tokens: Sequence[str]) -> list[int]:
        """Ids of `tokens`; a token not in the vocabulary gets the id of [UNK]."""
        unk = self.vocab.special.unk
        return [self.vocab.ids.get(token, unk) for token in tokens]

    def convert_ids_to_tokens(self, ids: Sequence[int]) -> list[str]:
        """Tokens of `ids` (ints or a 1-D integer tensor). A float, a bool or an id outside the
        vocabulary is an error naming its position: nothing is rounded or clipped."""
        size = len(self.vocab)
        return [self.vocab.tokens[_token_id(value, index, size)] for index, value in enumerate(_id_list(ids))]

    # ----- model inputs -----

    def encode(
        self,
        text: str,
        pair: str | None = None,
        *,
        max_length: int | None = None,
        truncation: Truncation = False,
        padding: Padding = False,
    ) -> Encoding:
        """``[CLS] text [SEP]`` or ``[CLS] text [SEP] pair [SEP]`` as one model input.

        The length limit is `max_length`, or `model_max_length` when it is None. Over the limit, it is
        an error unless `truncation` is "longest_first" (or True: drop a token from the end of the
        longer text, from `pair` on a tie, until it fits; BERT's rule), "only_first" or "only_second".
        ``padding="max_length"`` pads to the limit; "longest" and False leave one input unpadded.
        """
        _check_text("text", text, "encode")
        if pair is not None:
            _check_text("pair", pair, "encode")
        _check_option("truncation", truncation, TRUNCATIONS)
        _check_option("padding", padding, PADDINGS)
        limit = self._limit(max_length, pair=pair is not None)
        first = self.tokenize_with_offsets(text)
        second = None if pair is None else self.tokenize_with_offsets(pair)
        first, second = _truncate(first, second, limit, truncation)
        return self.build_inputs(first, second, pad_to=limit if padding == "max_length" else None)

    def encode_batch(
        self,
        texts: Sequence[str],
        pairs: Sequence[str] | None = None,
        *,
        max_length: int | None = None,
        truncation: Truncation = False,
        padding: Padding = "longest",
    ) -> BatchEncoding:
        """`encode` for each text (and pair), padded to the longest (or to the limit with "max_length").
        `texts` is a list of strings: one string alone is refused, not read as a list of characters."""
        _check_texts("texts", texts)
        if pairs is not None:
            _check_texts("pairs", pairs)
        if pairs is not None and len(pairs) != len(texts):
            raise BertlibInputError(
                f"encode_batch got {len(texts)} texts but {len(pairs)} pairs; give one pair per text (or pairs=None)."
            )
        _check_option("padding", padding, PADDINGS)
        partners: Sequence[str | None] = [None] * len(texts) if pairs is None else pairs
        encodings = [
            self.encode(text, pair, max_length=max_length, truncation=truncation)
            for text, pair in zip(texts, partners, strict=True)
        ]
        if padding == "longest" and encodings:
            self._pad_all(encodings, max(len(e) for e in encodings))
        elif padding == "max_length":
            self._pad_all(encodings, self._limit(max_length))
        return BatchEncoding(encodings)

    def _limit(self, max_length: int | None, pair: bool = False) -> int:
        """The length limit: `max_length`, or `model_max_length` when None. It must hold the special
        tokens ([CLS] A [SEP] is 2, [CLS] A [SEP] B [SEP] is 3), or truncation could not keep it."""
        if max_length is None:
            max_length = self.model_max_length
            name = "model_max_length"
        else:
            name = "max_length"
        _check_length(name, max_length, _special_count(pair), pair)
        return max_length

    def build_inputs(
        self, first: TokenizedText, second: TokenizedText | None = None, *, pad_to: int | None = None
    ) -> Encoding:
        """``[CLS] first [SEP]`` or ``[CLS] first [SEP] second [SEP]``, padded to `pad_to` tokens if given.

        The one input builder of bertlib: `encode` and every feature maker of bertlib.data call it.
        No length check: `encode` checks and truncates, then calls this; feature makers check their own
        limits (a QA window, for instance, is cut by `bertlib.tokenization.windows.window_starts`)."""
        special = self.vocab.special
        encoding = Encoding()
        encoding.add_special(CLS, special.cls)
        encoding.add_text(first, sequence_id=0)
        encoding.add_special(SEP, special.sep)
        if second is not None:
            encoding.add_text(second, sequence_id=1)
            encoding.add_special(SEP, special.sep, type_id=1)
        if pad_to is not None:
            self._pad_all([encoding], pad_to)
        return encoding

    def _pad_all(self, encodings: list[Encoding], length: int) -> None:
        """Append [PAD] (type 0, attention 0) to each encoding until it has `length` tokens."""
        for encoding in encodings:
            for _ in range(length - len(encoding)):
                encoding.add_special(PAD, self.vocab.special.pad, attention=0)

    # ----- ids to text -----

    def decode(
        self, ids: Sequence[int], skip_special_tokens: bool = True, clean_up_tokenization_spaces: bool = True
    ) -> str:
        """The text of `ids` (ints or a 1-D tensor): ``##`` pieces joined to their word, words joined by
        spaces. `skip_special_tokens` leaves out [PAD], [UNK], [CLS], [SEP] and [MASK];
        `clean_up_tokenization_spaces` removes the space before . , ! ? and in "n't", "'s" and the like."""
        tokens = self.convert_ids_to_tokens(ids)
        if skip_special_tokens:
            tokens = [token for token in tokens if token not in SPECIAL_TOKENS]
        text = " ".join(tokens).replace(" ##", "").strip()
        return clean_up_tokenization(text) if clean_up_tokenization_spaces else text


def clean_up_tokenization(text: str) -> str:
    """Hugging Face's clean-up of decoded text: no space before . ? ! , and in English contractions."""
    for spaced, tidy in _CLEAN_UPS:
        text = text.replace(spaced, tidy)
    return text


_CLEAN_UPS = [
    (" .", "."),
    (" ?", "?"),
    (" !", "!"),
    (" ,", ","),
    (" ' ", "'"),
    (" n't", "n't"),
    (" 'm", "'m"),
    (" 's", "'s"),
    (" 've", "'ve"),
    (" 're", "'re"),
]


def _check_option(name: str, value: object, allowed: tuple) -> None:
    # `value in allowed` would let 0 pass for False and 1 for True.
    if not any(value is choice or (isinstance(choice, str) and value == choice) for choice in allowed):
        raise BertlibInputError(f"{name}={value!r} is not one of {', '.join(map(repr, allowed))}; pass one of those.")


class _SettingError(BertlibInputError):
    """A constructor setting of the wrong type or range; `from_pretrained` adds the file's name."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


def _check_bool(name: str, value: object, hint: str) -> None:
    if not isinstance(value, bool):
        also = f" ({hint})" if hint else ""
        raise _SettingError(
            name,
            f"{name}={value!r} must be true or false{also}, not a "
            f"{type(value).__name__}; write {name}=True or {name}=False "
            "(in JSON: true or false, without quotes).",
        )


def _check_length(name: str, value: object, least: int, pair: bool = False) -> None:
    """A length limit must be a whole number that holds the special tokens."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _SettingError(name, f"{name}={value!r} must be a whole number of tokens, e.g. {name}=128.")
    if value < least:
        holds = "[CLS] A [SEP] B [SEP] (a pair)" if pair else "[CLS] A [SEP]"
        raise _SettingError(
            name,
            f"{name}={value} leaves no room for the {least} special tokens of {holds}; "
            f"use {name}={least} or more (with room for text, e.g. 128).",
        )


def _check_text(name: str, value: object, method: str) -> None:
    if isinstance(value, (bytes, bytearray)):
        raise BertlibInputError(
            f"{method} got {name}={_short(value)}, which is bytes, not text; decode it first: {name}.decode('utf-8')."
        )
    if not isinstance(value, str):
        raise BertlibInputError(
            f"{method} got {name}={_short(value)} (type {type(value).__name__}), but it takes "
            "one string; for a list of texts call encode_batch."
        )


def _check_texts(name: str, values: object) -> None:
    """`encode_batch`'s texts (or pairs): a sequence of strings, not one string."""
    if isinstance(values, str):
        raise BertlibInputError(
            f"encode_batch got {name}={_short(values)}, one string, which would be read as "
            f"{len(values)} one-character texts. Wrap it in a list ({name}=[{_short(values)}]) or call "
            "encode for a single text."
        )
    if not isinstance(values, Sequence):
        raise BertlibInputError(f"encode_batch got {name} of type {type(values).__name__}; pass a list of strings.")
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise BertlibInputError(
                f"encode_batch: {name}[{index}] is {_short(value)} (type "
                f"{type(value).__name__}), not a string; every item must be a text "
                "(convert it with str() or drop it)."
            )


def _short(value: object, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _id_list(ids: Iterable[object] | torch.Tensor) -> list:
    """`ids` as a list of Python values, refusing a float tensor or one of more than one dimension."""
    if isinstance(ids, torch.Tensor):
        if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool or ids.dim() != 1:
            raise BertlibInputError(
                f"The ids are a {ids.dtype} tensor of shape {tuple(ids.shape)}; pass one sequence of "
                "integer token ids (a 1-D integer tensor or a list of ints), e.g. batch.input_ids[0]."
            )
        return ids.tolist()
    if isinstance(ids, (str, bytes)):
        raise BertlibInputError(
            f"The ids are {_short(ids)}, a string; pass a list of integer token ids "
            "(tokenizer.encode(text).input_ids gives one)."
        )
    return list(ids)


def _token_id(value: object, index: int, size: int) -> int:
    """One token id: an integer (Python, NumPy or 0-d tensor) from 0 to size - 1."""
    if isinstance(value, torch.Tensor) and value.dim() == 0 and not value.is_floating_point():
        value = value.item()
    if isinstance(value, bool) or not (isinstance(value, int) or _is_numpy_integer(value)):
        raise BertlibInputError(
            f"ids[{index}] is {value!r} (type {type(value).__name__}); token ids are whole numbers. Pass the "
            "integer ids the tokenizer gave (e.g. logits.argmax(-1).tolist()), not scores or rounded values."
        )
    number = int(value)  # a Python int already, or a NumPy integer
    if not 0 <= number < size:
        raise BertlibInputError(
            f"Token id {number} is outside this vocabulary of {size} tokens (ids 0 "
            f"to {size - 1}; it is ids[{index}]); decode ids made with this tokenizer's vocab.txt."
        )
    return number


def _is_numpy_integer(value: object) -> TypeGuard[SupportsIndex]:
    kind = getattr(getattr(value, "dtype", None), "kind", None)  # numpy scalars, without importing numpy
    return kind in ("i", "u") and getattr(value, "ndim", None) == 0


def _read_config(path: Path) -> dict:
    """tokenizer_config.json as a dict, with errors that name the file, the line and the fix."""
    config = read_json(
        path,
        'tokenizer_config.json is UTF-8 JSON, an object like {"do_lower_case": true}: fix that spot or '
        "re-save it as UTF-8, or delete the file to use the defaults.",
    )
    if not isinstance(config, dict):
        raise BertlibInputError(
            f"{path} holds a JSON {type(config).__name__}, but tokenizer_config.json must be an object of "
            'settings, e.g. {"do_lower_case": true}; fix it, or delete it to use the defaults.'
        )
    return config


def _special_count(pair: bool) -> int:
    """[CLS] A [SEP] has 2 special tokens, [CLS] A [SEP] B [SEP] has 3."""
    return 3 if pair else 2


def _truncate(
    first: TokenizedText, second: TokenizedText | None, limit: int, truncation: Truncation
) -> tuple[TokenizedText, TokenizedText | None]:
    """Both texts, cut as `truncation` says so that they fit `limit` tokens with their special tokens."""
    budget = limit - _special_count(second is not None)
    n_first, n_second = len(first), 0 if second is None else len(second)
    if n_first + n_second <= budget:
        return first, second
    if truncation is False:
        raise BertlibInputError(
            f"The input has {n_first + n_second + limit - budget} tokens with [CLS] and [SEP], more than "
            f"the limit of {limit}. Pass truncation='longest_first' (or 'only_first' / 'only_second' for a "
            "pair) to cut it, or a larger max_length (a BERT takes at most as many tokens as it has "
            "positions)."
        )
    if truncation in (True, "longest_first"):
        n_first, n_second = _longest_first(n_first, n_second, budget)
    elif truncation == "only_first":
        n_first = _room_left(budget, n_second, truncation)
    else:  # "only_second"
        if second is None:
            raise BertlibInputError("truncation='only_second' needs a pair; use 'longest_first' for a single text.")
        n_second = _room_left(budget, n_first, "only_second")
    return first.window(0, n_first), None if second is None else second.window(0, n_second)


def _longest_first(n_first: int, n_second: int, budget: int) -> tuple[int, int]:
    """Google's _truncate_seq_pair: drop a token from the longer text (the second on a tie) until both
    fit. Hugging Face's fast tokenizer differs on a tie with an odd budget: it leaves the extra token
    to the second text."""
    while n_first + n_second > budget:
        if n_first > n_second:
            n_first -= 1
        else:
            n_second -= 1
    return n_first, n_second


def _room_left(budget: int, other_length: int, truncation: str) -> int:
    """Tokens left for the text being cut when the other one is kept whole."""
    if other_length > budget:
        raise BertlibInputError(
            f"truncation={truncation!r} keeps the other text whole, but it alone has {other_length} "
            f"tokens, more than the {budget} there is room for; use truncation='longest_first' or a larger "
            "max_length."
        )
    return budget - other_length
