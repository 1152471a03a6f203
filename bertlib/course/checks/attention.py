"""Checks for notebooks 02 and 03: softmax, parameter-free self-attention, the padding mask, and
scaled dot-product attention.

Each check tries at least three cases. When a result is wrong, it is compared with the typical
wrong answers of its exercise (each a `Mistake`), so that the message names the mistake and how to
mend it: a softmax over the wrong axis, no max-subtraction, a transposed key, the missing 1/√d
scaling, the mask's sign or a mask applied after the softmax. Each check falls back to bertlib's own
version (or torch's, where bertlib has none) while the exercise is not written yet. Its job ends at
one head's attention: splitting into heads and the multi-head module are heads.py's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from bertlib.course.checks.framework import Checker, Mistake, exercise_check
from bertlib.model.attention import explicit_attention, padding_mask
from bertlib.model.outputs import AttentionOutput


def fixed_generator() -> torch.Generator:
    """A fresh generator from seed 0: every check draws the same cases every time."""
    return torch.Generator().manual_seed(0)


WRONG_AXIS = "softmax over the wrong axis"
NO_MAX_SUBTRACTION = "numerical stability (no max-subtraction)"


# ----------------------------------------------------------------------------- the fallbacks


def _torch_softmax(scores: torch.Tensor) -> torch.Tensor:
    """torch's softmax over the last dimension (what bertlib uses), with the exercise's signature."""
    return scores.softmax(dim=-1)


def _parameter_free_self_attention(x: torch.Tensor) -> AttentionOutput:
    """softmax(x xᵀ) x, notebook 02's parameter-free attention. bertlib's own attention always
    scales by 1/√d, so this one is written out (with torch's softmax)."""
    weights = (x @ x.T).softmax(dim=-1)  # (n, n)
    return AttentionOutput(context=weights @ x, weights=weights)  # context: (n, d)


def _bertlib_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> AttentionOutput:
    """bertlib's `explicit_attention`, with the exercise's signature (no dropout)."""
    return explicit_attention(q, k, v, mask)


# ----------------------------------------------------------------------------- 02: softmax, self-attention


def _softmax_mistakes(scores: torch.Tensor) -> list[Mistake]:
    """A softmax over each other axis, and one normalised over the whole tensor."""
    exps = (scores - scores.max()).exp()
    mistakes = [
        Mistake(
            WRONG_AXIS,
            scores.softmax(dim=axis),
            f"yours normalises over dimension {axis}; each row must sum to 1 over the LAST dimension (dim=-1)",
        )
        for axis in range(scores.dim() - 1)
    ]
    return [
        *mistakes,
        Mistake(
            "normalised over the whole tensor",
            exps / exps.sum(),
            "sum the exponentials of each row: .sum(dim=-1, keepdim=True), not .sum() of everything",
        ),
    ]


@exercise_check(fallback=_torch_softmax)
def check_softmax(softmax: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """softmax(scores) -> probabilities over the last dimension, same shape and dtype."""
    check = Checker("softmax", softmax)
    for shape in [(4,), (3, 5), (2, 3, 4)]:
        case = f"scores of shape {shape}"
        scores = torch.randn(shape, generator=fixed_generator())
        got = check.expect_tensor(check.call(scores.clone(), case=case), case)
        check.expect_right(got, scores.softmax(-1), _softmax_mistakes(scores), case)
    case = "large scores [1000, 1001, 1002]"
    large = torch.tensor([1000.0, 1001.0, 1002.0])
    got = check.expect_tensor(check.call(large.clone(), case=case), case)
    check.expect(
        bool(torch.isfinite(got).all()),
        NO_MAX_SUBTRACTION,
        "the result contains inf or nan: exp(1000) overflows; subtract the row's maximum before exp()",
        case,
    )
    check.expect_close(got, large.softmax(-1), case)
    case = "rows at very different levels [[1000, 1001, 1002], [-1000, -1001, -1002]]"
    levels = torch.tensor([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]])
    got = check.expect_tensor(check.call(levels.clone(), case=case), case)
    check.expect(
        bool(torch.isfinite(got).all()),
        "numerical stability (one maximum for all rows)",
        "the second row became nan: subtract each row's OWN maximum, "
        "scores.max(dim=-1, keepdim=True).values, not one maximum of the whole tensor or of another dimension",
        case,
    )
    check.expect_right(got, levels.softmax(-1), _softmax_mistakes(levels), case)
    case = "float64 scores"
    check.expect_dtype(check.call(torch.randn(3, dtype=torch.float64), case=case), torch.float64, case)
    check.done()


@exercise_check(fallback=_parameter_free_self_attention)
def check_self_attention(self_attention: Callable[[torch.Tensor], AttentionOutput]) -> None:
    """self_attention(x) -> AttentionOutput(context, weights): parameter-free, softmax(X Xᵀ) X."""
    check = Checker("self_attention", self_attention)
    x = torch.randn(5, 4, generator=fixed_generator())
    for case, inputs in [
        ("x of shape (5, 4)", x),
        ("x of shape (3, 6): fewer words than dimensions", torch.randn(3, 6, generator=fixed_generator())),
        ("x of shape (5, 4) scaled by 10, so that some scores are in the hundreds", 10 * x),
    ]:
        got = check.call(inputs, case=case)
        check.expect(
            hasattr(got, "context") and hasattr(got, "weights"),
            "type",
            f"return AttentionOutput(context=..., weights=...), not {type(got).__name__}",
            case,
        )
        n, d = inputs.shape
        scores = inputs @ inputs.T  # (n, n)
        weights = scores.softmax(-1)
        check.expect_tensor_kind(got.weights, (n, n), case)
        check.expect(
            bool(torch.isfinite(got.weights).all()),
            NO_MAX_SUBTRACTION,
            "the weights contain inf or nan: exp() of a score in the hundreds overflows; use a softmax "
            "that subtracts each row's maximum (yours or torch's)",
            case,
        )
        check.expect_right(
            got.weights,
            weights,
            [
                Mistake(WRONG_AXIS, scores.softmax(0), "each ROW of the weights must sum to 1: softmax over dim=-1"),
                Mistake(
                    "scaled by √d",
                    (scores / math.sqrt(d)).softmax(-1),
                    "this parameter-free attention has no scaling (notebook 03 adds it): softmax(x @ x.T)",
                ),
            ],
            case,
            hint="weights = softmax(x @ x.T) over the last dimension",
        )
        check.expect_right(
            got.context,
            weights @ inputs,
            [Mistake("weighted sum", weights.T @ inputs, "context = weights @ x: row i mixes the rows of x")],
            case,
            hint="context = weights @ x: each row a weighted sum of the rows of x",
        )
    check.done()


# ----------------------------------------------------------------------------- 03: the mask, attention


@exercise_check(fallback=padding_mask)
def check_padding_mask(make_padding_mask: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """make_padding_mask(attention_mask (B, T) of 1/0) -> additive mask (B, 1, 1, T): 0 or very negative."""
    check = Checker("make_padding_mask", make_padding_mask)
    for case, attention_mask in [
        ("attention_mask [[1,1,1,0],[1,1,0,0]]", torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])),
        ("a batch without padding [[1,1,1]]", torch.tensor([[1, 1, 1]])),
        (
            "attention_mask [[1,0,0,0,0],[1,1,1,1,1],[1,1,1,0,0]]",
            torch.tensor([[1, 0, 0, 0, 0], [1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]),
        ),
    ]:
        batch, length = attention_mask.shape
        got = check.expect_tensor(check.call(attention_mask.clone(), case=case), case)
        check.expect(
            tuple(got.shape) != (batch, length),
            "shape",
            f"expected shape {(batch, 1, 1, length)}, got {tuple(got.shape)}: add the two middle dimensions "
            "(attention_mask[:, None, None, :]) so that the mask broadcasts over the heads and the queries",
            case,
        )
        check.expect_shape(got, (batch, 1, 1, length), case)
        check.expect(
            got.is_floating_point(), "dtype", f"the mask is added to float scores: return floats, not {got.dtype}", case
        )
        check.expect_finite(
            got,
            case,
            hint="use a large finite number like -10000 rather than -inf: a row of padding only would give nan",
        )
        real, blocked = got[attention_mask[:, None, None, :] == 1], got[attention_mask[:, None, None, :] == 0]
        if blocked.numel():
            check.expect(
                not bool((blocked >= 1e4).all()),
                "mask sign",
                "padding gets +10000, which makes it WIN the softmax: add a large NEGATIVE number (-10000)",
                case,
            )
            check.expect(
                not (bool((real <= -1e4).all()) and bool((blocked == 0).all())),
                "mask inverted",
                "yours blocks the real tokens (1) and keeps the padding (0): real tokens add 0, padding -10000",
                case,
            )
        check.expect(
            not bool((real == 1).all()),
            "multiplicative mask",
            "the mask is ADDED to the scores: real tokens must add 0 (not 1), padding -10000 (not 0)",
            case,
        )
        check.expect(bool((real == 0).all()), "masking", "real tokens (1) must add exactly 0 to the scores", case)
        check.expect(
            bool((blocked <= -1e4).all()),
            "masking",
            "padding (0) must add a very negative number (e.g. -10000) so that softmax gives it ~0",
            case,
        )
    check.done()


def attention_mistakes(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None
) -> tuple[list[Mistake], list[Mistake]]:
    """The typical wrong weights and wrong contexts of scaled dot-product attention on q, k, v
    (B, nh, T, hd) with an additive mask (B, 1, 1, T) or None."""
    head_size, length = q.shape[-1], q.shape[-2]
    additive = torch.zeros(()) if mask is None else mask
    raw = q @ k.transpose(-2, -1)  # (B, nh, T, T)
    scores = raw * head_size**-0.5
    plain = scores.softmax(-1)
    weights = (scores + additive).softmax(-1)
    scaling = f"divide the scores by √d = √{head_size} = {math.sqrt(head_size):.2f} before the softmax"
    mistakes = [
        Mistake("missing the 1/√d scaling", (raw + additive).softmax(-1), scaling),
        Mistake("scaled by 1/d instead of 1/√d", (raw / head_size + additive).softmax(-1), scaling),
        Mistake(WRONG_AXIS, (scores + additive).softmax(-2), "normalise each query's row of scores: softmax(dim=-1)"),
    ]
    if length == head_size:  # only then does q @ k run at all; with T != hd it raises a shape error
        mistakes.append(
            Mistake(
                "transposed key",
                ((q @ k) * head_size**-0.5 + additive).softmax(-1),
                "q @ k multiplies the queries with the rows of k; the scores are q @ k.transpose(-2, -1) (Kᵀ)",
            )
        )
    if mask is not None:
        mistakes += [
            Mistake(
                "mask sign",
                (scores - additive).softmax(-1),
                "yours gives the padding the most weight: ADD the mask (0 or -10000), do not subtract it",
            ),
            Mistake(
                "mask applied after the softmax",
                plain + additive,
                "add the mask to the scaled scores BEFORE the softmax, so that the weights of padding become 0",
            ),
            Mistake(
                "mask applied after the softmax",
                plain * (additive == 0),
                "zeroing weights after the softmax leaves rows that no longer sum to 1: "
                "add the mask to the scores before the softmax",
            ),
            Mistake(
                "mask ignored",
                plain,
                "padding keys must get weight 0: add the mask to the scaled scores before the softmax",
            ),
        ]
    contexts = [
        Mistake(
            "weighted sum",
            weights.transpose(-2, -1) @ v,
            "context = weights @ v: query i mixes the values with row i of the weights",
        )
    ]
    return mistakes, contexts


def weights_of(output: Any) -> torch.Tensor:
    """The weights of an attention output that must have them (explicit attention always does)."""
    assert output.weights is not None, "explicit attention always returns its weights"
    return output.weights


@exercise_check(fallback=_bertlib_attention)
def check_attention(scaled_dot_product_attention: Callable[..., AttentionOutput]) -> None:
    """scaled_dot_product_attention(q, k, v, mask=None) -> AttentionOutput: softmax(QKᵀ/√d + mask) V."""
    check = Checker("scaled_dot_product_attention", scaled_dot_product_attention)
    generator = fixed_generator()
    for shape, attention_mask in [
        ((2, 2, 4, 4), None),  # T = hd, so that a transposed key still runs and shows
        ((2, 3, 5, 8), [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]),
        ((1, 2, 6, 3), [[1, 1, 1, 1, 0, 0]]),
    ]:
        q, k, v = (3 * torch.randn(*shape, generator=generator) for _ in range(3))  # (B, nh, T, hd)
        mask = None if attention_mask is None else padding_mask(torch.tensor(attention_mask))  # (B, 1, 1, T)
        case = f"q, k, v of shape {shape}, " + ("no mask" if mask is None else f"padding mask {attention_mask}")
        got = check.call(q, k, v, case=case) if mask is None else check.call(q, k, v, mask, case=case)
        check.expect(
            hasattr(got, "context") and hasattr(got, "weights"),
            "type",
            f"return AttentionOutput(context=..., weights=...), not {type(got).__name__}",
            case,
        )
        want = explicit_attention(q, k, v, mask)
        weight_mistakes, context_mistakes = attention_mistakes(q, k, v, mask)
        check.expect_right(got.weights, weights_of(want), weight_mistakes, case)
        check.expect_right(got.context, want.context, context_mistakes, case, hint="context = weights @ v")
    check.done()
