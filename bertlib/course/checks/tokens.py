"""Checks for notebook 01's exercises: WordPiece by hand, and cosine similarity.

The right answers are bertlib's own (`bertlib.tokenization.WordPiece`) and torch's cosine; each
check also runs the typical wrong versions of the exercise on the same case, so that when the
student's answer equals one of them, the message names that mistake.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from bertlib.course.checks.framework import Checker, ExerciseFailed, exercise_check
from bertlib.tokenization import Vocab, WordPiece

# -- exercise 1: greedy_wordpiece -------------------------------------------------------------------

#: A small vocabulary where greedy longest-match-first has to make every kind of choice. "s" and "ing"
#: without '##' are there so that forgetting the '##' of a continuation gives a split of its own.
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
        "s",
        "ing",
        "able",
    ]
)
_WORDS = {
    "playing": "the longest match wins: 'playing' is in the vocabulary",
    "plays": "after 'play', the rest of the word is looked up with '##'",
    "unplayable": "three pieces: 'un', '##play', '##able'",
    "kittens": "'kitten' then '##s'",
    "pla": "no 'pla': fall back to shorter pieces",
    "zebra": "a word that cannot be split at all becomes ['[UNK]']",
    "playz": "'play' fits but nothing fits 'z': the whole word becomes ['[UNK]'], not a partial split",
}


def greedy_wordpiece(word: str, vocab: Vocab) -> list[str]:
    """bertlib's version of the exercise: `word` cut into `vocab`'s pieces by `WordPiece`."""
    return WordPiece(vocab).tokenize(word)


def _greedy(word: str, vocab: Vocab, *, longest_first: bool, continuation: str, unk_whole_word: bool) -> list[str]:
    """Greedy WordPiece with one rule changed, to recognise the typical wrong answers."""
    pieces: list[str] = []
    start = 0
    while start < len(word):
        ends = range(len(word), start, -1) if longest_first else range(start + 1, len(word) + 1)
        piece = next(
            (
                (continuation if start > 0 else "") + word[start:end]
                for end in ends
                if (continuation if start > 0 else "") + word[start:end] in vocab.ids
            ),
            None,
        )
        if piece is None:
            return ["[UNK]"] if unk_whole_word else [*pieces, "[UNK]"]
        pieces.append(piece)
        start += len(piece) - (len(continuation) if start > 0 else 0)
    return pieces


#: (kind, hint, the wrong version): the typical mistakes, named when the answer matches one.
_WORDPIECE_MISTAKES = (
    (
        "shortest match first",
        "try the LONGEST candidate first (end = len(word), then shorter), and take the first one in the vocabulary",
        lambda word, vocab: _greedy(word, vocab, longest_first=False, continuation="##", unk_whole_word=True),
    ),
    (
        "missing '##' prefix",
        "every piece after the first is looked up (and returned) with '##' in front, e.g. '##s'",
        lambda word, vocab: _greedy(word, vocab, longest_first=True, continuation="", unk_whole_word=True),
    ),
    (
        "not returning [UNK]",
        "when no piece fits at some point, the WHOLE word becomes ['[UNK]'], dropping the pieces found so far",
        lambda word, vocab: _greedy(word, vocab, longest_first=True, continuation="##", unk_whole_word=False),
    ),
)


@exercise_check(fallback=greedy_wordpiece)
def check_wordpiece(greedy_wordpiece: Callable[[str, Vocab], list[str]]) -> None:
    """greedy_wordpiece(word, vocab) -> the word's pieces, as BERT's WordPiece splits it."""
    check = Checker("greedy_wordpiece", greedy_wordpiece)
    reference = WordPiece(_VOCAB)
    for word, why in _WORDS.items():
        case = f"word {word!r}"
        got = check.call(word, _VOCAB, case=case)
        want = reference.tokenize(word)
        check.expect(isinstance(got, list), "type", f"return a list of strings, not {type(got).__name__}", case)
        if got == want:
            continue
        for kind, hint, wrong in _WORDPIECE_MISTAKES:
            check.expect(got != wrong(word, _VOCAB), kind, f"expected {want}, got {got}: {hint}", case)
        if want == ["[UNK]"]:
            check.fail("not returning [UNK]", f"expected {want}, got {got}: {why}", case)
        check.fail("values", f"expected {want}, got {got}: {why}", case)
    check.done()


# -- exercise 2: cosine_similarity ------------------------------------------------------------------


def cosine_similarity(u: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """bertlib's version of the exercise: the cosine of u (d,) with every row of rows (n, d) -> (n,)."""
    return F.cosine_similarity(rows, u[None, :], dim=1)  # (n,)


#: (kind, hint, the wrong version): the typical mistakes, named when the answer matches one.
_COSINE_MISTAKES = (
    (
        "not normalised",
        "divide each dot product by the lengths of BOTH vectors: (rows @ u) / (|row| · |u|)",
        lambda u, rows: rows @ u,
    ),
    (
        "normalised one side only",
        "you divided by the rows' lengths but not by u's: divide by |u| too",
        lambda u, rows: (rows @ u) / rows.norm(dim=1),
    ),
    (
        "normalised one side only",
        "you divided by u's length but not by each row's: divide by rows.norm(dim=1) too",
        lambda u, rows: (rows @ u) / u.norm(),
    ),
    (
        "wrong axis",
        "each row's length is rows.norm(dim=1) (over its d entries); rows.norm(dim=0) measures the columns",
        lambda u, rows: (rows @ u) / (rows.norm(dim=0) * u.norm()),
    ),
)


def _cosine_cases() -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(case, u, rows): a square table first, so that a norm over the wrong axis gives numbers, not a crash."""
    generator = torch.Generator().manual_seed(0)
    u, rows = torch.randn(8, generator=generator), torch.randn(5, 8, generator=generator)
    square_u, square = torch.randn(6, generator=generator), torch.randn(6, 6, generator=generator)
    return [
        ("u of shape (6,), rows of shape (6, 6)", square_u, square),
        ("u of shape (8,), rows of shape (5, 8)", u, rows),
        ("rows that are u scaled by 3 and by -0.5", u, torch.stack([3 * u, -0.5 * u])),
        ("a row orthogonal to u = [2, 0]", torch.tensor([2.0, 0.0]), torch.tensor([[0.0, 5.0], [1.0, 1.0]])),
    ]


@exercise_check(fallback=cosine_similarity)
def check_cosine_similarity(cosine_similarity: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """cosine_similarity(u, rows) -> (n,): cosine of vector u (d,) with every row of rows (n, d)."""
    check = Checker("cosine_similarity", cosine_similarity)
    for case, u, rows in _cosine_cases():
        want = (rows @ u) / (rows.norm(dim=1) * u.norm())  # (n,)
        try:
            got = check.expect_tensor(check.call(u.clone(), rows.clone(), case=case), case)
        except ExerciseFailed as error:
            if isinstance(error.__cause__, RuntimeError) and "size of tensor" in str(error.__cause__):
                check.fail("wrong axis", f"{error.__cause__}; {_COSINE_MISTAKES[-1][1]}", case)
            raise
        check.expect_shape(got, tuple(want.shape), case)
        if not torch.allclose(got, want, atol=1e-5):
            for kind, hint, wrong in _COSINE_MISTAKES:
                check.expect(not torch.allclose(got, wrong(u, rows), atol=1e-5), kind, hint, case)
        check.expect_close(got, want, case, hint="divide the dot products by both vectors' lengths")
    check.done()
