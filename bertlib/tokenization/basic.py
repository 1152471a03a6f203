"""BERT's basic tokenizer: from raw text to words, remembering where every character came from.

The steps, in the order BERT applies them:

1. **Cleaning.** NUL, U+FFFD and every control, format, private-use or unassigned character (Unicode
   category ``C*``, except tab, newline and carriage return) is dropped. Whitespace (space, tab, newline,
   carriage return and the Unicode separators ``Z*``) becomes a plain space.
2. **CJK.** Every CJK ideograph is surrounded by spaces, so that it becomes a word of its own.
3. **Accents** (uncased models): each character is decomposed (NFD) and its non-spacing marks (``Mn``)
   are dropped, so ``é`` becomes ``e``.
4. **Lower-casing** (uncased models), one character at a time.
5. **Splitting** on spaces, with every punctuation character a word of its own.

Steps 1 to 4 replace each original character by a short string, often itself, sometimes nothing, and
sometimes several characters (a Hangul syllable decomposes into its letters). So every normalised
character comes from exactly one original character. `NormalizedText.origins` records which, and this
is how offsets into the original text survive every step. They are the same offsets that Hugging Face's
fast tokenizer reports.

Its job ends at words: cutting a word into vocabulary pieces belongs to wordpiece.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Code points that BERT treats as CJK ideographs (Google's original list, also used by Hugging Face).
CJK_RANGES = (
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0x3400, 0x4DBF),  # Extension A
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2B73F),  # Extension C
    (0x2B740, 0x2B81F),  # Extension D
    (0x2B820, 0x2CEAF),  # Extension E
    (0xF900, 0xFAFF),  # Compatibility Ideographs
    (0x2F800, 0x2FA1F),  # Compatibility Ideographs Supplement
)

# BERT counts every ASCII character that is not a letter, digit or space as punctuation, including
# symbols such as $, ^ and ` that Unicode files under S* rather than P*.
ASCII_PUNCTUATION = frozenset(chr(cp) for cp in [*range(33, 48), *range(58, 65), *range(91, 97), *range(123, 127)])

_KEPT_CONTROLS = "\t\n\r"  # controls by category, but BERT reads them as whitespace


def is_whitespace(char: str) -> bool:
    """Space, tab, newline, carriage return, or a Unicode separator (Zs, Zl, Zp)."""
    return char in _KEPT_CONTROLS or unicodedata.category(char).startswith("Z")


def is_control(char: str) -> bool:
    """A character that cleaning drops: category C* (NUL and the other controls, format, private use,
    unassigned, surrogate) except tab, newline and carriage return; plus U+FFFD, the replacement
    character."""
    if char in _KEPT_CONTROLS:
        return False
    return char == "\ufffd" or unicodedata.category(char).startswith("C")


def is_punctuation(char: str) -> bool:
    """ASCII punctuation and symbols (see `ASCII_PUNCTUATION`) or any Unicode punctuation (P*)."""
    return char in ASCII_PUNCTUATION or unicodedata.category(char).startswith("P")


def is_cjk(char: str) -> bool:
    """A CJK ideograph (see `CJK_RANGES`). Hangul, hiragana and katakana are not: they are written
    with spaces between words, so BERT treats them like any other letters."""
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


def strip_accents(text: str) -> str:
    """Decompose (NFD) and drop the non-spacing marks: ``"Crème"`` -> ``"Creme"``."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


@dataclass(frozen=True)
class NormalizedText:
    """Text after cleaning, CJK spacing, accent stripping and lower-casing.

    `origins[i]` is the index, in the original text, of the character that produced `text[i]`.
    """

    text: str
    origins: list[int]


@dataclass(frozen=True, slots=True)
class Word:
    """One word of the basic tokenizer: its normalised text and, per character, where it came from."""

    text: str
    origins: tuple[int, ...]

    @property
    def start(self) -> int:
        """Offset of the word's first character in the original text."""
        return self.origins[0]

    @property
    def end(self) -> int:
        """Offset just past the word's last character in the original text."""
        return self.origins[-1] + 1


_WORD = re.compile(r"[^ ]+")  # after normalisation a plain space is the only separator left


class BasicTokenizer:
    """Splits text into BERT's words, keeping each word's offsets into the original text.

    `lowercase` lower-cases (an uncased model); `strip_accents` defaults to `lowercase`, as in BERT.
    Each distinct character is normalised once and remembered: a text has few distinct characters.
    """

    def __init__(self, lowercase: bool = True, strip_accents: bool | None = None):
        """Lower-case (and strip accents, unless told otherwise) when `lowercase`."""
        self.lowercase = lowercase
        self.strip_accents = lowercase if strip_accents is None else strip_accents
        self._replacements: dict[str, str] = {}

    def tokenize(self, text: str) -> list[str]:
        """The words of `text`, e.g. ``"Héllo, world!"`` -> ``["hello", ",", "world", "!"]``."""
        return _WORD.findall(self.normalize(text).text)

    def split(self, text: str) -> list[Word]:
        """The words of `text`, each with the offsets of its characters in `text`."""
        normalized = self.normalize(text)
        origins = normalized.origins
        return [
            Word(match.group(), tuple(origins[match.start() : match.end()]))
            for match in _WORD.finditer(normalized.text)
        ]

    def normalize(self, text: str) -> NormalizedText:
        """Steps 1 to 4 of the module docstring, with punctuation already surrounded by spaces."""
        pieces: list[str] = []
        origins: list[int] = []
        for index, char in enumerate(text):
            replacement = self._replacements.get(char)
            if replacement is None:
                replacement = self._replacements[char] = self.normalize_char(char)
            pieces.append(replacement)
            if len(replacement) == 1:  # the common case, kept cheap
                origins.append(index)
            else:
                origins.extend([index] * len(replacement))
        return NormalizedText("".join(pieces), origins)

    def normalize_char(self, char: str) -> str:
        """What one original character becomes: ``""`` (dropped), ``" "`` (whitespace), or its
        normalised form with a space on each side of every CJK ideograph and punctuation mark."""
        if is_control(char):
            return ""
        if is_whitespace(char):
            return " "
        if is_cjk(char):
            return f" {char} "
        if self.strip_accents:
            # One character at a time, NFD cannot reorder combining marks across characters; only
            # the few spacing marks with a combining class (Mc) survive stripping to show it, and
            # none of them is in BERT's vocabulary.
            char = strip_accents(char)
        if self.lowercase:
            # One character at a time (as Hugging Face's fast tokenizer does), so a capital sigma
            # always becomes "σ", never the word-final "ς" that str.lower() picks from context.
            char = "".join(c.lower() for c in char)
        return "".join(f" {c} " if is_punctuation(c) else c for c in char)
