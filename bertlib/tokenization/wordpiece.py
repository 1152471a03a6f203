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
        self.tokens: tuple[str, ...] = tuple(tokens)
        self.ids: dict[str, int] = {}
        for index, token in enumerate(self.tokens):
            _check_token(token, index, source)
            if token in self.ids:
                raise ValueError(
                    f"{source} lists {token!r} twice (ids {self.ids[token]} and {index}); "
                    "every token must appear once."
                )
            self.ids[token] = index
        missing = [token for token in SPECIAL_TOKENS if token not in self.ids]
        if missing:
            raise ValueError(
                f"{source} lacks the special token(s) {', '.join(missing)}. A BERT vocabulary needs all "
                f"of {', '.join(SPECIAL_TOKENS)}; add the missing ones as lines of their own "
                "(train_wordpiece puts them first)."
            )
        self.special = SpecialIds(*(self.ids[token] for token in SPECIAL_TOKENS))

    @classmethod
    def load(cls, path: str | Path) -> Vocab:
        """Read a vocab.txt (UTF-8, one token per line; Windows line endings are fine)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"No vocabulary file at {path}; a BERT vocabulary is a vocab.txt file.")
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines[-1] == "":  # the newline that ends the last line
            lines.pop()
        return cls(lines, source=str(path))

    def save(self, path: str | Path) -> Path:
        """Write vocab.txt, one token per line; `Vocab.load` reads back the same vocabulary."""
        path = Path(path)
        path.write_text("".join(token + "\n" for token in self.tokens), encoding="utf-8", newline="\n")
        return path

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.ids

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self.tokens == other.tokens

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens)"


def _check_token(token: str, index: int, source: str) -> None:
    if not token:
        raise ValueError(f"{source} has an empty token (an empty line) at id {index}.")
    if "\n" in token or "\r" in token:
        raise ValueError(f"{source} has a line break inside the token at id {index}: {token!r}.")


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
