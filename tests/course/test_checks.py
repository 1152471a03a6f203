"""Every exercise check passes a right answer and names the mistake in a typical wrong one."""

from __future__ import annotations

import re

import pytest
import torch

from bertlib.course import checks
from bertlib.course.checks import ExerciseFailed
from bertlib.tokenization import WordPiece


def not_done(*args, **kwargs):
    raise NotImplementedError()


CHECKS = [name for name in checks.__all__ if name.startswith("check_")]
NOT_WRITTEN = re.compile(r"✎ \w+ is not written yet: until it is, this notebook uses bertlib's version\.")


def unwritten_like(fallback):
    """What a fresh student copy holds: a function, or a class whose constructor is not written yet."""
    if isinstance(fallback, type):
        return type("NotWrittenYet", fallback.__bases__, {"__init__": lambda self, *args, **kwargs: not_done()})
    return not_done


@pytest.mark.parametrize("name", CHECKS)
def test_every_check_has_bertlibs_version_as_its_fallback(name):
    fallback = getattr(getattr(checks, name), "fallback", None)
    assert callable(fallback), f"{name} has no callable `fallback`: decorate it with @exercise_check(fallback=...)"
    assert fallback is not not_done and getattr(fallback, "__module__", "").startswith("bertlib."), (
        f"{name}'s fallback {fallback!r} should be bertlib's version (or a small adapter in its check module)"
    )


@pytest.mark.parametrize("name", CHECKS)
def test_an_unwritten_exercise_gets_one_line_and_bertlibs_version(name, capsys):
    check = getattr(checks, name)
    assert check(unwritten_like(check.fallback)) is check.fallback
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and NOT_WRITTEN.fullmatch(lines[0]), f"{name} printed {lines}"


@pytest.mark.parametrize("name", CHECKS)
def test_every_check_passes_bertlibs_version_in_at_least_three_cases(name, capsys):
    check = getattr(checks, name)
    assert check(check.fallback) is check.fallback
    passed = re.search(r"✔ .+: all (\d+) cases pass\.", capsys.readouterr().out)
    assert passed and int(passed.group(1)) >= 3, f"{name} should try at least 3 cases, each able to show a mistake"


def test_a_passing_check_hands_back_the_students_own_function(capsys):
    def mine(u, v):
        return (u * v).sum()

    assert checks.check_dot_product(mine) is mine
    assert capsys.readouterr().out == "✔ dot_product: all 3 cases pass.\n"


def test_wordpiece_check_passes_bertlibs_wordpiece(capsys):
    checks.check_wordpiece(lambda word, vocab: WordPiece(vocab).tokenize(word))
    assert "✔ greedy_wordpiece: all 7 cases pass." in capsys.readouterr().out


def wordpiece_with(*, longest_first=True, continuation="##", unk_whole_word=True):
    """A hand-written greedy WordPiece with one of its rules switched to a typical mistake."""

    def split(word, vocab):
        pieces, start = [], 0
        while start < len(word):
            ends = range(len(word), start, -1) if longest_first else range(start + 1, len(word) + 1)
            for end in ends:
                piece = (continuation if start > 0 else "") + word[start:end]
                if piece in vocab:
                    pieces.append(piece)
                    start = end
                    break
            else:
                return ["[UNK]"] if unk_whole_word else pieces + ["[UNK]"]
        return pieces

    return split


@pytest.mark.parametrize(
    "wrong, message",
    [
        (wordpiece_with(longest_first=False), "shortest match first: .*LONGEST candidate first"),
        (wordpiece_with(continuation=""), "missing '##' prefix: .*'##' in front"),
        (wordpiece_with(unk_whole_word=False), r"not returning \[UNK\]: .*the WHOLE word"),
        (lambda word, vocab: ["z", "##ebra"] if word == "zebra" else WordPiece(vocab).tokenize(word), r"\[UNK\]"),
        (lambda word, vocab: [word], "values: expected"),
        (lambda word, vocab: " ".join(WordPiece(vocab).tokenize(word)), "type: return a list of strings"),
    ],
    ids=["shortest first", "no ##", "partial [UNK]", "zebra split", "whole word", "a string"],
)
def test_wordpiece_mistakes_are_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        checks.check_wordpiece(wrong)


def test_cosine_check_passes_torchs_cosine(capsys):
    checks.check_cosine_similarity(lambda u, rows: torch.nn.functional.cosine_similarity(rows, u[None], dim=1))
    assert "✔ cosine_similarity: all 4 cases pass." in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda u, rows: rows @ u, "not normalised: divide each dot product by the lengths of BOTH"),
        (lambda u, rows: (rows @ u) / rows.norm(dim=1), "normalised one side only: .*divide by \\|u\\| too"),
        (lambda u, rows: (rows @ u) / u.norm(), "normalised one side only: .*rows.norm\\(dim=1\\) too"),
        (lambda u, rows: (rows @ u) / (rows.norm(dim=0) * u.norm()), "wrong axis: .*rows.norm\\(dim=1\\)"),
        (lambda u, rows: (rows @ u) / (rows.norm(dim=1) * u.norm()) + 0.1, "values: largest difference"),
        (lambda u, rows: (rows @ u).tolist(), "type: it should return a torch.Tensor"),
    ],
    ids=["no norm", "rows only", "u only", "wrong axis", "off", "a list"],
)
def test_cosine_mistakes_are_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        checks.check_cosine_similarity(wrong)


def test_cosine_wrong_axis_is_named_when_the_shapes_clash():
    calls = []

    def wrong_axis_on_rectangles(u, rows):
        calls.append(rows.shape)
        if rows.shape[0] == rows.shape[1]:  # pass the square case, to reach the (5, 8) one
            return torch.nn.functional.cosine_similarity(rows, u[None], dim=1)
        return (rows @ u) / (rows.norm(dim=0) * u.norm())

    with pytest.raises(ExerciseFailed, match="wrong axis: .*size of tensor"):
        checks.check_cosine_similarity(wrong_axis_on_rectangles)
    assert calls[-1] == (5, 8)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda u, v: u * v, "shape: .*forget to sum"),
        (lambda u, v: (u + v).sum(), "values: largest difference"),
        (lambda u, v: (u * v).sum().item(), "type: it should return a torch.Tensor"),
        (lambda u, v: u.norm() * v.norm(), "values"),
    ],
    ids=["forgot to sum", "added", "a float", "lengths"],
)
def test_dot_product_mistakes_are_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        checks.check_dot_product(wrong)


def test_dot_product_check_passes_a_right_answer(capsys):
    checks.check_dot_product(lambda u, v: u @ v)
    assert "✔ dot_product: all 3 cases pass." in capsys.readouterr().out


def test_a_check_with_one_case_says_so(capsys):
    one = checks.Checker("one", lambda: None)
    one.call(case="the only case")
    one.done()
    assert capsys.readouterr().out.splitlines()[-1] == "✔ one: its one case passes."
