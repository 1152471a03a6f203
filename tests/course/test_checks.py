"""Every exercise check passes a right answer and names the mistake in a typical wrong one."""

from __future__ import annotations

import math

import pytest
import torch

from bertlib.course import checks
from bertlib.course.checks import ExerciseFailed, ExerciseNotDone
from bertlib.model.attention import explicit_attention
from bertlib.model.outputs import AttentionOutput
from bertlib.tokenization import WordPiece


def not_done(*args, **kwargs):
    raise NotImplementedError()


def stable_softmax(x):
    shifted = (x - x.max(dim=-1, keepdim=True).values).exp()
    return shifted / shifted.sum(dim=-1, keepdim=True)


def test_check_passes_and_says_so(capsys):
    checks.check_softmax(stable_softmax)
    assert "✔ softmax: all 5 cases pass." in capsys.readouterr().out


@pytest.mark.parametrize("check", [getattr(checks, name) for name in checks.__all__ if name.startswith("check_")])
def test_every_check_reports_an_unwritten_exercise(check):
    with pytest.raises(ExerciseNotDone, match="not written yet: replace `raise NotImplementedError\\(\\)`"):
        check(not_done)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda x: x.exp() / x.exp().sum(dim=-1, keepdim=True), "numerical stability.*subtract the row's maximum"),
        (
            lambda x: stable_softmax(x.transpose(0, -1)).transpose(0, -1) if x.dim() > 1 else stable_softmax(x),
            "LAST dimension",
        ),
        (lambda x: stable_softmax(x).float(), "dtype"),
        (lambda x: stable_softmax(x).tolist(), "type: it should return a torch.Tensor"),
    ],
)
def test_softmax_mistakes_are_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        checks.check_softmax(wrong)


def test_self_attention_right_and_wrong():
    def right(x):
        weights = stable_softmax(x @ x.T)
        return AttentionOutput(context=weights @ x, weights=weights)

    checks.check_self_attention(right)
    with pytest.raises(ExerciseFailed, match="weights = softmax"):
        checks.check_self_attention(lambda x: AttentionOutput(context=x, weights=stable_softmax(x @ x.T).T))


def test_attention_check_catches_missing_scaling_and_missing_mask():
    checks.check_attention(explicit_attention)

    def unscaled(q, k, v, mask=None):
        return explicit_attention(q * math.sqrt(q.shape[-1]), k, v, mask)

    with pytest.raises(ExerciseFailed, match="scaling: divide the scores by √d"):
        checks.check_attention(unscaled)
    with pytest.raises(ExerciseFailed, match="masking: padding keys must get weight 0"):
        checks.check_attention(lambda q, k, v, mask=None: explicit_attention(q, k, v))


def test_padding_mask_check():
    checks.check_padding_mask(lambda m: (1.0 - m[:, None, None, :].float()) * -10000.0)
    with pytest.raises(ExerciseFailed, match="shape"):
        checks.check_padding_mask(lambda m: (1.0 - m.float()) * -10000.0)
    with pytest.raises(ExerciseFailed, match="numerical stability.*-inf"):
        checks.check_padding_mask(lambda m: (1.0 - m[:, None, None, :].float()) * -1e4 / (m[:, None, None, :] > 0))


def test_head_checks_catch_the_view_without_transpose():
    checks.check_split_heads(lambda x, n: x.view(x.shape[0], x.shape[1], n, -1).transpose(1, 2))
    checks.check_merge_heads(lambda x: x.transpose(1, 2).reshape(x.shape[0], x.shape[2], -1))
    with pytest.raises(ExerciseFailed, match="layout"):
        checks.check_split_heads(lambda x, n: x.view(x.shape[0], n, x.shape[1], -1))
    with pytest.raises(ExerciseFailed, match="layout"):
        checks.check_merge_heads(lambda x: x.reshape(x.shape[0], x.shape[2], -1))


def test_add_and_norm_check_catches_pre_ln():
    checks.check_add_and_norm(lambda x, s, norm: norm(x + s))
    with pytest.raises(ExerciseFailed, match="pre-LN"):
        checks.check_add_and_norm(lambda x, s, norm: x + norm(s))


def test_parameter_count_check_says_how_far_off():
    def right(hidden, intermediate):
        return 4 * (hidden * hidden + hidden) + 2 * 2 * hidden + 2 * hidden * intermediate + intermediate + hidden

    checks.check_layer_parameter_count(right)
    with pytest.raises(ExerciseFailed, match=r"off by -3,072"):
        checks.check_layer_parameter_count(lambda h, i: right(h, i) - 2 * 2 * h)


def test_wordpiece_check_and_cosine_check():
    checks.check_wordpiece(lambda word, vocab: WordPiece(vocab).tokenize(word))
    with pytest.raises(ExerciseFailed, match="cannot be split at all"):
        checks.check_wordpiece(
            lambda word, vocab: (
                [p if p in vocab else "[UNK]" for p in WordPiece(vocab).tokenize(word)]
                if word != "zebra"
                else ["z", "##ebra"]
            )
        )
    checks.check_cosine_similarity(lambda u, rows: torch.nn.functional.cosine_similarity(rows, u[None], dim=1))
    with pytest.raises(ExerciseFailed, match="divide the dot products"):
        checks.check_cosine_similarity(lambda u, rows: rows @ u)


def test_dot_product_check_names_a_missing_sum():
    checks.check_dot_product(lambda u, v: u @ v)
    with pytest.raises(ExerciseFailed, match="shape.*forget to sum"):
        checks.check_dot_product(lambda u, v: u * v)
    with pytest.raises(ExerciseFailed, match="values"):
        checks.check_dot_product(lambda u, v: (u + v).sum())


def test_self_attention_check_catches_overflow_and_says_one_case(capsys):
    def naive(x):
        scores = (x @ x.T).exp()
        weights = scores / scores.sum(-1, keepdim=True)
        return AttentionOutput(context=weights @ x, weights=weights)

    with pytest.raises(ExerciseFailed, match="numerical stability.*overflows"):
        checks.check_self_attention(naive)
    one = checks.Checker("one", lambda: None)
    one.call(case="the only case")
    one.done()
    assert capsys.readouterr().out.splitlines()[-1] == "✔ one: its one case passes."
