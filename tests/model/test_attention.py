"""Attention: the padding mask, the teaching and fused paths, multi-head self-attention."""

from __future__ import annotations

import math

import pytest
import torch

import bertlib.model.attention as attention_module
from bertlib.model import BertModel, MultiHeadSelfAttention, explicit_attention, fused_attention, padding_mask

from .conftest import perturb


@pytest.fixture
def qkv_and_mask():
    generator = torch.Generator().manual_seed(2)
    q, k, v = (torch.randn(3, 4, 10, 8, generator=generator) for _ in range(3))  # (B, nh, T, hd)
    mask = padding_mask((torch.arange(10)[None, :] < torch.tensor([[10], [7], [4]])).long())
    return q, k, v, mask


def test_padding_mask_is_additive_and_broadcasts_over_heads_and_queries():
    mask = padding_mask(torch.tensor([[1, 1, 0], [1, 0, 0]]))
    assert mask.shape == (2, 1, 1, 3) and mask.dtype == torch.float32
    assert mask[0, 0, 0].tolist() == [0.0, 0.0, -10000.0]
    assert mask[1, 0, 0].tolist() == [0.0, -10000.0, -10000.0]
    assert padding_mask(torch.tensor([[True, False]]))[0, 0, 0].tolist() == [0.0, -10000.0]


def test_explicit_attention_is_softmax_of_scaled_scores_times_values(qkv_and_mask):
    q, k, v, mask = qkv_and_mask
    out = explicit_attention(q, k, v, mask)
    scores = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(8) + mask
    expected_weights = torch.exp(scores) / torch.exp(scores).sum(-1, keepdim=True)
    torch.testing.assert_close(out.weights, expected_weights, rtol=0, atol=1e-6)
    torch.testing.assert_close(out.context, expected_weights @ v, rtol=0, atol=1e-6)


def test_weights_rows_sum_to_one_and_ignore_padding_keys(qkv_and_mask):
    q, k, v, mask = qkv_and_mask
    weights = explicit_attention(q, k, v, mask).weights  # (B, nh, T, T)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, 4, 10))
    assert weights[1, :, :, 7:].abs().max() == 0 and weights[2, :, :, 4:].abs().max() == 0
    assert weights[1, :, :, :7].min() > 0


def test_fused_and_explicit_paths_agree_to_1e_6_in_fp32(qkv_and_mask):
    q, k, v, mask = qkv_and_mask
    fused = fused_attention(q, k, v, mask)
    assert fused.weights is None
    torch.testing.assert_close(fused.context, explicit_attention(q, k, v, mask).context, rtol=0, atol=1e-6)


def test_attention_dropout_drops_weights_in_training_only(config):
    attention = MultiHeadSelfAttention(config.replace(attention_probs_dropout_prob=0.5))
    x = torch.randn(2, 6, config.hidden_size)
    train_a = attention.train()(x, output_attentions=True)
    train_b = attention(x, output_attentions=True)
    assert not torch.allclose(train_a.context, train_b.context)  # different random drops
    torch.testing.assert_close(train_a.weights.sum(-1), torch.ones(2, 4, 6))  # returned before dropout
    torch.testing.assert_close(attention.eval()(x).context, attention(x).context, rtol=0, atol=0)


def test_multi_head_queries_and_keys_reproduce_the_weights(config, batch):
    attention = perturb(MultiHeadSelfAttention(config))
    x = torch.randn(3, 10, config.hidden_size)
    mask = padding_mask(batch["attention_mask"])
    out = attention(x, mask, output_attentions=True, output_qk=True)
    assert out.queries.shape == out.keys.shape == (3, 4, 10, 8)  # (B, nh, T, hd)
    head0_query = x @ attention.query.weight[:8].T + attention.query.bias[:8]  # head 0 = first hd columns
    torch.testing.assert_close(out.queries[:, 0], head0_query, rtol=0, atol=1e-6)
    expected = (out.queries @ out.keys.transpose(-1, -2) / math.sqrt(8) + mask).softmax(-1)
    torch.testing.assert_close(out.weights, expected, rtol=0, atol=1e-6)
    assert attention(x, mask).weights is None and attention(x, mask).queries is None


def test_multi_head_output_is_the_same_on_both_paths(config, batch):
    attention = perturb(MultiHeadSelfAttention(config))
    x = torch.randn(3, 10, config.hidden_size)
    mask = padding_mask(batch["attention_mask"])
    torch.testing.assert_close(
        attention(x, mask).context, attention(x, mask, output_attentions=True).context, rtol=0, atol=1e-6
    )


def count_calls(monkeypatch, name):
    calls = []
    original = getattr(attention_module, name)
    monkeypatch.setattr(attention_module, name, lambda *a, **kw: calls.append(1) or original(*a, **kw))
    return calls


def test_attention_path_explicit_forces_the_teaching_function(config, batch, monkeypatch):
    explicit_calls = count_calls(monkeypatch, "explicit_attention")
    fused_calls = count_calls(monkeypatch, "fused_attention")
    BertModel(config)(**batch)
    assert (len(explicit_calls), len(fused_calls)) == (0, 2)  # auto: fused, one call per layer
    BertModel(config.replace(attention_path="explicit"))(**batch)
    assert (len(explicit_calls), len(fused_calls)) == (2, 2)


def test_whole_model_agrees_on_both_paths_to_1e_6(config, batch):
    fast = perturb(BertModel(config))
    teaching = BertModel(config.replace(attention_path="explicit")).eval()
    teaching.load_state_dict(fast.state_dict())
    torch.testing.assert_close(fast(**batch).last_hidden_state, teaching(**batch).last_hidden_state, rtol=0, atol=1e-6)
