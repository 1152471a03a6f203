"""BertModel: outputs, the pooler, init, padding invariance, bad input, bf16 autocast."""

from __future__ import annotations

import pytest
import torch

from bertlib.model import BertConfig, BertForPreTraining, BertModel

from .conftest import perturb


def test_outputs_have_documented_shapes(config, batch):
    out = BertModel(config).eval()(**batch, output_attentions=True, output_qk=True)
    assert out.last_hidden_state.shape == (3, 10, 32) and out.pooler_output.shape == (3, 32)
    assert len(out.hidden_states) == 3 and len(out.attentions) == len(out.queries) == len(out.keys) == 2
    assert BertModel(config, add_pooling_layer=False)(**batch).pooler_output is None


def test_pooler_is_tanh_of_dense_of_cls(config, batch):
    model = perturb(BertModel(config))
    out = model(**batch)
    cls = out.last_hidden_state[:, 0]  # (B, H)
    expected = torch.tanh(cls @ model.pooler.dense.weight.T + model.pooler.dense.bias)
    torch.testing.assert_close(out.pooler_output, expected, rtol=0, atol=1e-6)


def test_token_types_default_to_segment_zero(config, batch):
    model = perturb(BertModel(config))
    ids, mask = batch["input_ids"], batch["attention_mask"]
    torch.testing.assert_close(
        model(ids, None, mask).last_hidden_state,
        model(ids, torch.zeros_like(ids), mask).last_hidden_state,
        rtol=0,
        atol=0,
    )


def test_init_is_googles():
    model = BertModel(BertConfig.preset("tiny", vocab_size=2000))
    word = model.embeddings.word_embeddings.weight
    assert abs(word[1:].std().item() - 0.02) < 0.001 and torch.count_nonzero(word[0]) == 0
    assert abs(model.encoder.layer[0].intermediate.dense.weight.std().item() - 0.02) < 0.001
    for name, parameter in model.named_parameters():
        if name.endswith("bias"):
            assert torch.count_nonzero(parameter) == 0, name
        if "LayerNorm.weight" in name:
            assert torch.all(parameter == 1), name


@pytest.mark.parametrize("path", ["auto", "explicit"])
def test_padding_does_not_change_real_tokens(config, path):
    model = perturb(BertModel(config.replace(attention_path=path)))
    generator = torch.Generator().manual_seed(3)
    short, long = torch.randint(1, 99, (1, 5), generator=generator), torch.randint(1, 99, (1, 9), generator=generator)
    alone = model(short, torch.tensor([[0, 0, 0, 1, 1]]))
    padded_ids = torch.cat([torch.cat([short, torch.zeros(1, 4, dtype=torch.long)], 1), long])  # (2, 9)
    segments = torch.zeros(2, 9, dtype=torch.long)
    segments[0, 3:5] = 1
    mask = torch.tensor([[1] * 5 + [0] * 4, [1] * 9])
    together = model(padded_ids, segments, mask)
    torch.testing.assert_close(together.last_hidden_state[0, :5], alone.last_hidden_state[0], rtol=0, atol=1e-6)
    torch.testing.assert_close(together.pooler_output[0], alone.pooler_output[0], rtol=0, atol=1e-6)


# -- bad input: each error says what to do ---------------------------------------------------------


def test_too_long_sequence_says_to_truncate(config):
    with pytest.raises(ValueError, match=r"41 tokens.*only 40 positions.*Truncate it to 40 tokens"):
        BertModel(config)(torch.ones(1, 41, dtype=torch.long))


@pytest.mark.parametrize("bad_id", [99, 1000, -1])
def test_token_id_outside_vocabulary_names_the_tokenizer(config, bad_id):
    ids = torch.tensor([[2, 3, bad_id]])
    with pytest.raises(ValueError, match=rf"contains {bad_id}.*99 token ids.*tokenizer whose vocab.txt"):
        BertModel(config)(ids)


def test_attention_mask_of_wrong_shape_says_what_to_pass(config, batch):
    with pytest.raises(ValueError, match=r"attention_mask should have shape \(3, 10\).*1 \(real token\) or 0"):
        BertModel(config)(batch["input_ids"], attention_mask=batch["attention_mask"][:, :9])


def test_token_type_out_of_range_says_which_are_valid(config, batch):
    with pytest.raises(ValueError, match=r"token_type_ids contains 2.*0 for sentence A and 1 for sentence B"):
        BertModel(config)(batch["input_ids"], batch["token_type_ids"] * 2)


def test_token_types_of_wrong_shape_are_refused(config, batch):
    with pytest.raises(ValueError, match=r"token_type_ids should have shape \(3, 10\).*one segment id per input id"):
        BertModel(config)(batch["input_ids"], batch["token_type_ids"][0])


@pytest.mark.parametrize(
    "ids, message",
    [
        (torch.ones(4, dtype=torch.long), r"\(batch, seq_len\) tensor of integer token ids.*input_ids\[None\]"),
        (torch.ones(1, 4), r"dtype torch.float32.*integers; pass a torch.LongTensor"),
        (torch.ones(1, 0, dtype=torch.long), r"shape \(1, 0\): an empty sequence.*at least one token"),
    ],
)
def test_input_ids_must_be_a_batch_of_integers(config, ids, message):
    with pytest.raises(ValueError, match=message):
        BertModel(config)(ids)


# -- device and dtype ------------------------------------------------------------------------------


def test_pretraining_step_runs_under_cpu_bf16_autocast(config, batch):
    model = BertForPreTraining(config)
    positions, labels = torch.tensor([[1, 2], [3, 0], [1, 0]]), torch.tensor([[5, 6], [7, -100], [8, -100]])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(**batch, masked_positions=positions, mlm_labels=labels, nsp_labels=torch.tensor([0, 1, 0]))
    assert out.mlm_logits.dtype == torch.bfloat16 and torch.isfinite(out.loss)
    out.loss.backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    with torch.no_grad():  # bf16 keeps about 3 significant digits
        full = model(**batch, masked_positions=positions, mlm_labels=labels, nsp_labels=torch.tensor([0, 1, 0]))
    assert abs(full.loss.item() - out.loss.item()) < 0.05
