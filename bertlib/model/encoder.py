"""The encoder: post-LN residual sublayers, the GELU feed-forward, one encoder layer, the stack.

Its job ends at the top layer's (B, T, H) hidden states (and every layer's on the way). It takes
the additive padding mask ready-made (`attention.padding_mask`) and knows nothing of token ids.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from bertlib.model.attention import AdditiveMask, MultiHeadSelfAttention
from bertlib.model.config import ACTIVATIONS, BertConfig
from bertlib.model.outputs import EncoderOutput, LayerOutput, SelfAttentionOutput


class DenseAddNorm(nn.Module):
    """A projection wrapped in a post-LN residual connection (HF: BertSelfOutput and BertOutput):

        out = LayerNorm(residual + Dropout(x W + b))

    BERT normalises after adding the residual ("post-LN"), as the original Transformer did.
    """

    def __init__(self, in_features: int, config: BertConfig):
        """A dense layer from `in_features` to hidden, dropout and LayerNorm."""
        super().__init__()
        self.dense = nn.Linear(in_features, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        """x: (B, T, in_features), residual: (B, T, H) -> (B, T, H)."""
        return self.LayerNorm(residual + self.dropout(self.dense(x)))


class Intermediate(nn.Module):
    """The feed-forward's first half, widening each token H -> intermediate_size (HF: BertIntermediate):

    h = GELU(x W_1 + b_1)
    """

    def __init__(self, config: BertConfig):
        """The dense layer to `intermediate_size` and the activation."""
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.activation = ACTIVATIONS[config.hidden_act]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, H) -> (B, T, intermediate_size)."""
        return self.activation(self.dense(x))


class AttentionBlock(nn.Module):
    """The attention sublayer: self-attention, its output projection, add & norm (HF: BertAttention):

    a = LayerNorm(x + Dropout(MultiHead(x) W_o + b_o))
    """

    def __init__(self, config: BertConfig):
        """Self-attention and its output projection with add & norm."""
        super().__init__()
        self.self = MultiHeadSelfAttention(config)  # named `self` so parameters match HF's checkpoints
        self.output = DenseAddNorm(config.hidden_size, config)

    def forward(self, x: torch.Tensor, mask: AdditiveMask, **options: bool) -> LayerOutput:
        """x: (B, T, H) -> LayerOutput with hidden (B, T, H); options: output_attentions, output_qk."""
        attended: SelfAttentionOutput = self.self(x, mask, **options)
        return LayerOutput(
            hidden=self.output(attended.context, x),
            weights=attended.weights,
            queries=attended.queries,
            keys=attended.keys,
        )


class EncoderLayer(nn.Module):
    """One encoder layer: the attention sublayer, then the feed-forward sublayer (HF: BertLayer):

        a = LayerNorm(x + Dropout(MultiHead(x) W_o + b_o))
        y = LayerNorm(a + Dropout(GELU(a W_1 + b_1) W_2 + b_2))

    Attention mixes information between tokens; the feed-forward transforms each token alone.
    """

    def __init__(self, config: BertConfig):
        """The attention sublayer and the feed-forward sublayer."""
        super().__init__()
        self.attention = AttentionBlock(config)
        self.intermediate = Intermediate(config)
        self.output = DenseAddNorm(config.intermediate_size, config)

    def forward(self, x: torch.Tensor, mask: AdditiveMask, **options: bool) -> LayerOutput:
        """x: (B, T, H) -> LayerOutput with hidden (B, T, H); options: output_attentions, output_qk."""
        attended = self.attention(x, mask, **options)
        a = attended.hidden  # (B, T, H)
        return dataclasses.replace(attended, hidden=self.output(self.intermediate(a), a))


class Encoder(nn.Module):
    """L encoder layers, each reading the one below (HF: BertEncoder). `layer` is HF's name."""

    def __init__(self, config: BertConfig):
        """`num_hidden_layers` encoder layers."""
        super().__init__()
        self.layer = nn.ModuleList(EncoderLayer(config) for _ in range(config.num_hidden_layers))

    def forward(
        self, x: torch.Tensor, mask: AdditiveMask = None, *, output_attentions: bool = False, output_qk: bool = False
    ) -> EncoderOutput:
        """x: (B, T, H) embeddings; mask: additive (B, 1, 1, T) or None -> every layer's states."""
        states, layers = [x], []
        for layer in self.layer:
            out = layer(states[-1], mask, output_attentions=output_attentions, output_qk=output_qk)
            states.append(out.hidden)
            layers.append(out)
        return EncoderOutput(
            last_hidden_state=states[-1],
            hidden_states=tuple(states),
            attentions=tuple(out.weights for out in layers) if output_attentions else None,
            queries=tuple(out.queries for out in layers) if output_qk else None,
            keys=tuple(out.keys for out in layers) if output_qk else None,
        )
