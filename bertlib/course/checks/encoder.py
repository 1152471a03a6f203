"""Checks for notebook 05's exercises: the residual + LayerNorm block, and counting parameters."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from bertlib.course.checks.framework import Checker, exercise_check
from bertlib.model import BertConfig
from bertlib.model.encoder import EncoderLayer


@exercise_check
def check_add_and_norm(add_and_norm: Callable[[torch.Tensor, torch.Tensor, nn.LayerNorm], torch.Tensor]) -> None:
    """add_and_norm(x, sublayer_out, layer_norm) -> LayerNorm(x + sublayer_out), BERT's post-LN order."""
    check = Checker("add_and_norm", add_and_norm)
    generator = torch.Generator().manual_seed(0)
    x, sublayer_out = torch.randn(2, 3, 8, generator=generator), torch.randn(2, 3, 8, generator=generator)
    layer_norm = nn.LayerNorm(8)
    with torch.no_grad():  # a LayerNorm that is not the identity, so that forgetting it shows
        layer_norm.weight.uniform_(0.5, 1.5, generator=generator)
        layer_norm.bias.uniform_(-0.5, 0.5, generator=generator)
    case = "x and sublayer_out of shape (2, 3, 8)"
    got = check.expect_tensor(check.call(x, sublayer_out, layer_norm, case=case), case)
    check.expect_shape(got, (2, 3, 8), case)
    pre_ln = x + layer_norm(sublayer_out)
    check.expect(
        not torch.allclose(got, pre_ln, atol=1e-5),
        "order",
        "that is pre-LN (x + LayerNorm(sublayer)); BERT adds first, then normalises",
        case,
    )
    check.expect_close(got, layer_norm(x + sublayer_out), case, hint="LayerNorm(x + sublayer_out)")
    check.done()


@exercise_check
def check_layer_parameter_count(count_layer_parameters: Callable[[int, int], int]) -> None:
    """count_layer_parameters(hidden_size, intermediate_size) -> parameters of one encoder layer."""
    check = Checker("count_layer_parameters", count_layer_parameters)
    for hidden, heads in [(768, 12), (128, 2), (384, 12)]:
        config = BertConfig(hidden_size=hidden, num_attention_heads=heads, intermediate_size=4 * hidden)
        want = sum(p.numel() for p in EncoderLayer(config).parameters())
        case = f"hidden {hidden}, intermediate {4 * hidden}"
        got = check.call(hidden, 4 * hidden, case=case)
        check.expect(isinstance(got, int), "type", f"return an int, not {type(got).__name__}", case)
        check.expect(
            got == want,
            "values",
            f"expected {want:,}, got {got:,} (off by {got - want:+,}); count "
            "Q, K, V and the output projection (weights and biases), two LayerNorms (weight and bias "
            "each), and the feed-forward's two linear layers",
            case,
        )
    check.done()
