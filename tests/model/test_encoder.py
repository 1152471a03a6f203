"""The encoder: post-LN sublayers, one layer's equations, the stack's outputs."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from bertlib.model import padding_mask
from bertlib.model.encoder import DenseAddNorm, Encoder, EncoderLayer

from .conftest import perturb


def test_dense_add_norm_normalises_after_the_residual(config):
    block = perturb(DenseAddNorm(config.intermediate_size, config))
    x, residual = torch.randn(2, 5, config.intermediate_size), torch.randn(2, 5, config.hidden_size)
    expected = F.layer_norm(
        residual + x @ block.dense.weight.T + block.dense.bias,
        (config.hidden_size,),
        block.LayerNorm.weight,
        block.LayerNorm.bias,
        config.layer_norm_eps,
    )
    torch.testing.assert_close(block(x, residual), expected, rtol=0, atol=1e-6)


def test_encoder_layer_is_attention_then_gelu_feed_forward(config, batch):
    layer = perturb(EncoderLayer(config))
    x, mask = torch.randn(3, 10, config.hidden_size), padding_mask(batch["attention_mask"])
    attention = layer.attention
    a = attention.output(attention.self(x, mask).context, x)
    hidden = F.gelu(a @ layer.intermediate.dense.weight.T + layer.intermediate.dense.bias)  # exact GELU
    expected = layer.output(hidden, a)
    torch.testing.assert_close(layer(x, mask).hidden, expected, rtol=0, atol=1e-6)


def test_encoder_keeps_every_layers_hidden_state(config, batch):
    encoder = perturb(Encoder(config))
    x, mask = torch.randn(3, 10, config.hidden_size), padding_mask(batch["attention_mask"])
    out = encoder(x, mask)
    assert len(out.hidden_states) == config.num_hidden_layers + 1
    assert out.hidden_states[0] is x and out.hidden_states[-1] is out.last_hidden_state
    torch.testing.assert_close(out.hidden_states[1], encoder.layer[0](x, mask).hidden, rtol=0, atol=0)
    assert out.attentions is None and out.queries is None and out.keys is None


def test_encoder_returns_weights_queries_and_keys_when_asked(config, batch):
    out = Encoder(config).eval()(torch.randn(3, 10, config.hidden_size), output_attentions=True, output_qk=True)
    assert [w.shape for w in out.attentions] == [(3, 4, 10, 10)] * config.num_hidden_layers
    assert [q.shape for q in out.queries] == [k.shape for k in out.keys] == [(3, 4, 10, 8)] * 2
