"""Checks for notebooks 02–04: softmax, self-attention, masking, and splitting into heads."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from bertlib.course.checks.framework import Checker, exercise_check
from bertlib.model.attention import explicit_attention, padding_mask

_generator = lambda: torch.Generator().manual_seed(0)  # noqa: E731 - fresh, fixed cases for every check


@exercise_check
def check_softmax(softmax: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """softmax(scores) -> probabilities over the last dimension, same shape and dtype."""
    check = Checker("softmax", softmax)
    for shape in [(4,), (3, 5), (2, 3, 4)]:
        case = f"scores of shape {shape}"
        scores = torch.randn(shape, generator=_generator())
        got = check.expect_tensor(check.call(scores.clone(), case=case), case)
        check.expect_shape(got, shape, case)
        check.expect(
            torch.allclose(got.sum(-1), torch.ones(shape[:-1]), atol=1e-5),
            "values",
            "each row should sum to 1 over the LAST dimension",
            case,
        )
        check.expect_close(got, scores.softmax(-1), case)
    case = "large scores [1000, 1001, 1002]"
    got = check.call(torch.tensor([1000.0, 1001.0, 1002.0]), case=case)
    check.expect_finite(got, case, hint="subtract the row's maximum before exp(): exp(1000) overflows")
    check.expect_close(got, torch.tensor([1000.0, 1001.0, 1002.0]).softmax(-1), case)
    case = "float64 scores"
    check.expect_dtype(check.call(torch.randn(3, dtype=torch.float64), case=case), torch.float64, case)
    check.done()


@exercise_check
def check_self_attention(self_attention: Callable) -> None:
    """self_attention(x) -> AttentionOutput(context, weights): parameter-free, softmax(X Xᵀ) X."""
    check = Checker("self_attention", self_attention)
    x = torch.randn(5, 4, generator=_generator())
    case = "x of shape (5, 4)"
    got = check.call(x, case=case)
    check.expect(
        hasattr(got, "context") and hasattr(got, "weights"),
        "type",
        "return AttentionOutput(context=..., weights=...)",
        case,
    )
    weights = (x @ x.T).softmax(-1)
    check.expect_shape(got.weights, (5, 5), case)
    check.expect_close(got.weights, weights, case, hint="weights = softmax(x @ x.T) over the last dimension")
    check.expect_shape(got.context, (5, 4), case)
    check.expect_close(got.context, weights @ x, case, hint="context = weights @ x: each row a weighted sum")
    case = "x scaled by 10, so that some scores are in the hundreds"
    got = check.call(10 * x, case=case)
    check.expect_finite(
        got.weights,
        case,
        hint="exp() of a score in the hundreds overflows: use a softmax "
        "that subtracts each row's maximum (yours or torch's)",
    )
    check.expect_close(got.weights, (100 * x @ x.T).softmax(-1), case)
    check.done()


@exercise_check
def check_padding_mask(make_padding_mask: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """make_padding_mask(attention_mask (B, T) of 1/0) -> additive mask (B, 1, 1, T): 0 or very negative."""
    check = Checker("make_padding_mask", make_padding_mask)
    attention_mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    case = "attention_mask [[1,1,1,0],[1,1,0,0]]"
    got = check.expect_tensor(check.call(attention_mask, case=case), case)
    check.expect_shape(got, (2, 1, 1, 4), case)
    check.expect(
        got.is_floating_point(), "dtype", f"the mask is added to float scores: return floats, not {got.dtype}", case
    )
    check.expect(
        bool((got[attention_mask[:, None, None, :] == 1] == 0).all()),
        "masking",
        "real tokens (1) must add exactly 0 to the scores",
        case,
    )
    blocked = got[attention_mask[:, None, None, :] == 0]
    check.expect(
        bool((blocked <= -1e4).all()),
        "masking",
        "padding (0) must add a very negative number (e.g. -10000) so that softmax gives it ~0",
        case,
    )
    check.expect_finite(
        got,
        case,
        hint="use a large finite number like -10000 rather than -inf, or a row of padding only would give nan",
    )
    case = "a batch without padding [[1, 1, 1]]"
    got = check.expect_tensor(check.call(torch.tensor([[1, 1, 1]]), case=case), case)
    check.expect_close(
        got,
        torch.zeros(1, 1, 1, 3),
        case,
        kind="masking",
        hint="without padding the mask must add nothing: all zeros, of shape (B, 1, 1, T)",
    )
    check.done()


@exercise_check
def check_attention(scaled_dot_product_attention: Callable) -> None:
    """scaled_dot_product_attention(q, k, v, mask=None) -> AttentionOutput: softmax(QKᵀ/√d + mask) V."""
    check = Checker("scaled_dot_product_attention", scaled_dot_product_attention)
    generator = _generator()
    q, k, v = (3 * torch.randn(2, 2, 4, 8, generator=generator) for _ in range(3))  # (B, nh, T, hd)
    want = explicit_attention(q, k, v)
    assert want.weights is not None  # the explicit (teaching) form always returns its weights
    case = "q, k, v of shape (2, 2, 4, 8), no mask"
    got = check.call(q, k, v, case=case)
    check.expect(
        hasattr(got, "context") and hasattr(got, "weights"),
        "type",
        "return AttentionOutput(context=..., weights=...)",
        case,
    )
    check.expect_shape(got.weights, (2, 2, 4, 4), case)
    unscaled = (q @ k.transpose(-2, -1)).softmax(-1)
    check.expect(
        not torch.allclose(got.weights, unscaled, atol=1e-4),
        "scaling",
        f"divide the scores by √d = √8 = {math.sqrt(8):.2f} before the softmax",
        case,
    )
    check.expect_close(got.weights, want.weights, case)
    check.expect_close(got.context, want.context, case)
    mask = padding_mask(torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]]))
    case = "the same with a padding mask [[1,1,1,0],[1,1,0,0]]"
    got = check.call(q, k, v, mask, case=case)
    check.expect(
        float(got.weights[0, :, :, 3].max()) < 1e-6 and float(got.weights[1, :, :, 2:].max()) < 1e-6,
        "masking",
        "padding keys must get weight 0: add the mask to the scores before the softmax",
        case,
    )
    check.expect_close(got.context, explicit_attention(q, k, v, mask).context, case)
    check.done()


@exercise_check
def check_split_heads(split_heads: Callable[[torch.Tensor, int], torch.Tensor]) -> None:
    """split_heads(x (B, T, H), num_heads) -> (B, nh, T, hd), head h holding dims h·hd … (h+1)·hd − 1."""
    check = Checker("split_heads", split_heads)
    x = torch.arange(2 * 3 * 8, dtype=torch.float32).reshape(2, 3, 8)  # (B=2, T=3, H=8)
    case = "x of shape (2, 3, 8) into 4 heads"
    got = check.expect_tensor(check.call(x, 4, case=case), case)
    check.expect_shape(got, (2, 4, 3, 2), case)
    want = x.view(2, 3, 4, 2).transpose(1, 2)
    check.expect_close(
        got,
        want,
        case,
        kind="layout",
        hint="first view as (B, T, nh, hd), then swap T and nh; a direct view to (B, nh, T, hd) "
        "mixes tokens between heads",
    )
    check.done()


@exercise_check
def check_merge_heads(merge_heads: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """merge_heads(x (B, nh, T, hd)) -> (B, T, nh·hd): the inverse of split_heads (concatenate the heads)."""
    check = Checker("merge_heads", merge_heads)
    x = torch.arange(2 * 3 * 8, dtype=torch.float32).reshape(2, 3, 8)
    split = x.view(2, 3, 4, 2).transpose(1, 2)  # (2, 4, 3, 2), not contiguous
    case = "a (2, 4, 3, 2) tensor made by split_heads"
    got = check.expect_tensor(check.call(split, case=case), case)
    check.expect_shape(got, (2, 3, 8), case)
    check.expect_close(
        got,
        x,
        case,
        kind="layout",
        hint="swap nh and T back first, then reshape (transpose makes it non-contiguous: use "
        ".reshape or .contiguous().view)",
    )
    check.done()
