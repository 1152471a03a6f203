"""Learning a WordPiece vocabulary of a given size from a corpus.

The method is the one Hugging Face's `WordPieceTrainer` uses: start from single characters and
repeatedly merge the most frequent adjacent pair of pieces into a new piece, until the vocabulary has
the requested size. Every word is first written as its characters, continuations marked with ``##``:
``"cat"`` -> ``c ##a ##t``; merging ``c`` and ``##a`` gives the piece ``ca``, merging ``##a`` and
``##t`` gives ``##at``. Frequent words therefore end up whole. (Scoring pairs by likelihood instead,
without a minimum count, leaves even common words split, e.g. ``th ##e``.)

The vocabulary is laid out as: the five special tokens ([PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4),
then every character of the corpus, then every character again with ``##`` (so that any word made of
known characters can be tokenized), then the merged pieces in the order they were learned. Ties
between equally frequent pairs go to the pair that sorts first, so training is deterministic.

Its job ends at the vocabulary: cutting text with it belongs to wordpiece.py and tokenizer.py.
"""

from __future__ import annotations

import heapq
import itertools
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping

from bertlib.tokenization.basic import BasicTokenizer
from bertlib.tokenization.wordpiece import CONTINUATION, SPECIAL_TOKENS, Vocab

Pair = tuple[str, str]


def train_wordpiece(
    corpus: Iterable[str] | Mapping[str, int],
    vocab_size: int,
    *,
    lowercase: bool = True,
    strip_accents: bool | None = None,
) -> Vocab:
    """Learn a vocabulary of `vocab_size` tokens.

    `corpus` is either texts (any iterable of strings, split into words by BERT's basic tokenizer
    with `lowercase` and `strip_accents`) or a mapping from already-split words to their counts.
    If every word is whole before the vocabulary is full, the smaller vocabulary is returned with
    a warning.
    """
    word_counts = corpus if isinstance(corpus, Mapping) else count_words(corpus, lowercase, strip_accents)
    _check_word_counts(word_counts)
    alphabet = sorted({char for word in word_counts for char in word})
    tokens = [*SPECIAL_TOKENS, *alphabet, *(CONTINUATION + char for char in alphabet)]
    if vocab_size < len(tokens):
        raise ValueError(
            f"vocab_size={vocab_size} cannot hold the {len(SPECIAL_TOKENS)} special tokens and the "
            f"{len(alphabet)} characters of the corpus, each alone and with ##; "
            f"ask for at least {len(tokens)}."
        )
    tokens += _MergeLearner(word_counts).learn(vocab_size - len(tokens), known=set(tokens))
    if len(tokens) < vocab_size:
        warnings.warn(
            f"Every word of the corpus is a single token with {len(tokens)} tokens, so the vocabulary "
            f"stops there instead of at the requested {vocab_size}.",
            stacklevel=2,
        )
    return Vocab(tokens, source="the trained vocabulary")


def count_words(texts: Iterable[str], lowercase: bool = True, strip_accents: bool | None = None) -> Counter[str]:
    """How often each word of BERT's basic tokenizer occurs in `texts`."""
    basic = BasicTokenizer(lowercase=lowercase, strip_accents=strip_accents)
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(basic.tokenize(text))
    return counts


def _check_word_counts(word_counts: Mapping[str, int]) -> None:
    if not word_counts:
        raise ValueError("The corpus has no words: train_wordpiece needs some text to learn from.")
    bad = [(word, count) for word, count in word_counts.items() if not word or count <= 0]
    if bad:
        raise ValueError(f"Word counts must be non-empty words with positive counts; got {bad[:3]}.")


def merge(left: str, right: str) -> str:
    """The piece made of two adjacent ones: ``("c", "##a")`` -> ``"ca"``; ``("##a", "##t")`` -> ``"##at"``."""
    return left + right.removeprefix(CONTINUATION)


class _MergeLearner:
    """The merge loop. It keeps every word as a list of pieces, the count of every adjacent pair and
    the words each pair occurs in, so that a merge only revisits the words it changes."""

    def __init__(self, word_counts: Mapping[str, int]):
        self.words = [[word[0], *(CONTINUATION + char for char in word[1:])] for word in word_counts]
        self.counts = list(word_counts.values())
        self.pair_counts: Counter[Pair] = Counter()
        self.pair_words: dict[Pair, set[int]] = {}
        self.heap: list[tuple[int, str, str]] = []  # (-count, left, right); stale entries are skipped
        for index in range(len(self.words)):
            self._count_pairs(index, sign=+1)
        self._push(self.pair_counts)

    def learn(self, how_many: int, known: set[str]) -> list[str]:
        """Merge until `how_many` new pieces are learned or no pair is left; return the new pieces."""
        learned: list[str] = []
        while len(learned) < how_many:
            pair = self._most_frequent_pair()
            if pair is None:
                break
            piece = merge(*pair)
            self._apply(pair, piece)
            if piece not in known:  # two different pairs can make the same piece
                known.add(piece)
                learned.append(piece)
        return learned

    def _most_frequent_pair(self) -> Pair | None:
        while self.heap:
            negative_count, left, right = heapq.heappop(self.heap)
            if self.pair_counts.get((left, right)) == -negative_count:
                return left, right
        return None

    def _apply(self, pair: Pair, piece: str) -> None:
        """Replace every occurrence of `pair` by `piece` and update the pair counts."""
        changed: set[Pair] = set()
        for index in sorted(self.pair_words[pair]):
            changed.update(self._count_pairs(index, sign=-1))
            self.words[index] = _merge_in_word(self.words[index], pair, piece)
            changed.update(self._count_pairs(index, sign=+1))
        self._push(changed)

    def _count_pairs(self, index: int, sign: int) -> list[Pair]:
        """Add (sign=+1) or remove (sign=-1) one word's pairs from the counts; return those pairs."""
        symbols = self.words[index]
        pairs = list(itertools.pairwise(symbols))
        for pair in pairs:
            self.pair_counts[pair] += sign * self.counts[index]
            if sign > 0:
                self.pair_words.setdefault(pair, set()).add(index)
        if sign < 0:
            for pair in set(pairs):
                self.pair_words[pair].discard(index)
        return pairs

    def _push(self, pairs: Iterable[Pair]) -> None:
        for left, right in pairs:
            count = self.pair_counts[(left, right)]
            if count > 0:
                heapq.heappush(self.heap, (-count, left, right))


def _merge_in_word(symbols: list[str], pair: Pair, piece: str) -> list[str]:
    """`symbols` with each occurrence of `pair`, from left to right, replaced by `piece`."""
    merged: list[str] = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            merged.append(piece)
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return merged
