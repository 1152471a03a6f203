"""Checks for notebook 05's exercises: add & norm, the modules of an encoder layer, the stack, and
counting parameters.

The module exercises are classes with Hugging Face's parameter names. Each check builds the
student's module and bertlib's (with random, non-trivial weights) with modules.py's
`ModuleChecker`, which copies bertlib's weights into the student's by name, as a strict load would,
and compares the two on several inputs. When the numbers differ, it computes the typical wrong
versions from bertlib's own parts (post-LN turned pre-LN, a missing residual, ReLU for GELU, ...)
and names the one the student's output matches. Its job ends at the encoder stack: embeddings and
heads around it are not exercises here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
import torch.nn.functional as F
from torch import nn

from bertlib.course.checks.framework import Checker, Mistake, describe, exercise_check
from bertlib.course.checks.modules import ModuleChecker, isolated, module_check
from bertlib.model import BertConfig
from bertlib.model import encoder as bertlib_encoder
from bertlib.model.attention import padding_mask

M = TypeVar("M", bound=nn.Module)
#: Dropout high enough that leaving it on in eval mode cannot go unnoticed.
_DROPOUT = 0.3
#: Small activations: there nn.LayerNorm's default eps (1e-5) is far from BERT's 1e-12.
_SMALL = 1e-3


def add_and_norm(x: torch.Tensor, sublayer_out: torch.Tensor, layer_norm: nn.LayerNorm) -> torch.Tensor:
    """bertlib's add & norm (what `DenseAddNorm` does after its projection): LayerNorm(x + sublayer_out)."""
    return layer_norm(x + sublayer_out)


def _config(hidden: int = 16, heads: int = 4, intermediate: int = 24, layers: int = 2) -> BertConfig:
    """A tiny config with dropout on (so that leaving it on in eval mode shows)."""
    return BertConfig(
        vocab_size=50,
        hidden_size=hidden,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        num_hidden_layers=layers,
        max_position_embeddings=16,
        hidden_dropout_prob=_DROPOUT,
        attention_probs_dropout_prob=_DROPOUT,
    )


def _reference(module: M) -> M:
    """bertlib's module with random weights everywhere (no zero bias, no unit LayerNorm to hide a
    mix-up), in eval mode."""
    for parameter in module.parameters():
        parameter.add_(torch.randn_like(parameter) * 0.5)
    return module.eval()


def _padding(lengths: list[int], length: int) -> torch.Tensor:
    """The additive (B, 1, 1, T) mask of sequences of `lengths` padded to `length`."""
    return padding_mask((torch.arange(length)[None, :] < torch.tensor(lengths)[:, None]).long())


def _expect_right(check: Checker, got: Any, right: torch.Tensor, mistakes: list[Mistake], case: str) -> None:
    """`got` is `right`; if not, the mistake whose output it matches is named (see `Checker.expect_right`)."""
    check.expect_tensor_kind(got, tuple(right.shape), case)
    check.expect(
        got.is_floating_point(),
        "dtype",
        f"it returned {describe(got)}; the result of a LayerNorm or a linear layer is float",
        case,
    )
    check.expect_right(got, right, mistakes, case)


@dataclass(frozen=True)
class PostLNNames:
    """How the hints name a post-LN sublayer's parts, LayerNorm(residual + projected), where
    `self.output(output_input, residual)` projects, adds the residual and normalises."""

    residual: str  # the residual's name: "x"
    projected: str  # the projected sublayer output in a formula: "dense(...)"
    output_input: str  # what self.output projects: "context"
    pre_ln: str  # the hint for the pre-LN version: what it computes, and what BERT's post-LN one does


def _post_ln_mistakes(
    residual: torch.Tensor, projected: torch.Tensor, norm: nn.LayerNorm, pre_ln: torch.Tensor, names: PostLNNames
) -> list[Mistake]:
    """The mistakes every post-LN sublayer can make, out = LayerNorm(residual + projected): pre-LN
    (`pre_ln`, the sublayer run pre-LN), the LayerNorm before the residual, and a missing residual.
    `residual`, `projected` and `pre_ln` are (B, T, H); `names` words the hints."""
    r = names.residual
    return [
        Mistake("pre-LN instead of post-LN", pre_ln, names.pre_ln),
        Mistake(
            "the LayerNorm before the residual",
            residual + norm(projected),
            f"{r} + LayerNorm({names.projected}): add the residual {r} first, then normalise (self.output does both)",
        ),
        Mistake("missing residual", norm(projected), f"self.output({names.output_input}, {r}) adds {r} back: pass {r}"),
    ]


#: The attention block, LayerNorm(x + dense(MHA(x))), in its hints.
_ATTENTION_NAMES = PostLNNames(
    "x",
    "dense(...)",
    "context",
    "x + dense(MHA(LayerNorm(x))) normalises the sublayer's input (pre-LN); BERT is post-LN: "
    "LayerNorm(x + dense(MHA(x)))",
)
#: The encoder layer's feed-forward, LayerNorm(a + FFN(a)) on the attention block's output a, in its hints.
_FEED_FORWARD_NAMES = PostLNNames(
    "a",
    "FFN(a)",
    "widened",
    "each sublayer normalised its input and added the residual unnormalised (pre-LN); BERT "
    "is post-LN: y = LayerNorm(a + FFN(a))",
)


@dataclass(frozen=True)
class LayerCase:
    """One case of a masked module (attention block, encoder layer, encoder): sizes and padding."""

    config: BertConfig
    shape: tuple[int, int]  # (B, T)
    lengths: list[int] | None  # real tokens of each sequence, padded to T; None: no padding
    label: str


@dataclass(frozen=True)
class LayerRun:
    """The student's module run on one LayerCase, and what to compare it with."""

    reference: Any  # bertlib's module, with the weights the student's module was given
    x: torch.Tensor  # (B, T, H)
    mask: torch.Tensor | None  # (B, 1, 1, T)
    result: Any  # what the student's forward returned
    case: str


def _layer_runs(check: ModuleChecker, bertlib_class: type[nn.Module], cases: list[LayerCase]) -> Iterator[LayerRun]:
    """For each case: build the student's module with bertlib's weights, run forward(x, mask), and
    check that a second run in eval mode gives the same numbers; what it returned is then judged."""
    for spec in cases:
        reference = _reference(bertlib_class(spec.config))
        module = check.build((spec.config,), reference, spec.label)
        batch, length = spec.shape
        x = torch.randn(batch, length, spec.config.hidden_size)
        mask = None if spec.lengths is None else _padding(spec.lengths, length)
        result = check.run(module, x.clone(), mask, case=spec.label)
        check.expect_deterministic(module, (x, mask), result, spec.label)
        yield LayerRun(reference, x, mask, result, spec.label)


# ----------------------------------------------------------------------------------------- add & norm


@exercise_check(fallback=add_and_norm)
@isolated
def check_add_and_norm(add_and_norm: Callable[[torch.Tensor, torch.Tensor, nn.LayerNorm], torch.Tensor]) -> None:
    """add_and_norm(x, sublayer_out, layer_norm) -> LayerNorm(x + sublayer_out), BERT's post-LN order."""
    check = Checker("add_and_norm", add_and_norm)
    for shape, scale in [((2, 3, 8), 1.0), ((1, 5, 16), 1.0), ((4, 1, 8), 30.0)]:
        case = f"x and sublayer_out of shape {shape}" + (f", values of size {scale:g}" if scale != 1 else "")
        x, sublayer_out = torch.randn(shape) * scale, torch.randn(shape) * scale
        layer_norm = nn.LayerNorm(shape[-1], eps=1e-12)
        layer_norm.weight.uniform_(0.5, 1.5)  # a LayerNorm that is not the identity, so that forgetting it shows
        layer_norm.bias.uniform_(-0.5, 0.5)
        got = check.call(x.clone(), sublayer_out.clone(), layer_norm, case=case)
        mistakes = [
            Mistake(
                "the LayerNorm before the residual",
                x + layer_norm(sublayer_out),
                "x + LayerNorm(sublayer_out) normalises the sublayer alone (as pre-LN models do); BERT is "
                "post-LN: it adds first, then normalises the sum",
            ),
            Mistake(
                "missing residual",
                layer_norm(sublayer_out),
                "LayerNorm(sublayer_out) drops x; the residual connection adds x back before normalising",
            ),
            Mistake("missing LayerNorm", x + sublayer_out, "the sum must go through layer_norm"),
            Mistake(
                "normalised the wrong tensor",
                layer_norm(x) + sublayer_out,
                "LayerNorm(x) + sublayer_out normalises the input; normalise the sum x + sublayer_out",
            ),
        ]
        _expect_right(check, got, layer_norm(x + sublayer_out), mistakes, case)
    check.done()


# ------------------------------------------------------------------------- the modules of an encoder layer


@module_check(fallback=bertlib_encoder.DenseAddNorm)
def check_dense_add_norm(check: ModuleChecker) -> None:
    """DenseAddNorm(in_features, config): forward(x, residual) -> LayerNorm(residual + Dropout(dense(x)))."""
    cases = [
        (16, _config(), (2, 3), 1.0, "after attention: in_features = hidden = 16, x of shape (2, 3, 16)"),
        (24, _config(), (1, 5), 1.0, "after the feed-forward: in_features = intermediate = 24, x of shape (1, 5, 24)"),
        (16, _config(hidden=8, heads=2), (3, 2), _SMALL, "hidden 8, small activations (about 0.001)"),
    ]
    for in_features, config, (batch, length), scale, case in cases:
        reference = _reference(bertlib_encoder.DenseAddNorm(in_features, config))
        reference.dense.bias.mul_(scale)  # with everything small, BERT's eps 1e-12 and nn.LayerNorm's 1e-5 differ
        module = check.build((in_features, config), reference, case)
        x = torch.randn(batch, length, in_features) * scale
        residual = torch.randn(batch, length, config.hidden_size) * scale
        got = check.run(module, x.clone(), residual.clone(), case=case)
        check.expect_deterministic(module, (x, residual), got, case)
        projected, norm = reference.dense(x), reference.LayerNorm
        mistakes = [
            Mistake(
                "the LayerNorm before the residual",
                residual + norm(projected),
                "residual + LayerNorm(dense(x)) normalises before adding; BERT (post-LN) adds the residual, "
                "then normalises the sum",
            ),
            Mistake("missing residual", norm(projected), "add the residual before the LayerNorm"),
            Mistake("missing LayerNorm", residual + projected, "the sum must go through self.LayerNorm"),
            Mistake(
                "LayerNorm eps",
                F.layer_norm(residual + projected, norm.normalized_shape, norm.weight, norm.bias, eps=1e-5),
                "nn.LayerNorm's default eps is 1e-5; BERT's is config.layer_norm_eps (1e-12): "
                "nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)",
            ),
        ]
        _expect_right(check, got, reference(x, residual), mistakes, case)
    case = "training mode: dropout must drop"
    module.train()
    first, second = (check.run(module, x, residual, case=case) for _ in range(2))
    check.expect(
        isinstance(first, torch.Tensor) and not torch.equal(first, second),
        "missing dropout",
        "in training mode two runs gave the same numbers; apply self.dropout to dense(x) before adding",
        case,
    )


@module_check(fallback=bertlib_encoder.AttentionBlock)
def check_attention_block(check: ModuleChecker) -> None:
    """AttentionBlock(config): forward(x, mask) -> LayerOutput(hidden = LayerNorm(x + Dropout(dense(MHA(x)))))."""
    cases = [
        LayerCase(_config(), (2, 4), None, "hidden 16, 4 heads, x of shape (2, 4, 16), no padding"),
        LayerCase(_config(), (2, 5), [5, 2], "hidden 16, 4 heads, sequences of 5 and 2 tokens padded to 5"),
        LayerCase(_config(hidden=12, heads=3), (3, 3), [3, 1, 2], "hidden 12, 3 heads, padded batch of 3"),
    ]
    for run in _layer_runs(check, bertlib_encoder.AttentionBlock, cases):
        got = check.hidden(run.result, run.case)
        reference, x, mask, out = run.reference, run.x, run.mask, run.reference.output
        context = reference.self(x, mask).context  # (B, T, H)
        projected = out.dense(context)  # (B, T, H)
        pre_ln = x + out.dense(reference.self(out.LayerNorm(x), mask).context)  # (B, T, H)
        mistakes = [
            *_post_ln_mistakes(x, projected, out.LayerNorm, pre_ln, _ATTENTION_NAMES),
            Mistake(
                "missing output projection",
                out.LayerNorm(x + context),
                "the heads' context goes through self.output's dense layer before the residual",
            ),
            Mistake(
                "wrong residual",
                out.LayerNorm(context + projected),
                "the residual is the block's input x, not the attention's context",
            ),
            Mistake(
                "mask not passed on",
                reference(x, None).hidden,
                "pass the mask on to self.self(x, mask), or padding tokens get attention",
            ),
        ]
        _expect_right(check, got, reference(x, mask).hidden, mistakes, run.case)


@module_check(fallback=bertlib_encoder.Intermediate)
def check_intermediate(check: ModuleChecker) -> None:
    """Intermediate(config): forward(x) -> GELU(dense(x)), widening (B, T, H) to (B, T, intermediate_size)."""
    for config, shape in [
        (_config(), (2, 3)),
        (_config(hidden=8, heads=2, intermediate=32), (1, 6)),
        (_config(), (4, 1)),
    ]:
        size = (*shape, config.hidden_size)
        case = f"hidden {config.hidden_size} -> intermediate {config.intermediate_size}, x of shape {size}"
        reference = _reference(bertlib_encoder.Intermediate(config))
        module = check.build((config,), reference, case)
        x = torch.randn(*shape, config.hidden_size) * 2
        got = check.run(module, x.clone(), case=case)
        widened = reference.dense(x)  # (B, T, intermediate_size)
        mistakes = [
            Mistake(
                "ReLU instead of GELU", F.relu(widened), "BERT's activation is GELU (F.gelu or nn.GELU()), not ReLU"
            ),
            Mistake(
                "tanh-approximate GELU",
                F.gelu(widened, approximate="tanh"),
                "BERT's GELU is the exact one, x·Φ(x): F.gelu(x) without approximate='tanh'",
            ),
            Mistake("missing activation", widened, "apply GELU to dense(x): without it the feed-forward is linear"),
        ]
        _expect_right(check, got, reference(x), mistakes, case)


@module_check(fallback=bertlib_encoder.EncoderLayer)
def check_encoder_layer(check: ModuleChecker) -> None:
    """EncoderLayer(config): forward(x, mask) -> LayerOutput: the attention block, then the feed-forward."""
    cases = [
        LayerCase(_config(), (2, 4), None, "hidden 16, 4 heads, x of shape (2, 4, 16), no padding"),
        LayerCase(_config(), (2, 5), [5, 3], "hidden 16, 4 heads, sequences of 5 and 3 tokens padded to 5"),
        LayerCase(
            _config(hidden=12, heads=2, intermediate=40), (3, 3), [3, 1, 2], "hidden 12, intermediate 40, padded"
        ),
    ]
    for run in _layer_runs(check, bertlib_encoder.EncoderLayer, cases):
        got = check.hidden(run.result, run.case)
        reference, x, mask = run.reference, run.x, run.mask
        attention, out = reference.attention, reference.output
        a = attention(x, mask).hidden  # (B, T, H)
        ffn = out.dense(reference.intermediate(a))  # (B, T, H)
        pre_a = x + attention.output.dense(attention.self(attention.output.LayerNorm(x), mask).context)
        pre_ln = pre_a + out.dense(reference.intermediate(out.LayerNorm(pre_a)))  # both sublayers pre-LN
        mistakes = [
            *_post_ln_mistakes(a, ffn, out.LayerNorm, pre_ln, _FEED_FORWARD_NAMES),
            Mistake(
                "wrong residual",
                out.LayerNorm(x + ffn),
                "the feed-forward's residual is the attention block's output a, not the layer's input x",
            ),
            Mistake(
                "ReLU instead of GELU",
                out.LayerNorm(a + out.dense(F.relu(reference.intermediate.dense(a)))),
                "the feed-forward's activation is GELU: use self.intermediate, which applies it",
            ),
            Mistake(
                "attention block skipped",
                out.LayerNorm(x + out.dense(reference.intermediate(x))),
                "the feed-forward reads the attention block's output a = self.attention(x, mask).hidden",
            ),
            Mistake("mask not passed on", reference(x, None).hidden, "pass the mask on: self.attention(x, mask)"),
        ]
        _expect_right(check, got, reference(x, mask).hidden, mistakes, run.case)


@module_check(fallback=bertlib_encoder.Encoder)
def check_encoder(check: ModuleChecker) -> None:
    """Encoder(config): forward(x, mask) -> EncoderOutput(last_hidden_state, hidden_states): L layers in a stack."""
    cases = [
        LayerCase(_config(layers=1), (2, 4), None, "1 layer, x of shape (2, 4, 16), no padding"),
        LayerCase(_config(layers=3), (2, 5), [5, 2], "3 layers, sequences of 5 and 2 tokens padded to 5"),
        LayerCase(_config(hidden=8, heads=2, layers=2), (3, 3), [3, 1, 2], "2 layers of hidden 8, padded batch of 3"),
    ]
    for run in _layer_runs(check, bertlib_encoder.Encoder, cases):
        reference, x, mask, result, case = run.reference, run.x, run.mask, run.result, run.case
        check.expect(
            isinstance(getattr(result, "last_hidden_state", None), torch.Tensor)
            and isinstance(getattr(result, "hidden_states", None), tuple),
            "type",
            f"forward returned {describe(result)}; return EncoderOutput(last_hidden_state=..., "
            "hidden_states=tuple(states))",
            case,
        )
        layers, states = len(reference.layer), result.hidden_states
        check.expect(
            len(states) == layers + 1,
            "hidden states",
            f"hidden_states has {len(states)} tensors; it needs {layers + 1}: the input, then each layer's output",
            case,
        )
        want = reference(x, mask)
        mistakes = [
            Mistake(
                "every layer reads the input",
                reference.layer[-1](x, mask).hidden,
                "each layer must read the output of the layer below it, not the embeddings x",
            ),
            Mistake("mask not passed on", reference(x, None).last_hidden_state, "pass the mask to every layer"),
        ]
        _expect_right(check, result.last_hidden_state, want.last_hidden_state, mistakes, case)
        for index, (got_state, want_state) in enumerate(zip(states, want.hidden_states, strict=True)):
            check.expect_close(
                got_state,
                want_state,
                case,
                kind="hidden states",
                hint=f"hidden_states[{index}] should be "
                + ("the input x" if index == 0 else f"the output of layer {index - 1}"),
            )


# --------------------------------------------------------------------------------------- counting


def _layer_parameters(hidden: int, intermediate: int) -> int:
    """bertlib's count: the parameters of one EncoderLayer of these sizes, built on the meta device."""
    config = BertConfig(hidden_size=hidden, num_attention_heads=1, intermediate_size=intermediate)
    with torch.device("meta"):  # shapes only: nothing is allocated
        return sum(p.numel() for p in bertlib_encoder.EncoderLayer(config).parameters())


@exercise_check(fallback=_layer_parameters)
def check_layer_parameter_count(count_layer_parameters: Callable[[int, int], int]) -> None:
    """count_layer_parameters(hidden_size, intermediate_size) -> parameters of one encoder layer."""
    check = Checker("count_layer_parameters", count_layer_parameters)
    for hidden in [768, 128, 384]:
        want = _layer_parameters(hidden, 4 * hidden)
        case = f"hidden {hidden}, intermediate {4 * hidden}"
        got = check.call(hidden, 4 * hidden, case=case)
        check.expect(isinstance(got, int), "type", f"return an int, not {type(got).__name__}", case)
        intermediate = 4 * hidden
        known = {  # how far off a typical miscount is -> (the mistake, what to count)
            -(5 * hidden + intermediate): ("forgot the biases", "Q, K, V and W_o have H each, W_1 has 4H, W_2 has H"),
            -4 * hidden: (
                "forgot the LayerNorms",
                "two of them, with a scale γ and a shift β of H numbers each (or else the four attention "
                "biases, which are 4H too)",
            ),
            -2 * hidden: (
                "counted one LayerNorm",
                "there are two (after attention, after the feed-forward), γ and β each",
            ),
            -(hidden * hidden + hidden): ("forgot the output projection W_o", "it is H x H, plus a bias of H"),
            -(hidden + intermediate): ("forgot the feed-forward's biases", "4H for W_1, H for W_2"),
        }
        kind, hint = known.get(
            got - want,
            (
                "values",
                "count Q, K, V and the output projection (weights and biases), two LayerNorms (weight and bias "
                "each), and the feed-forward's two linear layers (weights and biases)",
            ),
        )
        check.expect(got == want, kind, f"expected {want:,}, got {got:,} (off by {got - want:+,}); {hint}", case)
    check.done()
