"""The GPU fast path (`BertConfig(fast_path=True)`): the same function as the plain path, forward
and backward, with the same parameter names; only the arithmetic is arranged differently."""

from __future__ import annotations

import pytest
import torch

from bertlib.errors import BertlibInputError
from bertlib.model import BertConfig, BertForPreTraining, BertModel

from .conftest import perturb


def twin_models(config: BertConfig) -> tuple[BertForPreTraining, BertForPreTraining]:
    """A plain model and a fast-path model with the same (perturbed) weights."""
    plain = perturb(BertForPreTraining(config.replace(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)))
    fast = BertForPreTraining(plain.config.replace(fast_path=True))
    fast.load_state_dict(plain.state_dict())
    return plain, fast


@pytest.mark.parametrize("padded", [True, False], ids=["padding-mask", "no-mask"])
def test_fast_path_gives_the_plain_outputs_and_gradients(padded, config, batch):
    plain, fast = twin_models(config)
    inputs = dict(batch, attention_mask=batch["attention_mask"] if padded else None)
    labels = {
        "mlm_labels": batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100),
        "nsp_labels": torch.tensor([0, 1, 0]),
    }
    outputs = [model(**inputs, **labels) for model in (plain, fast)]
    for out in outputs:
        out.loss.backward()
    torch.testing.assert_close(outputs[1].mlm_logits, outputs[0].mlm_logits, rtol=0, atol=1e-5)
    torch.testing.assert_close(outputs[1].loss, outputs[0].loss, rtol=0, atol=1e-5)
    grads = [dict(model.named_parameters()) for model in (plain, fast)]
    assert grads[0].keys() == grads[1].keys()  # the same names: checkpoints load either way
    for name, parameter in grads[0].items():
        torch.testing.assert_close(grads[1][name].grad, parameter.grad, rtol=0, atol=1e-5, msg=name)
    query = fast.bert.encoder.layer[0].attention.self.query.weight.grad
    assert query is not None and query.abs().sum() > 0  # the separate Q weight is what learns


def test_fast_path_returns_attention_weights_like_the_plain_path(config, batch):
    plain, fast = twin_models(config)
    got = [model.bert(**batch, output_attentions=True, output_qk=True) for model in (plain, fast)]
    for a, b in zip(got[0].attentions, got[1].attentions, strict=True):
        torch.testing.assert_close(b, a, rtol=0, atol=1e-6)
    for a, b in zip(got[0].queries, got[1].queries, strict=True):
        torch.testing.assert_close(b, a, rtol=0, atol=1e-6)


def test_fast_path_is_a_way_of_computing_and_not_saved(config, tmp_path):
    model = BertModel(config.replace(fast_path=True))
    model.save_pretrained(tmp_path)
    assert "fast_path" not in (tmp_path / "config.json").read_text()
    assert BertModel.from_pretrained(tmp_path).config.fast_path is False
    assert BertModel.from_pretrained(tmp_path, fast_path=True).config.fast_path is True


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_fast_path_must_be_a_bool(value, config):
    with pytest.raises(BertlibInputError, match="fast_path=.* must be True or False"):
        config.replace(fast_path=value)
