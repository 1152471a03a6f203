"""BertEmbeddings: token + segment + position, then LayerNorm (and dropout)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from bertlib.model import BertModel
from bertlib.model.embeddings import BertEmbeddings

from .conftest import perturb


def test_embeddings_are_layer_normed_sum_of_three_lookups(config, batch):
    embeddings = perturb(BertEmbeddings(config))
    ids, segments = batch["input_ids"], batch["token_type_ids"]
    positions = torch.arange(ids.shape[1])
    total = (
        embeddings.word_embeddings.weight[ids]
        + embeddings.token_type_embeddings.weight[segments]
        + embeddings.position_embeddings.weight[positions]
    )
    expected = F.layer_norm(
        total, (config.hidden_size,), embeddings.LayerNorm.weight, embeddings.LayerNorm.bias, config.layer_norm_eps
    )
    torch.testing.assert_close(embeddings(ids, segments), expected, rtol=0, atol=1e-6)


def test_same_token_differs_by_position_and_segment(config):
    embeddings = BertEmbeddings(config).eval()
    ids = torch.full((1, 4), 7)
    out = embeddings(ids, torch.tensor([[0, 0, 1, 1]]))[0]  # (4, H)
    assert not torch.allclose(out[0], out[1])  # same token and segment, positions 0 and 1
    assert not torch.allclose(out[1], embeddings(ids, torch.ones_like(ids))[0, 1])  # segment 0 vs 1


def test_dropout_acts_in_training_only(config, batch):
    embeddings = BertEmbeddings(config.replace(hidden_dropout_prob=0.5))
    ids, segments = batch["input_ids"], batch["token_type_ids"]
    assert (embeddings.train()(ids, segments) == 0).float().mean() > 0.3
    assert (embeddings.eval()(ids, segments) == 0).sum() == 0


def test_pad_row_starts_at_zero_and_gets_no_gradient(config, batch):
    model = BertModel(config)
    word = model.embeddings.word_embeddings
    assert torch.count_nonzero(word.weight[config.pad_token_id]) == 0
    model(**batch).last_hidden_state.sum().backward()
    assert batch["input_ids"].eq(config.pad_token_id).any()
    assert torch.count_nonzero(word.weight.grad[config.pad_token_id]) == 0
    assert torch.count_nonzero(word.weight.grad[batch["input_ids"][0, 0]]) > 0
