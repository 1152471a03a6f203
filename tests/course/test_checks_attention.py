"""The attention checks (notebooks 02–04): the solution passes with every case, an unwritten exercise
falls back to bertlib's version, and each typical mistake is caught and named."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from bertlib.course import checks
from bertlib.course.checks import ExerciseFailed
from bertlib.model.attention import MultiHeadSelfAttention as BertlibAttention
from bertlib.model.attention import explicit_attention, padding_mask
from bertlib.model.config import BertConfig
from bertlib.model.outputs import AttentionOutput, SelfAttentionOutput

# ----------------------------------------------------------------------------- the notebooks' solutions


def softmax(scores):
    shifted = scores - scores.max(dim=-1, keepdim=True).values
    exps = shifted.exp()
    return exps / exps.sum(dim=-1, keepdim=True)


def self_attention(x):
    weights = (x @ x.T).softmax(dim=-1)
    return AttentionOutput(context=weights @ x, weights=weights)


def make_padding_mask(attention_mask):
    keep = attention_mask[:, None, None, :].float()
    return (1.0 - keep) * -10000.0


def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask
    weights = scores.softmax(dim=-1)
    return AttentionOutput(context=weights @ v, weights=weights)


def split_heads(x, num_heads):
    batch, length, hidden = x.shape
    return x.view(batch, length, num_heads, hidden // num_heads).transpose(1, 2)


def merge_heads(x):
    batch, heads, length, head_size = x.shape
    return x.transpose(1, 2).reshape(batch, length, heads * head_size)


def attention_module(split=split_heads, attend=scaled_dot_product_attention, merge=merge_heads, names=None):
    """Notebook 04's MultiHeadSelfAttention, built from the given pieces (and parameter names)."""
    query_name, key_name, value_name = names or ("query", "key", "value")

    class MultiHeadSelfAttention(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.num_heads = config.num_attention_heads
            for name in (query_name, key_name, value_name):
                setattr(self, name, nn.Linear(config.hidden_size, config.hidden_size))

        def forward(self, x, mask=None, *, output_attentions=False, output_qk=False):
            q = split(getattr(self, query_name)(x), self.num_heads)
            k = split(getattr(self, key_name)(x), self.num_heads)
            v = split(getattr(self, value_name)(x), self.num_heads)
            attended = attend(q, k, v, mask)
            context = merge(attended.context)
            return SelfAttentionOutput(
                context=context,
                weights=attended.weights if output_attentions else None,
                queries=q if output_qk else None,
                keys=k if output_qk else None,
            )

    return MultiHeadSelfAttention


SOLUTIONS = [
    (checks.check_softmax, softmax, 6),
    (checks.check_self_attention, self_attention, 3),
    (checks.check_padding_mask, make_padding_mask, 3),
    (checks.check_attention, scaled_dot_product_attention, 3),
    (checks.check_split_heads, split_heads, 3),
    (checks.check_merge_heads, merge_heads, 3),
    (checks.check_multi_head_attention, attention_module(), 6),
]


@pytest.mark.parametrize("check, solution, cases", SOLUTIONS, ids=[c.__name__ for c, _, _ in SOLUTIONS])
def test_the_solution_passes_every_case_and_is_returned(check, solution, cases, capsys):
    assert check(solution) is solution
    out = capsys.readouterr().out
    assert cases >= 3 and out.strip().splitlines()[-1].endswith(f"all {cases} cases pass.")
    assert out.startswith("✔")


def test_the_fallbacks_compute_what_the_solutions_compute():
    generator = torch.Generator().manual_seed(1)
    scores = torch.randn(2, 3, 5, generator=generator)
    assert torch.allclose(checks.check_softmax.fallback(scores), softmax(scores), atol=1e-6)
    x = torch.randn(2, 5, 12, generator=generator)
    assert torch.equal(checks.check_split_heads.fallback(x, 3), split_heads(x, 3))
    assert torch.equal(checks.check_merge_heads.fallback(split_heads(x, 3)), x)
    assert checks.check_multi_head_attention.fallback is BertlibAttention
    assert checks.check_padding_mask.fallback is padding_mask


def test_an_unwritten_forward_also_falls_back(capsys):
    class HalfDone(attention_module()):
        def forward(self, x, mask=None, **options):
            raise NotImplementedError()

    assert checks.check_multi_head_attention(HalfDone) is BertlibAttention
    assert "MultiHeadSelfAttention is not written yet" in capsys.readouterr().out


# ----------------------------------------------------------------------------- mistakes, named


def softmax_without_max(scores):
    return scores.exp() / scores.exp().sum(dim=-1, keepdim=True)


@pytest.mark.parametrize(
    "wrong, name",
    [
        (lambda s: softmax(s.transpose(0, -1)).transpose(0, -1) if s.dim() > 1 else softmax(s), "wrong axis"),
        (lambda s: s.softmax(dim=0), "softmax over the wrong axis"),
        (softmax_without_max, r"no max-subtraction\): .*subtract the row's maximum"),
        (lambda s: (s - s.max()).exp() / (s - s.max()).exp().sum(dim=-1, keepdim=True), "one maximum for all rows"),
        (lambda s: (s - s.max()).exp() / (s - s.max()).exp().sum(), "normalised over the whole tensor"),
        (lambda s: softmax(s).float(), "dtype"),
        (lambda s: softmax(s).tolist(), "type: it should return a torch.Tensor"),
    ],
)
def test_softmax_mistakes_are_named(wrong, name):
    with pytest.raises(ExerciseFailed, match=name):
        checks.check_softmax(wrong)


def attention_from(weights_of, context_of=lambda weights, x: weights @ x):
    def self_attention(x):
        weights = weights_of(x)
        return AttentionOutput(context=context_of(weights, x), weights=weights)

    return self_attention


@pytest.mark.parametrize(
    "wrong, name",
    [
        (attention_from(lambda x: softmax_without_max(x @ x.T)), "no max-subtraction.*overflows"),
        (attention_from(lambda x: (x @ x.T).softmax(dim=0)), "softmax over the wrong axis"),
        (attention_from(lambda x: (x @ x.T / math.sqrt(x.shape[1])).softmax(-1)), "scaled by √d"),
        (attention_from(lambda x: (x @ x.T).softmax(-1), lambda w, x: w.T @ x), "weighted sum"),
        (lambda x: (x @ x.T).softmax(-1), "type: return AttentionOutput"),
    ],
)
def test_self_attention_mistakes_are_named(wrong, name):
    with pytest.raises(ExerciseFailed, match=name):
        checks.check_self_attention(wrong)


@pytest.mark.parametrize(
    "wrong, name",
    [
        (lambda m: (1.0 - m.float()) * -10000.0, r"shape: .*add the two middle dimensions"),
        (lambda m: (1.0 - m[:, None, :, None].float()) * -10000.0, "shape: expected shape"),
        (lambda m: (1.0 - m[:, None, None, :].float()) * 10000.0, "mask sign"),
        (lambda m: m[:, None, None, :].float() * -10000.0, "mask inverted"),
        (lambda m: m[:, None, None, :].float(), "multiplicative mask"),
        (lambda m: (1 - m[:, None, None, :]) * -10000, "dtype"),
        (lambda m: (1.0 - m[:, None, None, :].float()) * -1.0, "masking: padding .* very negative"),
        (
            lambda m: (1.0 - m[:, None, None, :].float()) * -1e4 / (m[:, None, None, :] > 0),
            "numerical stability.*-inf",
        ),
    ],
)
def test_padding_mask_mistakes_are_named(wrong, name):
    with pytest.raises(ExerciseFailed, match=name):
        checks.check_padding_mask(wrong)


def attention_with(scores_of, after=lambda weights, mask: weights, context_of=lambda weights, v: weights @ v):
    """An attention whose scores, post-softmax step or weighted sum is replaced by a mistake."""

    def attend(q, k, v, mask=None):
        weights = scores_of(q, k, mask).softmax(dim=-1)
        weights = after(weights, mask)
        return AttentionOutput(context=context_of(weights, v), weights=weights)

    return attend


def add(scores, mask):
    return scores if mask is None else scores + mask


SCALE = lambda q: math.sqrt(q.shape[-1])  # noqa: E731


@pytest.mark.parametrize(
    "wrong, name",
    [
        (attention_with(lambda q, k, m: add(q @ k.transpose(-2, -1), m)), r"missing the 1/√d scaling: divide .* √4"),
        (attention_with(lambda q, k, m: add(q @ k.transpose(-2, -1) / q.shape[-1], m)), "1/d instead of 1/√d"),
        (attention_with(lambda q, k, m: add(q @ k / SCALE(q), m)), r"transposed key: .*k\.transpose\(-2, -1\)"),
        (
            lambda q, k, v, mask=None: AttentionOutput(
                context=None, weights=add(q @ k.transpose(-2, -1) / SCALE(q), mask).softmax(-2)
            ),
            "softmax over the wrong axis",
        ),
        (attention_with(lambda q, k, m: q @ k.transpose(-2, -1) / SCALE(q) - (0 if m is None else m)), "mask sign"),
        (
            attention_with(lambda q, k, m: q @ k.transpose(-2, -1) / SCALE(q), after=add),
            "mask applied after the softmax",
        ),
        (
            attention_with(
                lambda q, k, m: q @ k.transpose(-2, -1) / SCALE(q),
                after=lambda w, m: w if m is None else w * (m == 0),
            ),
            "mask applied after the softmax: zeroing",
        ),
        (attention_with(lambda q, k, m: q @ k.transpose(-2, -1) / SCALE(q)), "mask ignored"),
        (
            attention_with(
                lambda q, k, m: add(q @ k.transpose(-2, -1) / SCALE(q), m), context_of=lambda w, v: w.mT @ v
            ),
            "weighted sum",
        ),
        (lambda q, k, v, mask=None: explicit_attention(q, k, v, mask).context, "type: return AttentionOutput"),
    ],
)
def test_attention_mistakes_are_named(wrong, name):
    with pytest.raises(ExerciseFailed, match=name):
        checks.check_attention(wrong)


def split_by_view(x, num_heads):
    batch, length, hidden = x.shape
    return x.view(batch, num_heads, length, hidden // num_heads)


def merge_by_reshape(x):
    batch, heads, length, head_size = x.shape
    return x.reshape(batch, length, heads * head_size)


@pytest.mark.parametrize(
    "wrong, name",
    [
        (split_by_view, r"heads mixed \(a view without the transpose\)"),
        (lambda x, n: x.view(x.shape[0], x.shape[1], n, -1), "missing transpose: yours is \\(B, T, nh, hd\\)"),
        (lambda x, n: x.view(x.shape[0], x.shape[1], -1, n).permute(0, 3, 1, 2), "every nh-th dimension"),
        (lambda x, n: x.view(x.shape[0], x.shape[1], n, -1).transpose(1, 2).tolist(), "type"),
    ],
)
def test_split_heads_mistakes_are_named(wrong, name):
    with pytest.raises(ExerciseFailed, match=name):
        checks.check_split_heads(wrong)


@pytest.mark.parametrize(
    "wrong, name",
    [
        (merge_by_reshape, "not the inverse of split_heads"),
        (lambda x: x.reshape(x.shape[0], x.shape[1], -1), "missing transpose"),
        (lambda x: x.transpose(1, 2).view(x.shape[0], x.shape[2], -1), r"\.view on a transposed tensor.*\.reshape"),
    ],
)
def test_merge_heads_mistakes_are_named(wrong, name):
    with pytest.raises(ExerciseFailed, match=name):
        checks.check_merge_heads(wrong)


def unscaled(q, k, v, mask=None):
    return scaled_dot_product_attention(q * SCALE(q), k, v, mask)


class WithOutputProjection(attention_module()):
    def __init__(self, config):
        super().__init__(config)
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)


@pytest.mark.parametrize(
    "wrong, name",
    [
        (
            attention_module(names=("q", "k", "v")),
            r"parameter names: .*missing keys q.weight.*unexpected keys query.weight, query.bias, key.weight",
        ),
        (attention_module(names=("query", "key", "val")), r"parameter names: .*rename `val` -> `value`\. HF's"),
        (WithOutputProjection, r"parameter names: .*missing keys dense.weight, dense.bias \(your module has them"),
        (attention_module(attend=unscaled), "missing the 1/√d scaling"),
        (attention_module(split=split_by_view), "heads split wrongly"),
        (attention_module(merge=merge_by_reshape), "heads merged wrongly"),
        (
            attention_module(attend=lambda q, k, v, mask=None: scaled_dot_product_attention(q, k, v)),
            "mask ignored",
        ),
        (
            attention_module(
                attend=lambda q, k, v, mask=None: scaled_dot_product_attention(q, k, v, None if mask is None else -mask)
            ),
            "mask sign",
        ),
        (attention_module(attend=lambda q, k, v, mask=None: scaled_dot_product_attention(q, q, v, mask)), "mixed up"),
    ],
)
def test_multi_head_attention_mistakes_are_named(wrong, name):
    with pytest.raises(ExerciseFailed, match=name):
        checks.check_multi_head_attention(wrong)


def test_multi_head_attention_names_wrong_shapes_and_missing_queries():
    class Narrow(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.query, self.key, self.value = (nn.Linear(config.hidden_size, config.head_size) for _ in range(3))

    with pytest.raises(ExerciseFailed, match=r"shape: query.weight has shape \(4, 8\) .*nn.Linear\(H, H\), all heads"):
        checks.check_multi_head_attention(Narrow)

    class NoQueries(attention_module()):
        def forward(self, x, mask=None, *, output_attentions=False, output_qk=False):
            out = super().forward(x, mask, output_attentions=output_attentions)
            return SelfAttentionOutput(context=out.context, weights=out.weights)

    with pytest.raises(ExerciseFailed, match="with output_qk=True return queries"):
        checks.check_multi_head_attention(NoQueries)
    with pytest.raises(ExerciseFailed, match="pass the class itself"):
        checks.check_multi_head_attention(attention_module()(BertConfig(hidden_size=8, num_attention_heads=2)))


def test_q_k_v_get_no_guessed_renames():
    with pytest.raises(ExerciseFailed) as failure:
        checks.check_multi_head_attention(attention_module(names=("q", "k", "v")))
    assert "rename" not in str(failure.value)  # q, k, v pair with query, key, value every way: no guess


def test_a_crashing_forward_is_named_as_the_forward():
    class Crashing(attention_module()):
        def forward(self, x, mask=None, **options):
            raise KeyError("boom")

    with pytest.raises(ExerciseFailed, match=r"MultiHeadSelfAttention.forward raised KeyError: 'boom' \(case: H = 8"):
        checks.check_multi_head_attention(Crashing)


def test_the_module_check_leaves_the_global_seed_alone(capsys):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    checks.check_multi_head_attention(attention_module())
    assert torch.equal(torch.rand(3), expected)
