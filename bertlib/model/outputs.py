"""Named outputs of every bertlib model function, with the shape of every tensor.

Shapes use B = batch, T = sequence length, H = hidden size, nh = heads, hd = head size (H / nh),
L = layers, V = vocabulary, P = masked positions per sequence, C = classes. Its job ends at naming
results: nothing here computes.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor


@dataclass
class AttentionOutput:
    """What scaled dot-product attention computes for every head at once."""

    context: Tensor  # (B, nh, T, hd): each query's weighted average of the values
    weights: Tensor | None = None  # (B, nh, T, T): softmax(QKᵀ/√hd + mask); None from the fused kernel


@dataclass
class SelfAttentionOutput:
    """Multi-head self-attention's result (MultiHeadSelfAttention): every head's context, concatenated,
    *before* the output projection W_o (which belongs to the attention sublayer), and what it saw."""

    context: Tensor  # (B, T, H): the heads' contexts side by side (head h in columns h*hd .. (h+1)*hd)
    weights: Tensor | None = None  # (B, nh, T, T) attention weights, when output_attentions
    queries: Tensor | None = None  # (B, nh, T, hd) per-head queries, when output_qk (the neuron view)
    keys: Tensor | None = None  # (B, nh, T, hd) per-head keys, when output_qk


@dataclass
class LayerOutput:
    """An attention sublayer's or an encoder layer's new hidden state (after the output projection,
    residual and LayerNorm), and what its attention saw."""

    hidden: Tensor  # (B, T, H)
    weights: Tensor | None = None  # (B, nh, T, T) attention weights, when output_attentions
    queries: Tensor | None = None  # (B, nh, T, hd) per-head queries, when output_qk (the neuron view)
    keys: Tensor | None = None  # (B, nh, T, hd) per-head keys, when output_qk


@dataclass
class EncoderOutput:
    """The encoder stack's result. Hidden states of every layer are always kept: they exist anyway."""

    last_hidden_state: Tensor  # (B, T, H): the top layer's output
    hidden_states: tuple[Tensor, ...]  # L + 1 tensors (B, T, H): the embeddings, then each layer's output
    attentions: tuple[Tensor, ...] | None = None  # L tensors (B, nh, T, T), when output_attentions
    queries: tuple[Tensor, ...] | None = None  # L tensors (B, nh, T, hd), when output_qk
    keys: tuple[Tensor, ...] | None = None  # L tensors (B, nh, T, hd), when output_qk


@dataclass
class BertModelOutput(EncoderOutput):
    """BertModel's result: the encoder's, plus the pooled [CLS] vector."""

    pooler_output: Tensor | None = None  # (B, H): tanh(W·h_[CLS] + b); None for a model without a pooler


@dataclass
class MaskedLMOutput:
    """Masked-LM scores: at the masked positions only (P of them), or at every position (T)."""

    logits: Tensor  # (B, P, V) with masked_positions, else (B, T, V)
    bert: BertModelOutput  # the encoder's output underneath
    loss: Tensor | None = None  # (): mean cross-entropy over labels that are not -100


@dataclass
class PreTrainingOutput:
    """BERT's two pre-training tasks: masked LM and next-sentence prediction."""

    mlm_logits: Tensor  # (B, P, V) with masked_positions, else (B, T, V)
    nsp_logits: Tensor  # (B, 2): column 0 = "B follows A", column 1 = "B is random"
    bert: BertModelOutput  # the encoder's output underneath
    loss: Tensor | None = None  # (): mlm_loss + nsp_loss, of those whose labels were given
    mlm_loss: Tensor | None = None  # (): mean cross-entropy over MLM labels that are not -100
    nsp_loss: Tensor | None = None  # (): mean cross-entropy of the NSP labels


@dataclass
class SequenceClassifierOutput:
    """One set of class scores per sequence."""

    logits: Tensor  # (B, C)
    bert: BertModelOutput  # the encoder's output underneath
    loss: Tensor | None = None  # (): mean cross-entropy, when labels are given


@dataclass
class TokenClassifierOutput:
    """One set of class scores per token (e.g. BIO tags for named entities)."""

    logits: Tensor  # (B, T, C)
    bert: BertModelOutput  # the encoder's output underneath
    loss: Tensor | None = None  # (): mean cross-entropy over labels that are not -100


@dataclass
class QuestionAnsweringOutput:
    """Extractive QA: how likely each token is to start, and to end, the answer span."""

    start_logits: Tensor  # (B, T)
    end_logits: Tensor  # (B, T)
    bert: BertModelOutput  # the encoder's output underneath
    loss: Tensor | None = None  # (): (start cross-entropy + end cross-entropy) / 2, when positions are given
