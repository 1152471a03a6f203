"""Checks for notebook 04: splitting a layer's vectors into heads, merging them back, and the
MultiHeadSelfAttention module.

The head checks feed numbered tensors (every entry says where it came from), so that a layout that
mixes tokens between heads shows, and name the typical wrong layouts: a view without the transpose,
heads taking every nh-th dimension, `.view` on a transposed tensor. The module check builds the
student's class with modules.py's `ModuleChecker` (bertlib's weights loaded strictly by name) and
names the attention mistakes of notebook 03 as well as heads split or merged wrongly and query, key
and value mixed up. Its job ends at one attention layer: the blocks around it are encoder.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn

from bertlib.course.checks.attention import attention_mistakes, fixed_generator, weights_of
from bertlib.course.checks.framework import Checker, ExerciseFailed, Mistake, exercise_check
from bertlib.course.checks.modules import ModuleChecker, module_check
from bertlib.model.attention import MultiHeadSelfAttention, explicit_attention, padding_mask
from bertlib.model.config import BertConfig

# ----------------------------------------------------------------------------- the fallbacks


def _bertlib_split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """bertlib's `MultiHeadSelfAttention.split_heads`, with the exercise's signature: the method
    reads only the module's `num_heads` and `head_size`, given here without building a module."""
    sizes = SimpleNamespace(num_heads=num_heads, head_size=x.shape[-1] // num_heads)
    return MultiHeadSelfAttention.split_heads(sizes, x)  # type: ignore[arg-type]  # (B, nh, T, hd)


def _bertlib_merge_heads(x: torch.Tensor) -> torch.Tensor:
    """The merge in `MultiHeadSelfAttention.forward` (an inline line there), as a function."""
    batch, heads, length, head_size = x.shape
    return x.transpose(1, 2).reshape(batch, length, heads * head_size)  # (B, T, H)


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
        check.expect_right(
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
        check.expect_right(
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


#: What a wrong parameter shape gets told: the projections are not per head.
_SHAPES = "each projection is nn.Linear(H, H), all heads at once"


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


def _module_mistakes(
    reference: MultiHeadSelfAttention, x: torch.Tensor, mask: torch.Tensor | None
) -> tuple[list[Mistake], list[Mistake]]:
    """The typical wrong weights and contexts of the module, computed from `reference`'s projections."""
    batch, length, hidden = x.shape
    heads, head_size = reference.num_heads, reference.head_size
    q, k, v = (reference.split_heads(projection(x)) for projection in (reference.query, reference.key, reference.value))
    weight_mistakes, _ = attention_mistakes(q, k, v, mask)
    mixed = [projection(x).reshape(batch, heads, length, head_size) for projection in (reference.query, reference.key)]
    weight_mistakes += [
        Mistake(
            "heads split wrongly",
            weights_of(explicit_attention(mixed[0], mixed[1], v, mask)),
            "a view of (B, T, H) straight as (B, nh, T, hd) mixes tokens between heads: use your split_heads",
        ),
        Mistake(
            "query, key and value mixed up",
            weights_of(explicit_attention(q, q, v, mask)),
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


@module_check(fallback=MultiHeadSelfAttention)
def check_multi_head_attention(check: ModuleChecker) -> None:
    """MultiHeadSelfAttention(config) with query, key, value = nn.Linear(H, H); its forward(x (B, T, H), mask
    (B, 1, 1, T) or None, output_attentions=..., output_qk=...) returns SelfAttentionOutput(context (B, T, H),
    weights (B, nh, T, T), queries, keys) like bertlib's."""
    check.expect(
        isinstance(check.function, type),
        "type",
        "pass the class itself, check_multi_head_attention(MultiHeadSelfAttention), not "
        + type(check.function).__name__,
        "the class",
    )
    generator = fixed_generator()
    modules: dict[tuple[int, int], tuple[nn.Module, MultiHeadSelfAttention]] = {}
    for spec in MODULE_CASES:
        sizes = (spec.hidden, spec.heads)
        if sizes not in modules:
            config = _tiny_config(*sizes)
            reference = MultiHeadSelfAttention(config).eval()
            case = f"MultiHeadSelfAttention(config) with H = {spec.hidden}, nh = {spec.heads}"
            modules[sizes] = (check.build((config,), reference, case, shapes=_SHAPES), reference)
        module, reference = modules[sizes]
        attention_mask = torch.tensor(spec.attention_mask) if spec.attention_mask else torch.ones(2, 4)
        x = 2 * torch.randn(*attention_mask.shape, spec.hidden, generator=generator)  # (B, T, H)
        mask = padding_mask(attention_mask) if spec.attention_mask else None  # (B, 1, 1, T)
        options = {"output_attentions": spec.output_attentions, "output_qk": spec.output_qk}
        case = spec.describe()
        got = check.run(module, x, mask, case=case, counts=True, **options)
        want = reference(x, mask, **options)
        check.expect(
            hasattr(got, "context"),
            "type",
            f"return SelfAttentionOutput(context=..., weights=...), not {type(got).__name__}",
            case,
        )
        weight_mistakes, context_mistakes = _module_mistakes(reference, x, mask)
        if spec.output_attentions:
            check.expect_right(got.weights, weights_of(want), weight_mistakes, case)
        check.expect_right(got.context, want.context, context_mistakes, case, hint="context: (B, T, H) before W_o")
        if spec.output_qk:
            for field in ("queries", "keys"):
                check.expect(
                    getattr(got, field, None) is not None,
                    "type",
                    f"with output_qk=True return {field} (B, nh, T, hd) too: the neuron view reads them",
                    case,
                )
                check.expect_right(getattr(got, field), getattr(want, field), [], case)
