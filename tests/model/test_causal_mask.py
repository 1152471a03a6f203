"""A (B, T, T) attention mask, and `causal_mask`: a left-to-right BERT for notebook 06's comparison."""

from __future__ import annotations

import pytest
import torch

from bertlib.errors import BertlibInputError
from bertlib.model import BertConfig, BertForSequenceClassification, BertModel, causal_mask, padding_mask

from .conftest import perturb


def test_causal_mask_lets_each_query_see_itself_and_the_real_tokens_before_it():
    mask = causal_mask(torch.tensor([[1, 1, 1], [1, 1, 0]]))
    assert mask.shape == (2, 3, 3)
    assert mask[0].tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    assert mask[1].tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 0]]  # the padding key stays hidden
    assert mask.dtype == torch.long


def test_a_full_mask_per_query_is_the_padding_mask(config, batch):
    model = BertModel(config).eval()
    per_key = batch["attention_mask"]  # (B, T)
    per_query = per_key[:, None, :].expand(-1, per_key.shape[1], -1)  # (B, T, T): every query the same keys
    with torch.no_grad():
        two_d = model(batch["input_ids"], batch["token_type_ids"], per_key)
        three_d = model(batch["input_ids"], batch["token_type_ids"], per_query)
    torch.testing.assert_close(three_d.last_hidden_state, two_d.last_hidden_state, rtol=0, atol=0)
    assert padding_mask(per_query).shape == (3, 1, 10, 10)


@pytest.mark.parametrize("causal", [True, False])
def test_with_the_causal_mask_no_position_sees_a_later_token(config, batch, causal):
    model = BertModel(config).eval()
    ids = batch["input_ids"][:1]  # (1, T), no padding
    changed = ids.clone()
    changed[0, 6] = (changed[0, 6] % 98) + 1  # another real token at position 6
    mask = causal_mask(torch.ones_like(ids)) if causal else torch.ones_like(ids)
    with torch.no_grad():
        before = model(ids, attention_mask=mask).last_hidden_state
        after = model(changed, attention_mask=mask).last_hidden_state
    moved = (after - before).abs().amax(dim=-1)[0]  # (T,): how far each position's vector moved
    if causal:
        assert moved[:6].max() == 0  # positions 0..5 cannot see position 6
    else:
        assert moved[:6].min() > 0  # every position sees every token
    assert moved[6:].min() > 0


def test_the_teaching_and_fused_paths_agree_on_a_causal_mask(config, batch):
    model = BertModel(config).eval()
    mask = causal_mask(batch["attention_mask"])
    with torch.no_grad():
        fused = model(batch["input_ids"], attention_mask=mask)
        explicit = model(batch["input_ids"], attention_mask=mask, output_attentions=True)
    torch.testing.assert_close(fused.last_hidden_state, explicit.last_hidden_state, rtol=1e-5, atol=1e-5)
    weights = explicit.attentions[0]  # (B, nh, T, T)
    assert weights.triu(diagonal=1).abs().max() < 1e-6  # nothing above the diagonal: no look ahead


def test_a_causal_mask_gives_transformers_decoder_bert_numbers(transformers_module, config, batch):
    hf_config = transformers_module.BertConfig(**config.to_hf_dict(), is_decoder=True, attn_implementation="eager")
    hf_model = perturb(transformers_module.BertModel(hf_config)).eval()  # is_decoder: HF's causal mask
    ours = BertModel(config).eval()
    ours.load_state_dict(hf_model.state_dict())
    with torch.no_grad():
        theirs = hf_model(**batch, use_cache=False).last_hidden_state
        mine = ours(batch["input_ids"], batch["token_type_ids"], causal_mask(batch["attention_mask"]))
    real = batch["attention_mask"].bool()  # (B, T): padding positions' outputs mean nothing
    torch.testing.assert_close(mine.last_hidden_state[real], theirs[real], rtol=0, atol=1e-5)


def test_a_mask_of_another_shape_is_refused_with_both_shapes_named(config, batch):
    model = BertModel(config)
    wrong = torch.ones(3, 10, 9, dtype=torch.long)
    with pytest.raises(ValueError, match=r"attention_mask should have shape \(3, 10, 10\)") as error:
        model(batch["input_ids"], attention_mask=wrong)
    assert "causal_mask" in str(error.value) and "(3, 10)" in str(error.value)


def test_mean_pooling_refuses_a_per_query_mask(config, batch):
    model = BertForSequenceClassification(BertConfig(**{**vars(config), "classifier_pooling": "mean"}))
    with pytest.raises(BertlibInputError, match="Mean pooling needs a \\(B, T\\) attention_mask"):
        model(batch["input_ids"], attention_mask=causal_mask(batch["attention_mask"]))
