"""The vocabulary (vocab.txt) and WordPiece: cutting one word into vocabulary pieces.

WordPiece is greedy longest-match-first. From the start of the word it takes the longest prefix that
is in the vocabulary, then the longest continuation of the rest, written with a ``##`` in front, and
so on: ``"unaffable"`` -> ``["un", "##aff", "##able"]``. A word that cannot be cut this way, or that is
longer than `max_input_chars_per_word` characters, becomes the single token ``[UNK]``.

Its job ends at one word: finding words in text belongs to basic.py, and adding [CLS]/[SEP], pairs,
padding and truncation to tokenizer.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bertlib.errors import BertlibInputError

PAD, UNK, CLS, SEP, MASK = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"
#: The special tokens every BERT vocabulary needs, in the order our own trained vocabularies put them
#: (ids 0 to 4). Google's released vocabularies have them elsewhere ([PAD]=0, [UNK]=100, [CLS]=101,
#: [SEP]=102, [MASK]=103); ids are always looked up by token, never assumed.
SPECIAL_TOKENS = (PAD, UNK, CLS, SEP, MASK)

CONTINUATION = "##"  # marks a piece that continues a word rather than starting one


@dataclass(frozen=True)
class SpecialIds:
    """The ids of the five special tokens in one vocabulary."""

    pad: int
    unk: int
    cls: int
    sep: int
    mask: int


class Vocab:
    """Token <-> id, as in vocab.txt: one token per line, the id is the line number (from 0)."""

    def __init__(self, tokens: Iterable[str], source: str = "the vocabulary"):
        """The vocabulary of `tokens` in order (id = position); `source` names it in errors."""
        self.tokens: tuple[str, ...] = tuple(tokens)
        self.ids: dict[str, int] = {}
        for index, token in enumerate(self.tokens):
            _check_token(token, index, source)
            if token in self.ids:
                first = self.ids[token]
                raise BertlibInputError(
                    f"{source} lists {token!r} twice: on lines {first + 1} and {index + 1} (ids {first} and "
                    f"{index}). Every token must appear once; delete line {index + 1} (if the two lines "
                    "look different, they differ only in surrounding spaces, which a token cannot hold)."
                )
            self.ids[token] = index
        missing = [token for token in SPECIAL_TOKENS if token not in self.ids]
        if missing:
            raise BertlibInputError(
                f"{source} lacks the special token(s) {', '.join(missing)}. A BERT vocabulary needs all "
                f"of {', '.join(SPECIAL_TOKENS)}; add the missing ones as lines of their own "
                "(train_wordpiece puts them first)."
            )
        self.special = SpecialIds(*(self.ids[token] for token in SPECIAL_TOKENS))

    @classmethod
    def load(cls, path: str | Path) -> Vocab:
        """Read a vocab.txt: UTF-8, one token per line, the id is the line number counted from 0.

        What editors add is tolerated, as Google's `load_vocab` does: a UTF-8 byte-order mark,
        Windows line endings, and spaces or tabs around a token (a BERT token never holds whitespace,
        because the basic tokenizer splits words on it, so they cannot be part of the token). Blank
        lines at the very end are dropped; a blank line elsewhere would shift every later id, so it is
        an error naming the line, as are a token listed twice and bytes that are not UTF-8."""
        path = Path(path).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"No vocabulary file at {path}; a BERT vocabulary is a vocab.txt file.")
        lines = [line.strip() for line in _read_utf8(path).removeprefix("\ufeff").split("\n")]
        while lines and lines[-1] == "":  # the newline that ends the last line, and blank lines after it
            lines.pop()
        return cls(lines, source=str(path))

    def save(self, path: str | Path) -> Path:
        """Write vocab.txt, one token per line; `Vocab.load` reads back the same vocabulary."""
        path = Path(path)
        path.write_text("".join(token + "\n" for token in self.tokens), encoding="utf-8", newline="\n")
        return path

    def __len__(self) -> int:
        """The number of tokens."""
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        """Whether `token` is in the vocabulary."""
        return token in self.ids

    def __eq__(self, other: object) -> bool:
        """Two vocabularies are equal when they hold the same tokens in the same order."""
        return isinstance(other, Vocab) and self.tokens == other.tokens

    def __repr__(self) -> str:
        """``Vocab(N tokens)``."""
        return f"Vocab({len(self)} tokens)"


def _check_token(token: str, index: int, source: str) -> None:
    if not isinstance(token, str):
        raise BertlibInputError(
            f"{source} has {token!r} at id {index}, which is not a string; a vocabulary is a list of token strings."
        )
    if not token:
        raise BertlibInputError(
            f"{source} has an empty token (a blank line) at line {index + 1} (id {index}). Every line must "
            f"hold one token. If the vocabulary belongs to a trained model, keep the ids in step with its "
            f"embeddings: write a placeholder such as [unused{index}] on that line. Delete the line only "
            "if the vocabulary is your own, before any training (the ids after it move up by one)."
        )
    if "\n" in token or "\r" in token:
        raise BertlibInputError(
            f"{source} has a line break inside the token at id {index}: {token!r}; give one token per line."
        )


def _read_utf8(path: Path) -> str:
    """The text of `path`, or an error naming the file, the line and the byte that is not UTF-8."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise BertlibInputError(
            f"{path} is not UTF-8: byte {error.start} (0x{data[error.start]:02x}, on line {line}) cannot be "
            "decoded. A vocab.txt must be UTF-8; re-save it as UTF-8 (e.g. `iconv -f latin1 -t utf-8`), "
            "or use the vocab.txt that came with the model."
        ) from None


@dataclass(frozen=True, slots=True)
class Piece:
    """One WordPiece token of a word: `word[start:end]` is the text it covers (``##`` not counted)."""

    token: str
    id: int
    start: int
    end: int


class WordPiece:
    """Greedy longest-match-first WordPiece over a `Vocab`.

    Words repeat a lot in text, so the pieces of the most recent `cache_size` distinct words are
    remembered: a repeated word costs one dictionary look-up. The cache never changes a result.
    """

    def __init__(self, vocab: Vocab, max_input_chars_per_word: int = 100, cache_size: int = 65536):
        """Greedy longest-match-first over `vocab`; a word longer than `max_input_chars_per_word`
        characters becomes [UNK]; the pieces of `cache_size` recent words are remembered."""
        self.vocab = vocab
        self.max_input_chars_per_word = max_input_chars_per_word
        # No piece is longer than the longest token (without its ##): no need to try longer ones.
        self._longest = max(len(token.removeprefix(CONTINUATION)) for token in vocab.tokens)
        #: split(word) -> tuple[Piece, ...]: the pieces of one word, through the cache.
        self.split = lru_cache(maxsize=cache_size)(self._split)

    def tokenize(self, word: str) -> list[str]:
        """The tokens of one word, e.g. ``"unaffable"`` -> ``["un", "##aff", "##able"]``."""
        return [piece.token for piece in self.split(word)]

    def _split(self, word: str) -> tuple[Piece, ...]:
        """The pieces of one word (`split`, without the cache); ``[UNK]`` for the whole word if
        it is too long or cannot be cut into vocabulary pieces."""
        if len(word) > self.max_input_chars_per_word:
            return (self._unknown(word),)
        pieces = []
        start = 0
        while start < len(word):
            piece = self._longest_piece(word, start)
            if piece is None:
                return (self._unknown(word),)
            pieces.append(piece)
            start = piece.end
        return tuple(pieces)

    def _longest_piece(self, word: str, start: int) -> Piece | None:
        """The longest vocabulary piece of `word` that starts at `start`, or None."""
        prefix = CONTINUATION if start > 0 else ""
        for end in range(min(len(word), start + self._longest), start, -1):
            token = prefix + word[start:end]
            token_id = self.vocab.ids.get(token)
            if token_id is not None:
                return Piece(token, token_id, start, end)
        return None

    def _unknown(self, word: str) -> Piece:
        return Piece(UNK, self.vocab.special.unk, 0, len(word))
