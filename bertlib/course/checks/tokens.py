"""Checks for notebook 01's exercises: WordPiece by hand, and cosine similarity."""

from __future__ import annotations

from collections.abc import Callable

import torch

from bertlib.course.checks.framework import Checker, exercise_check
from bertlib.tokenization import Vocab, WordPiece

#: A small vocabulary where greedy longest-match-first has to make every kind of choice.
_VOCAB = Vocab(
    [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        "play",
        "playing",
        "##ing",
        "##s",
        "un",
        "##play",
        "##able",
        "p",
        "##l",
        "##a",
        "##y",
        "kitten",
        "##x",
    ]
)
_WORDS = {
    "playing": "the longest match wins: 'playing' is in the vocabulary",
    "plays": "after 'play', the rest of the word is looked up with '##'",
    "unplayable": "three pieces: 'un', '##play', '##able'",
    "kittens": "'kitten' then '##s'",
    "pla": "no 'pla': fall back to shorter pieces",
    "zebra": "a word that cannot be split at all becomes ['[UNK]'], not a partial split",
}


@exercise_check
def check_wordpiece(greedy_wordpiece: Callable[[str, Vocab], list[str]]) -> None:
    """greedy_wordpiece(word, vocab) -> the word's pieces, as BERT's WordPiece splits it."""
    check = Checker("greedy_wordpiece", greedy_wordpiece)
    reference = WordPiece(_VOCAB)
    for word, why in _WORDS.items():
        got = check.call(word, _VOCAB, case=f"word {word!r}")
        want = reference.tokenize(word)
        check.expect(isinstance(got, list), "type", f"return a list of strings, not {type(got).__name__}", word)
        check.expect(got == want, "values", f"expected {want}, got {got}: {why}", f"word {word!r}")
    check.done()


@exercise_check
def check_cosine_similarity(cosine_similarity: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """cosine_similarity(u, rows) -> (n,): cosine of vector u (d,) with every row of rows (n, d)."""
    check = Checker("cosine_similarity", cosine_similarity)
    generator = torch.Generator().manual_seed(0)
    u, rows = torch.randn(8, generator=generator), torch.randn(5, 8, generator=generator)
    want = (rows @ u) / (rows.norm(dim=1) * u.norm())
    case = "u of shape (8,), rows of shape (5, 8)"
    got = check.expect_tensor(check.call(u, rows, case=case), case)
    check.expect_shape(got, (5,), case)
    check.expect_close(got, want, case, hint="divide the dot products by both vectors' lengths")
    case = "rows that are u scaled by 3 and by -0.5"
    got = check.call(u, torch.stack([3 * u, -0.5 * u]), case=case)
    check.expect_close(got, torch.tensor([1.0, -1.0]), case, hint="cosine ignores length: it should give 1 and -1")
    check.done()
