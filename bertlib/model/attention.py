"""Scaled dot-product attention (a teaching function and a fused kernel), the padding mask, and
multi-head self-attention.

Its job ends at the heads' merged context (B, T, H), before the output projection: that
projection, the residual and the LayerNorm belong to the encoder (`encoder.AttentionBlock`).
"""

from __future__ import annotations

from typing import TypeAlias

import torch
import torch.nn.functional as F
from torch import nn

from bertlib.model.config import BertConfig
from bertlib.model.outputs import AttentionOutput, SelfAttentionOutput
from bertlib.shapes import check_shape

#: What Google's BERT adds to the score of a padding key: exp() of it is 0 in any float type,
#: while, unlike -inf, it stays finite in bf16 and fp16.
MASKED = -10000.0

#: The additive attention mask that `padding_mask` makes, added to the (B, nh, T, T) scores:
#: (B, 1, 1, T) from a (B, T) padding mask, or (B, 1, T, T) from a per-query one; 0 where a key
#: may be seen, MASKED where it may not. None: every key is seen.
AdditiveMask: TypeAlias = torch.Tensor | None


def padding_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, T) mask of 1 = real token, 0 = padding -> (B, 1, 1, T) additive mask:

        mask[b, 0, 0, j] = 0 if token j of sequence b is real, else -10000

    Added to the (B, nh, T, T) scores it broadcasts over heads and queries, so that no query
    attends to a padding key. Padding queries still attend to the real keys: their outputs are
    computed but meaningless, and everything downstream ignores them.

    A (B, T, T) mask says, per query, which keys it may see (1) or not (0): mask[b, i, j] for
    query i and key j, e.g. `causal_mask`'s. It becomes (B, 1, T, T), broadcast over the heads.
    """
    per_query = attention_mask.dim() == 3
    keys = attention_mask[:, None, :, :] if per_query else attention_mask[:, None, None, :]  # (B, 1, T|1, T)
    hidden = keys == 0
    return torch.zeros(hidden.shape, device=attention_mask.device).masked_fill(hidden, MASKED)


def causal_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """(B, T) mask of 1 = real token, 0 = padding -> (B, T, T) mask of a left-to-right model:

        mask[b, i, j] = 1 if j <= i and token j of sequence b is real, else 0

    Query i sees itself and the real tokens before it, never a later one (GPT's mask; Hugging
    Face's BertModel with is_decoder=True). Pass it as any bertlib model's `attention_mask`.
    """
    length = attention_mask.shape[1]
    earlier = torch.ones(length, length, dtype=attention_mask.dtype, device=attention_mask.device).tril()  # (T, T)
    return attention_mask[:, None, :] * earlier  # (B, T, T): key j real, and j <= i


def explicit_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: AdditiveMask = None, dropout_p: float = 0.0
) -> AttentionOutput:
    """The teaching form, written out. q, k, v: (B, nh, T, hd); mask: additive, (B, 1, 1, T).

        weights = softmax(Q Kᵀ / √hd + mask)        (B, nh, T, T), each row sums to 1
        context = weights V                         (B, nh, T, hd)

    Dividing by √hd keeps the scores' variance near 1 whatever the head size, so the softmax does
    not saturate. (It multiplies by 1/√hd, as transformers does: the same numbers to the last bit.)
    In training, dropout zeroes some weights (as BERT does) before they mix the values.
    """
    scores = (q @ k.transpose(-2, -1)) * q.shape[-1] ** -0.5  # (B, nh, T, T)
    if mask is not None:
        scores = scores + mask
    weights = scores.softmax(dim=-1)  # (B, nh, T, T)
    mixing = F.dropout(weights, dropout_p) if dropout_p > 0 else weights
    return AttentionOutput(context=mixing @ v, weights=weights)  # context: (B, nh, T, hd)


def fused_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: AdditiveMask = None, dropout_p: float = 0.0
) -> AttentionOutput:
    """The same computation in torch's fused kernel (`F.scaled_dot_product_attention`). It is faster
    and lighter on memory because the (T, T) weights never leave the kernel, so it cannot return them.

    NaN goes through it as through the teaching function (a diverged model must not look healthy).
    The kernel alone would hide some: its online softmax treats a query row whose largest score is
    -inf as fully masked and writes zeros instead of computing exp(-inf - -inf), and the running max
    it keeps skips NaN, so a row of NaN scores (a NaN in the query, or in every key) comes out as
    0 where softmax gives NaN. The rows whose scores hold a NaN are marked NaN again; finite inputs
    are untouched, bit for bit (masked_fill changes no other value).
    """
    context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p)  # (B, nh, T, hd)
    return AttentionOutput(context=context.masked_fill(_nan_score_rows(q, k), float("nan")))


def _nan_score_rows(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """(B, nh, T, 1): True where a query's row of scores Q Kᵀ holds a NaN because the query, or some
    key of the same head, does. Two sums, no read-back: cheap next to the attention itself, and
    fine inside a compiled graph."""
    query_bad = q.sum(dim=-1, keepdim=True).isnan()  # (B, nh, T, 1)
    key_bad = k.sum(dim=(-2, -1), keepdim=True).isnan()  # (B, nh, 1, 1)
    return query_bad | key_bad  # (B, nh, T, 1)


class MultiHeadSelfAttention(nn.Module):
    """nh heads attend in parallel, each in its own hd-dimensional subspace (HF: BertSelfAttention):

        Q = X W_q + b_q,  K = X W_k + b_k,  V = X W_v + b_v       (B, T, H) each
        split H into nh heads of hd = H / nh                       (B, nh, T, hd)
        head_i = attention(Q_i, K_i, V_i)                         (B, nh, T, hd)
        context = concat(head_1, ..., head_nh)                    (B, T, H)

    It uses the fused kernel unless the weights are asked for or `config.attention_path` is
    "explicit" (which forces the teaching function, e.g. to time it). Both give the same numbers.
    """

    def __init__(self, config: BertConfig):
        """The query, key and value projections of `config`'s sizes."""
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.head_size = config.head_size
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout_p = config.attention_probs_dropout_prob
        self.always_explicit = config.attention_path == "explicit"
        self.one_projection = config.fast_path

    def project(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, T, H) -> Q, K, V, each (B, nh, T, hd).

        The fast path (`config.fast_path`) does the three products as one, x [W_q W_k W_v] + [b_q b_k b_v]
        (B, T, 3H): one large matrix product keeps a GPU busier than three small ones. The weights
        stay three Parameters under their own names, so checkpoints load either way.
        """
        if not self.one_projection:
            q = self.split_heads(self.query(x))  # (B, nh, T, hd)
            k = self.split_heads(self.key(x))  # (B, nh, T, hd)
            v = self.split_heads(self.value(x))  # (B, nh, T, hd)
            return q, k, v
        batch, length, _ = x.shape
        layers = (self.query, self.key, self.value)
        qkv = F.linear(x, torch.cat([m.weight for m in layers]), torch.cat([m.bias for m in layers]))  # (B, T, 3H)
        qkv = qkv.view(batch, length, 3, self.num_heads, self.head_size).permute(2, 0, 3, 1, 4)  # (3, B, nh, T, hd)
        return qkv[0], qkv[1], qkv[2]

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, H) -> (B, nh, T, hd): each head's slice of every token vector."""
        batch, length, _ = x.shape
        return x.view(batch, length, self.num_heads, self.head_size).transpose(1, 2)  # (B, nh, T, hd)

    def forward(
        self, x: torch.Tensor, mask: AdditiveMask = None, *, output_attentions: bool = False, output_qk: bool = False
    ) -> SelfAttentionOutput:
        """x: (B, T, H); mask: additive (B, 1, 1, T) or (B, 1, T, T) from `padding_mask`, or None."""
        batch, length, hidden = x.shape
        check_shape(x, (None, None, self.num_heads * self.head_size), "attention input")
        q, k, v = self.project(x)  # (B, nh, T, hd) each
        if mask is not None:
            mask = mask.to(q.dtype)  # the kernel wants the scores' dtype (bf16 under autocast)
        attend = explicit_attention if output_attentions or self.always_explicit else fused_attention
        out = attend(q, k, v, mask, self.dropout_p if self.training else 0.0)
        context = out.context.transpose(1, 2).reshape(batch, length, hidden)  # (B, T, H)
        return SelfAttentionOutput(
            context=context,
            weights=out.weights if output_attentions else None,
            queries=q if output_qk else None,
            keys=k if output_qk else None,
        )
