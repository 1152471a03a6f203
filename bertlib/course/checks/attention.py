"""Checks for notebooks 02–04: softmax, self-attention, masking, splitting into heads, and the
multi-head self-attention module.

Each check tries at least three cases. When a result is wrong, it is compared with the typical
wrong answers of its exercise (each a `Mistake`), so that the message names the mistake and how to
mend it: a softmax over the wrong axis, no max-subtraction, a transposed key, the missing 1/√d
scaling, the mask's sign or a mask applied after the softmax, heads mixed by a view without the
transpose, wrong parameter names. Each check falls back to bertlib's own version (or torch's,
where bertlib has none) while the exercise is not written yet.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn

from bertlib.course.checks.framework import Checker, ExerciseFailed, exercise_check
from bertlib.model.attention import MultiHeadSelfAttention, explicit_attention, padding_mask
from bertlib.model.config import BertConfig
from bertlib.model.outputs import AttentionOutput

_generator = lambda: torch.Generator().manual_seed(0)  # noqa: E731 - fresh, fixed cases for every check

WRONG_AXIS = "softmax over the wrong axis"
NO_MAX_SUBTRACTION = "numerical stability (no max-subtraction)"


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: its name (the message's kind), what it computes, and the fix."""

    kind: str
    result: torch.Tensor
    hint: str


def _close(got: torch.Tensor, want: torch.Tensor, atol: float) -> bool:
    """Same shape, real, and within `atol` everywhere (NaN only where `want` has NaN too)."""
    if got.shape != want.shape or got.is_complex():
        return False
    return torch.allclose(got.detach().double(), want.detach().double(), rtol=0.0, atol=atol, equal_nan=True)


def judge(
    check: Checker,
    got: Any,
    want: torch.Tensor,
    mistakes: Iterable[Mistake],
    case: str,
    *,
    atol: float = 1e-5,
    hint: str = "",
) -> None:
    """Pass if `got` is within `atol` of `want`; otherwise fail naming the first typical mistake
    whose result `got` matches (a wrong shape may match one too), or else as wrong "values"."""
    check.expect_tensor_kind(got, tuple(want.shape), case)
    check.expect(
        got.is_floating_point() or got.is_complex() or not want.is_floating_point(),
        "dtype",
        f"it returned a tensor of {got.dtype}: these are real numbers, keep the input's float dtype "
        "(an integer tensor rounds every weight to 0 or 1)",
        case,
    )
    if not _close(got, want, atol):
        for mistake in mistakes:
            if _close(got, mistake.result, atol):
                check.fail(mistake.kind, mistake.hint, case)
    check.expect_close(got, want, case, atol=atol, hint=hint)


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


def _bertlib_split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """bertlib's `MultiHeadSelfAttention.split_heads`, with the exercise's signature: the method
    reads only the module's `num_heads` and `head_size`, given here without building a module."""
    sizes = SimpleNamespace(num_heads=num_heads, head_size=x.shape[-1] // num_heads)
    return MultiHeadSelfAttention.split_heads(sizes, x)  # type: ignore[arg-type]  # (B, nh, T, hd)


def _bertlib_merge_heads(x: torch.Tensor) -> torch.Tensor:
    """The merge in `MultiHeadSelfAttention.forward` (an inline line there), as a function."""
    batch, heads, length, head_size = x.shape
    return x.transpose(1, 2).reshape(batch, length, heads * head_size)  # (B, T, H)


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
        scores = torch.randn(shape, generator=_generator())
        got = check.expect_tensor(check.call(scores.clone(), case=case), case)
        judge(check, got, scores.softmax(-1), _softmax_mistakes(scores), case)
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
    judge(check, got, levels.softmax(-1), _softmax_mistakes(levels), case)
    case = "float64 scores"
    check.expect_dtype(check.call(torch.randn(3, dtype=torch.float64), case=case), torch.float64, case)
    check.done()


@exercise_check(fallback=_parameter_free_self_attention)
def check_self_attention(self_attention: Callable[[torch.Tensor], AttentionOutput]) -> None:
    """self_attention(x) -> AttentionOutput(context, weights): parameter-free, softmax(X Xᵀ) X."""
    check = Checker("self_attention", self_attention)
    x = torch.randn(5, 4, generator=_generator())
    for case, inputs in [
        ("x of shape (5, 4)", x),
        ("x of shape (3, 6): fewer words than dimensions", torch.randn(3, 6, generator=_generator())),
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
        judge(
            check,
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
        judge(
            check,
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


def _attention_mistakes(
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


@exercise_check(fallback=_bertlib_attention)
def check_attention(scaled_dot_product_attention: Callable[..., AttentionOutput]) -> None:
    """scaled_dot_product_attention(q, k, v, mask=None) -> AttentionOutput: softmax(QKᵀ/√d + mask) V."""
    check = Checker("scaled_dot_product_attention", scaled_dot_product_attention)
    generator = _generator()
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
        weight_mistakes, context_mistakes = _attention_mistakes(q, k, v, mask)
        judge(check, got.weights, _weights(want), weight_mistakes, case)
        judge(check, got.context, want.context, context_mistakes, case, hint="context = weights @ v")
    check.done()


# ----------------------------------------------------------------------------- 04: heads


#: (B, T, H, nh) of the head checks: hd = 2 with T < nh; hd = 2 with T > nh; hd = nh = 4.
HEAD_CASES = [(2, 3, 8, 4), (1, 5, 6, 3), (3, 2, 16, 4)]


def _numbered(batch: int, length: int, hidden: int) -> torch.Tensor:
    """(B, T, H) holding 0, 1, 2, ...: every entry says where it came from, so a mixed layout shows."""
    return torch.arange(batch * length * hidden, dtype=torch.float32).reshape(batch, length, hidden)


@exercise_check(fallback=_bertlib_split_heads)
def check_split_heads(split_heads: Callable[[torch.Tensor, int], torch.Tensor]) -> None:
    """split_heads(x (B, T, H), num_heads) -> (B, nh, T, hd), head h holding dims h·hd … (h+1)·hd − 1."""
    check = Checker("split_heads", split_heads)
    for batch, length, hidden, heads in HEAD_CASES:
        head_size = hidden // heads
        x = _numbered(batch, length, hidden)
        case = f"x of shape {(batch, length, hidden)} into {heads} heads of {head_size}"
        got = check.expect_tensor(check.call(x.clone(), heads, case=case), case)
        want = x.view(batch, length, heads, head_size).transpose(1, 2)  # (B, nh, T, hd)
        judge(
            check,
            got,
            want,
            [
                Mistake(
                    "heads mixed (a view without the transpose)",
                    x.reshape(batch, heads, length, head_size),
                    "viewing (B, T, H) straight as (B, nh, T, hd) has the right shape but mixes tokens between "
                    "heads: view as (B, T, nh, hd) first, then .transpose(1, 2)",
                ),
                Mistake(
                    "missing transpose",
                    x.view(batch, length, heads, head_size),
                    "yours is (B, T, nh, hd): move the head dimension forward with .transpose(1, 2)",
                ),
                Mistake(
                    "heads take every nh-th dimension",
                    x.view(batch, length, head_size, heads).permute(0, 3, 1, 2),
                    "head h gets the consecutive dimensions h·hd … (h+1)·hd − 1: view the last dimension as "
                    "(nh, hd), not (hd, nh)",
                ),
            ],
            case,
            hint="first view as (B, T, nh, hd), then swap T and nh",
        )
    check.done()


def _call_naming_view_error(check: Checker, x: torch.Tensor, case: str) -> Any:
    """Call the student's merge_heads; `.view` on the transposed (non-contiguous) tensor is named."""
    try:
        return check.call(x, case=case)
    except ExerciseFailed as failure:
        if "view size is not compatible" not in str(failure):
            raise
        check.fail(
            ".view on a transposed tensor",
            "after .transpose(1, 2) the tensor is not contiguous in memory, so .view refuses it: use "
            ".reshape (or .contiguous().view)",
            case,
        )


@exercise_check(fallback=_bertlib_merge_heads)
def check_merge_heads(merge_heads: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """merge_heads(x (B, nh, T, hd)) -> (B, T, nh·hd): the inverse of split_heads (concatenate the heads)."""
    check = Checker("merge_heads", merge_heads)
    for batch, length, hidden, heads in HEAD_CASES:
        head_size = hidden // heads
        x = _numbered(batch, length, hidden)
        # (B, nh, T, hd), contiguous as attention's context is: transposed back, it is not contiguous
        split = x.view(batch, length, heads, head_size).transpose(1, 2).contiguous()
        case = f"a {tuple(split.shape)} context of the heads (split_heads of {(batch, length, hidden)})"
        got = check.expect_tensor(_call_naming_view_error(check, split, case), case)
        judge(
            check,
            got,
            x,
            [
                Mistake(
                    "not the inverse of split_heads (heads mixed)",
                    split.view(batch, length, hidden),
                    "reshaping (B, nh, T, hd) straight to (B, T, H) mixes the heads' tokens: "
                    "swap nh and T back with .transpose(1, 2) first, then reshape",
                ),
                Mistake(
                    "missing transpose",
                    split.view(batch, heads, length * head_size),
                    "yours keeps the heads first: .transpose(1, 2) to (B, T, nh, hd), then reshape to (B, T, H)",
                ),
            ],
            case,
            hint="swap nh and T back first, then reshape",
        )
    check.done()


# ----------------------------------------------------------------------------- 04: the module


@dataclass(frozen=True)
class ModuleCase:
    """One forward case of the module check: sizes, padding, and which extras are asked for."""

    hidden: int
    heads: int
    attention_mask: list[list[int]] | None  # (B, T) of 1/0, or None for no mask
    output_attentions: bool = True
    output_qk: bool = False

    def describe(self) -> str:
        """How the message names the case."""
        inputs = f"padding {self.attention_mask}" if self.attention_mask else "B = 2, T = 4, no mask"
        extras = "output_attentions=True" if self.output_attentions else "output_attentions=False, output_qk=True"
        return f"H = {self.hidden}, nh = {self.heads}, {inputs}, {extras}"


MODULE_CASES = [
    ModuleCase(8, 2, None),  # hd = T = 4: a transposed key would still run
    ModuleCase(8, 2, [[1, 1, 1, 0], [1, 1, 1, 1]]),
    ModuleCase(12, 3, [[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 1, 1, 0]]),
    ModuleCase(12, 3, [[1, 1, 0]], output_attentions=False, output_qk=True),
]


def _tiny_config(hidden: int, heads: int) -> BertConfig:
    """A BertConfig of the given attention sizes, without dropout (the rest does not matter here)."""
    return BertConfig(
        vocab_size=16,
        hidden_size=hidden,
        num_hidden_layers=1,
        num_attention_heads=heads,
        intermediate_size=2 * hidden,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )


def _apply(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call `function`: the module check runs the student's class and then its instances as cases."""
    return function(*args, **kwargs)


def _build(check: Checker, module_class: Any, config: BertConfig, reference: nn.Module, case: str) -> nn.Module:
    """The student's module for `config`, filled strictly by name with `reference`'s weights."""
    module = check.call(module_class, config, case=case)
    check.expect(
        isinstance(module, nn.Module), "type", f"MultiHeadSelfAttention(config) gave {type(module).__name__}", case
    )
    theirs, ours = module.state_dict(), reference.state_dict()
    missing, unexpected = sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours))
    check.expect(
        not missing and not unexpected,
        "wrong parameter names",
        "bertlib's loader fills query, key and value (nn.Linear(H, H) each, Hugging Face's names); "
        f"missing: {', '.join(missing) or 'none'}; not in a checkpoint: {', '.join(unexpected) or 'none'}",
        case,
    )
    for name, tensor in ours.items():
        check.expect(
            theirs[name].shape == tensor.shape,
            "parameter shapes",
            f"{name} has shape {tuple(theirs[name].shape)}, a checkpoint's has {tuple(tensor.shape)}: "
            "each projection is nn.Linear(H, H), all heads at once",
            case,
        )
    module.load_state_dict(ours, strict=True)
    return module.eval()


def _weights(output: Any) -> torch.Tensor:
    """The weights of an attention output that must have them (explicit attention always does)."""
    assert output.weights is not None, "explicit attention always returns its weights"
    return output.weights


def _module_mistakes(
    reference: MultiHeadSelfAttention, x: torch.Tensor, mask: torch.Tensor | None
) -> tuple[list[Mistake], list[Mistake]]:
    """The typical wrong weights and contexts of the module, computed from `reference`'s projections."""
    batch, length, hidden = x.shape
    heads, head_size = reference.num_heads, reference.head_size
    q, k, v = (reference.split_heads(projection(x)) for projection in (reference.query, reference.key, reference.value))
    weight_mistakes, _ = _attention_mistakes(q, k, v, mask)
    mixed = [projection(x).reshape(batch, heads, length, head_size) for projection in (reference.query, reference.key)]
    weight_mistakes += [
        Mistake(
            "heads split wrongly",
            _weights(explicit_attention(mixed[0], mixed[1], v, mask)),
            "a view of (B, T, H) straight as (B, nh, T, hd) mixes tokens between heads: use your split_heads",
        ),
        Mistake(
            "query, key and value mixed up",
            _weights(explicit_attention(q, q, v, mask)),
            "the keys come from self.key(x), the queries from self.query(x)",
        ),
    ]
    context = explicit_attention(q, k, v, mask).context  # (B, nh, T, hd)
    context_mistakes = [
        Mistake(
            "heads merged wrongly",
            context.reshape(batch, length, hidden),
            "reshaping (B, nh, T, hd) straight to (B, T, H) mixes the heads: use your merge_heads",
        ),
        Mistake(
            "query, key and value mixed up",
            _bertlib_merge_heads(explicit_attention(q, k, reference.split_heads(reference.query(x)), mask).context),
            "the values come from self.value(x)",
        ),
    ]
    return weight_mistakes, context_mistakes


@exercise_check(fallback=MultiHeadSelfAttention)
def check_multi_head_attention(module_class: type[nn.Module]) -> None:
    """MultiHeadSelfAttention(config) with query, key, value = nn.Linear(H, H); its forward(x (B, T, H), mask
    (B, 1, 1, T) or None, output_attentions=..., output_qk=...) returns SelfAttentionOutput(context (B, T, H),
    weights (B, nh, T, T), queries, keys) like bertlib's."""
    check = Checker("MultiHeadSelfAttention", _apply)
    check.expect(
        isinstance(module_class, type),
        "type",
        f"pass the class itself, check_multi_head_attention(MultiHeadSelfAttention), not {type(module_class).__name__}",
        "the class",
    )
    generator = _generator()
    with torch.random.fork_rng(devices=[]), torch.no_grad():  # building modules must not move the notebook's seed
        torch.manual_seed(0)
        modules: dict[tuple[int, int], tuple[nn.Module, MultiHeadSelfAttention]] = {}
        for spec in MODULE_CASES:
            sizes = (spec.hidden, spec.heads)
            if sizes not in modules:
                config = _tiny_config(*sizes)
                reference = MultiHeadSelfAttention(config).eval()
                case = f"MultiHeadSelfAttention(config) with H = {spec.hidden}, nh = {spec.heads}"
                modules[sizes] = (_build(check, module_class, config, reference, case), reference)
            module, reference = modules[sizes]
            attention_mask = torch.tensor(spec.attention_mask) if spec.attention_mask else torch.ones(2, 4)
            x = 2 * torch.randn(*attention_mask.shape, spec.hidden, generator=generator)  # (B, T, H)
            mask = padding_mask(attention_mask) if spec.attention_mask else None  # (B, 1, 1, T)
            options = {"output_attentions": spec.output_attentions, "output_qk": spec.output_qk}
            case = spec.describe()
            got = check.call(module, x, mask, case=case, **options)
            want = reference(x, mask, **options)
            check.expect(
                hasattr(got, "context"),
                "type",
                f"return SelfAttentionOutput(context=..., weights=...), not {type(got).__name__}",
                case,
            )
            weight_mistakes, context_mistakes = _module_mistakes(reference, x, mask)
            if spec.output_attentions:
                judge(check, got.weights, _weights(want), weight_mistakes, case)
            judge(check, got.context, want.context, context_mistakes, case, hint="context: (B, T, H) before W_o")
            if spec.output_qk:
                for field in ("queries", "keys"):
                    check.expect(
                        getattr(got, field, None) is not None,
                        "type",
                        f"with output_qk=True return {field} (B, nh, T, hd) too: the neuron view reads them",
                        case,
                    )
                    judge(check, getattr(got, field), getattr(want, field), [], case)
    check.done()
