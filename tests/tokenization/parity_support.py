"""Seeded sample texts and the Hugging Face reference tokenizers, for the parity tests and the benchmark.

`varied_lines()` is the parity sample: a fixed list of edge cases plus seeded random lines built from
pools of fragments written out below (never drawn from Unicode tables, so the sample is the same on
every Python version). `english_lines()` is plain English-like prose for the benchmark.

Used by tests/tokenization/ (through conftest.py) and by benchmarks/bench_tokenizer.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

ENGLISH_WORDS = """
the of and to in a is that for it as was with be by on not he this are or his from at which but have
an they you were her she there been one all we their has would when if so no will more can who said
some what its into them only also time could new about other two then first any may these people like
after over did many before must through back years where much your way well down should because each
just those how too good long very little world own see great same under last while might man day old
year make know take come think look want give use find tell ask work seem feel try leave call small
large next early young important few public bad able child house story river garden morning evening
happy quiet bright dark cold warm quickly slowly together again never always often sometimes kitten
puppy horse village market teacher doctor letter window table chair water bread music city road
""".split()  # noqa: SIM905 -- a word list reads and edits best as plain text

ACCENTED = [
    "café",
    "naïve",
    "résumé",
    "Ångström",
    "Müller",
    "Straße",
    "São Paulo",
    "Łódź",
    "İstanbul",
    "ıi",
    "Dvořák",
    "Tiếng Việt",
    "crème brûlée",
    "jalapeño",
    "Noël",
    "Ærøskøbing",
    "façade",
    "œuvre",
    "ǅemal",
    "ﬁnancial",
    "Ω ohm",
    "K kelvin",
    "Å angstrom",
    "ẞ",
    "Ṩṩ",
    "Ğğ",
    "Čeština",
    "Māori",
    "e\u0301te\u0301",
    "a\u0308bc",
    "n\u0303",
    "\u0301abc",
    "a\u0301\u0316b",
    "x\u0344y",
    "A\u030a",
]

SCRIPTS = [
    "Αθήνα",
    "ελληνικά",
    "λόγος",
    "ὁδός",
    "Москва",
    "привет",
    "Ёлка",
    "Україна",
    "Їжак",
    "مرحبا",
    "العربية",
    "שָׁלוֹם",
    "עברית",
    "नमस्ते",
    "हिन्दी",
    "தமிழ்",
    "বাংলা",
    "ქართული",
    "Հայերեն",
    "สวัสดี",
    "ภาษาไทย",
    "ລາວ",
    "ខ្មែរ",
    "한국어",
    "안녕하세요",
    "한",
    "ひらがな",
    "カタカナ",
    "ｶﾀｶﾅ",
    "ᠮᠣᠩᠭᠣᠯ",
    "ⴰⵣⵓⵍ",
    "Ꭰꮳꭹ",
    "𐌰𐌱𐌲",
    "𝐀𝐁𝐂",
    "𝔘𝔫𝔦",
    "ℌ𝔢𝔩𝔩𝔬",
]

CJK = ["中文", "汉字", "漢字", "北京大学", "日本語", "東京タワー", "𠀀𠀁", "豈更", "\U0002f800", "㐀㐁", "我爱你。"]

EMOJI = [
    "😀",
    "👍🏽",
    "👨\u200d👩\u200d👧",
    "🇫🇷",
    "#\ufe0f\u20e3",
    "❤\ufe0f",
    "🥰",
    "🤖",
    "☕",
    "🏳️‍🌈",
    "✨✨✨",
    "🙂🙃",
    "\U0001faf6",
    "©",
    "®",
    "™",
    "★",
    "♫",
    "☀",
    "⚽",
]

PUNCTUATION = [
    ",",
    ".",
    "!?",
    "...",
    "—",
    "–",
    "…",
    "«",
    "»",
    "“quoted”",
    "‘single’",
    "¿",
    "¡",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "@",
    "#",
    "$",
    "%",
    "^",
    "&",
    "*",
    "_",
    "~",
    "`",
    "|",
    "\\",
    "/",
    ":",
    ";",
    "<",
    ">",
    "=",
    "+",
    '"',
    "'",
    "、",
    "。",
    "「",
    "」",
    "・",
    "‐",
    "§",
    "¶",
    "†",
    "‰",
    "′",
    "″",
    "≠",
    "≤",
    "±",
    "×",
    "÷",
    "°",
    "€",
    "£",
    "¥",
    "‽",
    "⁂",
    "﹏",
    "！",
    "？",
    "（",
    "）",
]

NUMBERS = [
    "42",
    "3.14159",
    "1,000,000",
    "2024-01-15",
    "12:30",
    "٣٤٥",
    "१२३",
    "１２３",
    "½",
    "x²",
    "Ⅻ",
    "0x1F",
    "1e-9",
    "+44 20 7946 0958",
    "$19.99",
    "50%",
    "007",
    "3rd",
    "1st",
    "10km",
    "-273.15°C",
]

CONTROLS = [
    "\x00",
    "\x01",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\x0b",
    "\x0c",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u2060",
    "\ufeff",
    "\ufffd",
    "\u00ad",
    "\ue000",
    "\U000f0000",
    "\x1c",
]

WHITESPACE = [
    " ",
    "  ",
    "   \t ",
    "\t",
    "\n",
    "\r\n",
    "\u00a0",
    "\u3000",
    "\u2003",
    "\u2028",
    "\u2029",
    "\u202f",
    "\u1680",
    "\u205f",
    "\n\n\n",
    "        ",
]

TECHNICAL = [
    "https://example.com/path?q=1&r=2#frag",
    "user@example.org",
    "snake_case_name",
    "camelCaseName",
    "C++",
    "e.g.",
    "U.S.A.",
    "don't",
    "rock'n'roll",
    "#hashtag",
    "@mention",
    "<html>",
    "a/b\\c",
    "f(x)=y",
    "[unused0]",
    "[MASK]",
    "[SEP]",
    "[CLS]",
    "[PAD]",
    "[UNK]",
    "[mask]",
    "x[SEP]y",
    "[MASK][MASK]",
    "[ MASK ]",
    "##ing",
    "O'Brien",
    "—dash—",
    "co-operate",
    "state-of-the-art",
]

MIXED = ["abcДеф", "日本go", "naïve中文", "x😀y", "ab1cd2", "Ωmega", "ΣΟΦΟΣ", "ΟΔΟΣ.", "Δ1x", "ŞİŞLİ"]

EDGE_LINES = [
    "",
    " ",
    "\t\n",
    "   \u3000  ",
    "\x00",
    "\ufffd",
    "\u200b",
    "\u0301",
    "[MASK]",
    ".",
    "日",
    "😀",
    "a" * 99,
    "a" * 100,
    "a" * 101,
    "é" * 101,
    "é" * 100,
    "한" * 34,
    "한" * 33,
    "x" * 300,
    "supercalifragilisticexpialidocious " * 3,
    "the " * 200,
    "A\tB\nC\rD\u2028E\u2029F",
    "Hello, World!",
    "HELLO WORLD",
    "¿Qué tal?",
    "ΟΔΟΣ ΣΟΦΟΣ ΛΟΓΟΣ.",
]

# Characters on which Hugging Face's two tokenizers disagree because the Rust `tokenizers` library has
# older Unicode tables (and a typo in one CJK range) than Python's `unicodedata`: an unassigned code
# point (slow drops it, fast keeps it), characters new in Unicode 14 (a format character and a
# punctuation mark), and CJK Extension E U+2B820-U+2B91F (slow: CJK, fast: not).
UNICODE_TABLE_LINES = ["a\u0378b", "q\u0890r", "a\u2e5db", "x\U0002b820y", "see\U0002b8ff!"]

# Each pool's weight is how often a fragment is drawn from it.
POOLS = [
    (ENGLISH_WORDS, 30),
    (ACCENTED, 8),
    (SCRIPTS, 8),
    (CJK, 5),
    (EMOJI, 5),
    (PUNCTUATION, 12),
    (NUMBERS, 6),
    (CONTROLS, 3),
    (TECHNICAL, 5),
    (MIXED, 2),
]
SEPARATORS = [" "] * 12 + ["", "", "  ", *WHITESPACE]


def varied_lines(count: int = 2500, seed: int = 2024) -> list[str]:
    """The parity sample: `EDGE_LINES`, very long words, then seeded random lines up to `count`."""
    rng = random.Random(seed)
    lines = [*EDGE_LINES, *UNICODE_TABLE_LINES, *(_long_word(rng) for _ in range(60))]
    while len(lines) < count:
        lines.append(_random_line(rng))
    return lines


def english_lines(count: int = 2000, seed: int = 7) -> list[str]:
    """English-like sentences: capitalised, with commas, full stops and a few numbers."""
    rng = random.Random(seed)
    return [_english_sentence(rng) for _ in range(count)]


def _random_line(rng: random.Random) -> str:
    pools, weights = zip(*POOLS, strict=True)
    parts = []
    for _ in range(rng.randint(1, 16)):
        fragment = rng.choice(rng.choices(pools, weights)[0])
        parts.append(_vary_case(rng, fragment))
        parts.append(rng.choice(SEPARATORS))
    return "".join(parts[:-1])


def _vary_case(rng: random.Random, fragment: str) -> str:
    roll = rng.random()
    if roll < 0.1:
        return fragment.upper()
    if roll < 0.2:
        return fragment.title()
    return fragment


def _long_word(rng: random.Random) -> str:
    """A word of 90 to 140 characters, around the 100-character limit of WordPiece."""
    alphabet = rng.choice(["abcdefghij", "0123456789", "éèêàç", "абвгд", "ab-", "xyz\u0301"])
    word = "".join(rng.choice(alphabet) for _ in range(rng.randint(90, 140)))
    return f"{rng.choice(ENGLISH_WORDS)} {word} {rng.choice(ENGLISH_WORDS)}"


def _english_sentence(rng: random.Random) -> str:
    words = [rng.choice(ENGLISH_WORDS) for _ in range(rng.randint(8, 30))]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), str(rng.randint(1, 2000)))
    for _ in range(rng.randint(0, 2)):
        position = rng.randrange(1, len(words))
        words[position - 1] += ","
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "!", "?"])


@dataclass
class ReferenceTokenizers:
    """Hugging Face's two BERT tokenizers over the same vocab.txt."""

    slow: object  # pure Python: BertTokenizerLegacy in transformers 5, BertTokenizer in 4
    fast: object  # Rust `tokenizers`: BertTokenizerFast (in transformers 5 also called BertTokenizer)


def reference_tokenizers(transformers, vocab_file: Path, lowercase: bool = True) -> ReferenceTokenizers:
    """Both Hugging Face tokenizers for `vocab_file`, in transformers 4 or 5."""
    slow_class = getattr(transformers, "BertTokenizerLegacy", None) or transformers.BertTokenizer
    slow = slow_class(str(vocab_file), do_lower_case=lowercase)
    fast = transformers.BertTokenizerFast(str(vocab_file), do_lower_case=lowercase)
    return ReferenceTokenizers(slow=slow, fast=fast)
