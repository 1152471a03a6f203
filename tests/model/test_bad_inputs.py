"""Bad configs, damaged checkpoints, bad model inputs and non-finite weights: each gets an error
that names the bad value (and the file or field) and the fix, or the right result. A diverged model
must look diverged on both attention paths.

Each case is one named parametrize entry, so a failure says which mistake regressed.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from bertlib.errors import BertlibInputError, UnsafeFileError
from bertlib.model import (
    BertConfig,
    BertForPreTraining,
    BertForSequenceClassification,
    BertModel,
    CheckpointError,
)
from bertlib.model.attention import explicit_attention, fused_attention, padding_mask

from .conftest import perturb

# -- BertConfig and config.json ------------------------------------------------------------------

BAD_SETTINGS = {
    "layers-bool": ({"num_hidden_layers": True}, r"num_hidden_layers must be a positive integer.*not True"),
    "heads-float": ({"num_attention_heads": 12.0}, r"num_attention_heads must be a positive integer.*12.0"),
    "vocab-zero": ({"vocab_size": 0}, r"vocab_size must be a positive integer.*e.g. vocab_size=30522"),
    "positions-negative": ({"max_position_embeddings": -5}, r"max_position_embeddings must be.*-5"),
    "eps-negative": ({"layer_norm_eps": -1}, r"layer_norm_eps must be a small positive number, not -1.*1e-12"),
    "eps-zero": ({"layer_norm_eps": 0.0}, r"layer_norm_eps must be a small positive number, not 0.0"),
    "eps-nan": ({"layer_norm_eps": float("nan")}, r"layer_norm_eps must be a small positive number, not nan"),
    "eps-string": ({"layer_norm_eps": "1e-12"}, r"layer_norm_eps must be a small positive number, not '1e-12'"),
    "init-negative": ({"initializer_range": -0.02}, r"initializer_range.*must be in \[0, 1\), not -0.02.*0.02"),
    "dropout-bool": ({"hidden_dropout_prob": True}, r"hidden_dropout_prob must be a probability in \[0, 1\), not True"),
    "attention-dropout-negative": ({"attention_probs_dropout_prob": -0.1}, r"attention_probs_dropout_prob.*-0.1"),
    "classifier-dropout-one": ({"classifier_dropout": 1.0}, r"classifier_dropout must be a probability.*not 1.0"),
    "pad-id-bool": ({"pad_token_id": False}, r"pad_token_id must be a whole number, not False"),
    "labels-string": ({"num_labels": "3"}, r"num_labels must be a whole number, not '3'"),
    "act-not-string": ({"hidden_act": 1}, r"hidden_act=1 must be a string"),
}


@pytest.mark.parametrize("case", list(BAD_SETTINGS.values()), ids=list(BAD_SETTINGS))
def test_bad_setting_names_the_field_value_and_fix(case):
    setting, message = case
    with pytest.raises(BertlibInputError, match=message):
        BertConfig(**setting)


BAD_HF_DICTS = {
    "misspelt-layers": ({"num_hiden_layers": 2}, r"'num_hiden_layers' \(did you mean 'num_hidden_layers'\?\)"),
    "misspelt-eps": ({"layer_norm_epsilon": 1e-5}, r"'layer_norm_epsilon' \(did you mean 'layer_norm_eps'\?\)"),
    "misspelt-hidden": ({"hiden_size": 64}, r"'hiden_size' \(did you mean 'hidden_size'\?\).*Correct the spelling"),
    "unknown-key": ({"zzz": 1}, r"unknown setting\(s\) 'zzz':.*remove them"),
    "layers-bool": ({"num_hidden_layers": True}, r"num_hidden_layers must be a positive integer.*not True"),
    "bad-id2label": ({"id2label": ["a", "b"]}, r"id2label=\['a', 'b'\] must map class indices to names"),
}


@pytest.mark.parametrize("case", list(BAD_HF_DICTS.values()), ids=list(BAD_HF_DICTS))
def test_bad_hf_dict_is_refused_with_the_closest_key(case):
    change, message = case
    with pytest.raises(BertlibInputError, match=message):
        BertConfig.from_hf_dict({**BertConfig(num_hidden_layers=3).to_hf_dict(), **change})


GPT2_CONFIG = {
    "model_type": "gpt2",
    "architectures": ["GPT2LMHeadModel"],
    "vocab_size": 50257,
    "n_embd": 768,
    "n_layer": 12,
    "n_head": 12,
    "n_positions": 1024,
    "layer_norm_epsilon": 1e-5,
}
NOT_BERT = {
    "gpt2": (GPT2_CONFIG, r"not a BERT config \(model_type='gpt2'\).*load this model with transformers"),
    "gpt2-without-model-type": (
        {k: v for k, v in GPT2_CONFIG.items() if k not in ("model_type", "vocab_size")},
        r"not a BERT config \(none of vocab_size, hidden_size",
    ),
    "empty-object": ({}, r"not a BERT config"),
}


@pytest.mark.parametrize("case", list(NOT_BERT.values()), ids=list(NOT_BERT))
def test_config_of_another_model_says_it_is_not_bert(case):
    hf, message = case
    with pytest.raises(BertlibInputError, match=message) as error:
        BertConfig.from_hf_dict(hf)
    assert "allow_new_head" not in str(error.value)


def test_harmless_hf_keys_are_ignored_and_real_configs_load(minilm_dir):
    hf = {
        **BertConfig(num_hidden_layers=3).to_hf_dict(),
        "transformers_version": "4.8.2",
        "torch_dtype": "float32",
        "gradient_checkpointing": False,
        "use_cache": True,
        "_name_or_path": "x",
        "architectures": ["BertModel"],
        "pooler_type": "first_token_transform",
        "directionality": "bidi",
    }
    assert BertConfig.from_hf_dict(hf).num_hidden_layers == 3
    assert BertConfig.from_json_file(minilm_dir / "config.json").num_hidden_layers == 6


BAD_CONFIG_FILES = {
    "invalid-json": (
        '{"hidden_size": 64,\n "num_hidden_layers": 2,,}',
        r"not valid JSON \(.*line 2, column 25.*save_pretrained",
    ),
    "a-list": ('[{"hidden_size": 64}]', r"holds a JSON list, but a config.json must be one object"),
    "a-number": ("7", r"holds a JSON int, but a config.json must be one object"),
    "not-utf8": (b'{"_name_or_path": "caf\xe9"}', r"is not UTF-8 text \(byte 22.*re-save it"),
    "misspelt-key": ('{"num_hiden_layers": 2, "hidden_size": 64}', r"did you mean 'num_hidden_layers'"),
    "gpt2": (json.dumps(GPT2_CONFIG), r"not a BERT config \(model_type='gpt2'\).*transformers"),
}


@pytest.mark.parametrize("case", list(BAD_CONFIG_FILES.values()), ids=list(BAD_CONFIG_FILES))
def test_bad_config_json_names_the_file(tmp_path, case):
    content, message = case
    path = tmp_path / "config.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(BertlibInputError, match=message) as error:
        BertModel.from_pretrained(tmp_path, allow_new_head=True)
    assert str(path) in str(error.value) and "allow_new_head" not in str(error.value)


# -- damaged weights -------------------------------------------------------------------------------


def _truncated(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path):
    path.write_bytes(b"this is not a safetensors file at all" * 10)


def _empty(path):
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [_truncated, _garbage, _empty], ids=["truncated", "garbage", "empty"])
def test_damaged_safetensors_names_the_file_and_fix(config, tmp_path, damage):
    BertModel(config).save_pretrained(tmp_path)
    damage(tmp_path / "model.safetensors")
    with pytest.raises(
        CheckpointError,
        match=r"model.safetensors is damaged: it is truncated or not a "
        r"safetensors file.*Copy or download it again",
    ) as error:
        BertModel.from_pretrained(tmp_path)
    assert str(tmp_path / "model.safetensors") in str(error.value)


@pytest.mark.parametrize("damage", [_truncated, _garbage], ids=["truncated", "garbage"])
def test_damaged_pytorch_model_bin_names_the_file(config, tmp_path, damage):
    config.to_json_file(tmp_path / "config.json")
    torch.save(BertModel(config).state_dict(), tmp_path / "pytorch_model.bin")
    damage(tmp_path / "pytorch_model.bin")
    message = r"Could not read .*pytorch_model.bin.*truncated.*Write it again"
    with pytest.raises(CheckpointError, match=message) as error:
        BertModel.from_pretrained(tmp_path)
    assert "weights_only=False" not in str(error.value)


def test_unsafe_pytorch_model_bin_is_an_unsafe_file_error(config, tmp_path):
    config.to_json_file(tmp_path / "config.json")
    torch.save({"x": torch.zeros(1), "y": np.zeros(2)}, tmp_path / "pytorch_model.bin")  # numpy: not allowed
    with pytest.raises(UnsafeFileError, match=r"Refused .*pytorch_model.bin.*could run code") as error:
        BertModel.from_pretrained(tmp_path)
    assert isinstance(error.value, CheckpointError) and "weights_only=False" not in str(error.value)


def test_gpt2_weights_under_a_bert_config_do_not_suggest_allow_new_head(config, tmp_path):
    config.to_json_file(tmp_path / "config.json")
    save_file(
        {"h.0.attn.c_attn.weight": torch.zeros(4, 12), "wte.weight": torch.zeros(99, 4)}, tmp_path / "model.safetensors"
    )
    with pytest.raises(CheckpointError, match=r"holds none of a BERT's weights.*not a BERT checkpoint") as error:
        BertForSequenceClassification.from_pretrained(tmp_path)
    assert "allow_new_head" not in str(error.value)


# -- model inputs ----------------------------------------------------------------------------------

BAD_INPUTS = {
    "python-list": (
        dict(input_ids=[[5, 6, 7]]),
        r"input_ids is a Python list, not a tensor.*torch.tensor\(input_ids\)",
    ),
    "numpy-array": (dict(input_ids=np.array([[5, 6, 7]])), r"input_ids is a numpy.ndarray.*pass a torch.LongTensor"),
    "float-ids": (dict(input_ids=torch.tensor([[5.0, 6.0]])), r"input_ids has dtype torch.float32.*\.long\(\)"),
    "bool-ids": (dict(input_ids=torch.tensor([[True, False]])), r"input_ids has dtype torch.bool"),
    "empty-batch": (dict(input_ids=torch.zeros(0, 4, dtype=torch.long)), r"shape \(0, 4\): an empty batch"),
    "empty-sequence": (dict(input_ids=torch.zeros(2, 0, dtype=torch.long)), r"shape \(2, 0\): an empty sequence"),
    "id-too-large": (dict(input_ids=torch.tensor([[5, 99]])), r"input_ids contains 99.*0 to 98.*vocab.txt"),
    "id-negative": (dict(input_ids=torch.tensor([[-1, 5]])), r"input_ids contains -1"),
    "list-mask": (
        dict(input_ids=torch.tensor([[5, 6]]), attention_mask=[[1, 1]]),
        r"attention_mask is a Python list.*torch.tensor\(attention_mask\)",
    ),
    "float-segments": (
        dict(input_ids=torch.tensor([[5, 6]]), token_type_ids=torch.zeros(1, 2)),
        r"token_type_ids has dtype torch.float32",
    ),
    "segment-too-large": (
        dict(input_ids=torch.tensor([[5, 6]]), token_type_ids=torch.tensor([[0, 2]])),
        r"token_type_ids contains 2.*Use 0 for sentence A",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS.values()), ids=list(BAD_INPUTS))
def test_bad_model_input_names_it_and_the_fix(config, case):
    inputs, message = case
    with pytest.raises(BertlibInputError, match=message):
        BertModel(config)(**inputs)


@pytest.mark.parametrize(
    "mask, rows",
    [([[1, 1, 0], [0, 0, 0]], "1"), ([[0, 0, 0], [1, 0, 0], [0, 0, 0]], "0, 2")],
    ids=["one-empty-row", "two-empty-rows"],
)
def test_mean_pooling_over_no_real_tokens_names_the_rows(config, mask, rows):
    model = BertForSequenceClassification(config.replace(classifier_pooling="mean")).eval()
    mask = torch.tensor(mask)
    with pytest.raises(BertlibInputError, match=rf"all 0 in batch row\(s\) {rows},.*drop the empty rows"):
        model(torch.full(mask.shape, 5), attention_mask=mask)


def test_cls_pooling_with_an_empty_row_stays_finite(config):
    """[CLS] pooling reads one vector; an all-padding row is meaningless but not NaN, as in HF."""
    model = BertForSequenceClassification(config).eval()
    logits = model(torch.full((2, 3), 5), attention_mask=torch.tensor([[1, 1, 0], [0, 0, 0]])).logits
    assert torch.isfinite(logits).all()


# -- NaN weights: both attention paths show them ----------------------------------------------------

NAN_PLACES = {
    "query-weight": "encoder.layer.0.attention.self.query.weight",
    "key-weight": "encoder.layer.0.attention.self.key.weight",
    "value-weight": "encoder.layer.1.attention.self.value.weight",
    "word-embedding": "embeddings.word_embeddings.weight",
}


@pytest.mark.parametrize("padded", [False, True], ids=["no-mask", "padded"])
@pytest.mark.parametrize("parameter", list(NAN_PLACES.values()), ids=list(NAN_PLACES))
def test_nan_weights_give_nan_on_both_attention_paths(config, batch, parameter, padded):
    model = perturb(BertModel(config))
    with torch.no_grad():
        dict(model.named_parameters())[parameter][5, 0] = float("nan")  # row 5: token id 5 is in the batch
    input_ids = batch["input_ids"].clone()
    input_ids[:, 1] = 5  # every sequence holds token 5, whose embedding row may be the NaN one
    inputs = dict(input_ids=input_ids)
    if padded:
        inputs["attention_mask"] = batch["attention_mask"]
    fused = model(**inputs).last_hidden_state
    explicit = BertModel(config.replace(attention_path="explicit")).eval()
    explicit.load_state_dict(model.state_dict())
    slow = explicit(**inputs).last_hidden_state
    assert slow.isnan().any()
    assert torch.equal(fused.isnan(), slow.isnan())  # the same positions are NaN on both paths


@pytest.mark.parametrize("where", ["query-row", "one-key", "every-key", "value"])
def test_fused_attention_propagates_nan_like_the_explicit_one(where):
    generator = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 2, 5, 4, generator=generator) for _ in range(3))  # (B, nh, T, hd)
    target = {
        "query-row": (q, (0, 1, 2, 0)),
        "one-key": (k, (1, 0, 3, 1)),
        "every-key": (k, (0, 0, slice(None), 0)),
        "value": (v, (1, 1, 4, 3)),
    }[where]
    target[0][target[1]] = float("nan")
    for mask in (None, padding_mask(torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]))):
        expected = explicit_attention(q, k, v, mask).context
        assert expected.isnan().any()
        assert torch.equal(fused_attention(q, k, v, mask).context.isnan(), expected.isnan())


def test_fused_attention_is_unchanged_for_finite_inputs():
    """The NaN re-marking must not move a single bit of a healthy output."""
    import torch.nn.functional as F

    generator = torch.Generator().manual_seed(1)
    q, k, v = (torch.randn(2, 3, 6, 8, generator=generator) for _ in range(3))
    mask = padding_mask(torch.tensor([[1] * 6, [1, 1, 1, 1, 0, 0]]))
    for m in (None, mask):
        assert torch.equal(fused_attention(q, k, v, m).context, F.scaled_dot_product_attention(q, k, v, attn_mask=m))


def test_nan_checkpoint_is_visible_after_loading(config, batch, tmp_path):
    """A diverged model saved and loaded gives NaN on the default (fused) path, not healthy-looking numbers."""
    model = perturb(BertForPreTraining(config))
    with torch.no_grad():
        model.bert.encoder.layer[0].attention.self.query.weight.fill_(float("nan"))
    model.save_pretrained(tmp_path)
    out = BertForPreTraining.from_pretrained(tmp_path)(batch["input_ids"])
    assert out.mlm_logits.isnan().all()


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: BertConfig.preset("tiny", num_hidden_layer=3),
            r"preset\('tiny', ...\) got num_hidden_layer=3.*"
            r"did you mean 'num_hidden_layers'",
        ),
        (lambda: BertConfig().replace(hidden_dropout=0.0), r"replace got hidden_dropout=0.0.*'hidden_dropout_prob'"),
        (lambda: BertConfig.preset("huge"), r"Unknown preset 'huge'. Choose one of: tiny"),
    ],
    ids=["preset-misspelt-override", "replace-misspelt-field", "unknown-preset"],
)
def test_misspelt_config_keyword_names_the_closest_field(call, message):
    with pytest.raises(BertlibInputError, match=message):
        call()


def test_config_json_round_trip_still_exact(tmp_path):
    config = BertConfig.preset("tiny", vocab_size=650, label_names=("a", "b"), classifier_dropout=0.2)
    config.to_json_file(tmp_path / "config.json")
    assert json.loads((tmp_path / "config.json").read_text())["model_type"] == "bert"
    assert BertConfig.from_json_file(tmp_path / "config.json") == config


# -- second sweep: mask values, label types, all-ignored labels, saving over a file ----------------

IDS = torch.tensor([[5, 6, 7, 8]])

BAD_MASK_VALUES = {
    "mask-two": (torch.tensor([[1, 1, 2, 1]]), r"attention_mask holds 2 at \(0, 2\).*only 1.*and 0.*\(mask > 0\)"),
    "mask-minus-one": (torch.tensor([[1, -1, 1, 1]]), r"attention_mask holds -1 at \(0, 1\)"),
    "mask-half": (torch.tensor([[1.0, 1.0, 0.5, 0.0]]), r"attention_mask holds 0.5 at \(0, 2\)"),
    "mask-nan": (torch.tensor([[1.0, float("nan"), 1.0, 1.0]]), r"attention_mask holds nan at \(0, 1\)"),
    "ids-on-meta-device": (None, r"input_ids is on the meta device.*holds no values"),
}


@pytest.mark.parametrize("case", list(BAD_MASK_VALUES.values()), ids=list(BAD_MASK_VALUES))
def test_bad_mask_value_names_the_value_position_and_fix(config, case):
    mask, message = case
    ids = IDS if mask is not None else torch.zeros(1, 4, dtype=torch.long, device="meta")
    with pytest.raises(BertlibInputError, match=message):
        BertModel(config)(ids, attention_mask=mask)


@pytest.mark.parametrize(
    "mask",
    [torch.tensor([[1, 1, 0, 0]]), torch.tensor([[True, True, False, False]]), torch.tensor([[1.0, 1.0, 0.0, 0.0]])],
    ids=["long", "bool", "float"],
)
def test_valid_masks_of_every_dtype_give_the_same_output(config, mask):
    model = perturb(BertModel(config))
    expected = model(IDS, attention_mask=torch.tensor([[1, 1, 0, 0]])).last_hidden_state
    assert torch.equal(model(IDS, attention_mask=mask).last_hidden_state, expected)


def _heads(config):
    from bertlib.model import BertForQuestionAnswering, BertForTokenClassification

    return {
        "seq": BertForSequenceClassification(config),
        "tok": BertForTokenClassification(config),
        "qa": BertForQuestionAnswering(config),
        "pre": BertForPreTraining(config),
    }


BAD_LABELS = {
    "seq-labels-all-ignored": (
        "seq",
        dict(labels=torch.tensor([-100])),
        r"every value in labels is -100.*NaN.*"
        r"at least one real label",
    ),
    "token-labels-all-ignored": ("tok", dict(labels=torch.full((1, 4), -100)), r"every value in labels is -100"),
    "mlm-labels-all-ignored": (
        "pre",
        dict(mlm_labels=torch.full((1, 4), -100), nsp_labels=torch.tensor([0])),
        r"every value in mlm_labels is -100.*mlm_labels=None",
    ),
    "seq-labels-float": ("seq", dict(labels=torch.tensor([1.0])), r"labels has dtype torch.float32.*labels\.long\(\)"),
    "seq-labels-bool": ("seq", dict(labels=torch.tensor([True])), r"labels has dtype torch.bool"),
    "seq-labels-python-int": (
        "seq",
        dict(labels=1),
        r"labels is a Python int \(1\), not a tensor.*torch.tensor\(\[1\]\)",
    ),
    "qa-start-float": (
        "qa",
        dict(start_positions=torch.tensor([1.0]), end_positions=torch.tensor([2])),
        r"start_positions has dtype torch.float32.*start_positions\.long\(\)",
    ),
    "qa-end-python-int": (
        "qa",
        dict(start_positions=torch.tensor([1]), end_positions=2),
        r"end_positions is a Python int \(2\)",
    ),
}


@pytest.mark.parametrize("case", list(BAD_LABELS.values()), ids=list(BAD_LABELS))
def test_bad_labels_name_the_value_and_fix(config, case):
    head, labels, message = case
    with pytest.raises(BertlibInputError, match=message):
        _heads(config)[head](IDS, **labels)


def test_summed_loss_of_all_ignored_labels_is_zero_with_a_gradient():
    """The trainer sums micro-batch losses: one with no masked token adds 0, not NaN."""
    from bertlib.model.heads import classification_loss

    logits = torch.randn(2, 3, requires_grad=True)
    loss = classification_loss(logits, torch.tensor([-100, -100]), reduction="sum")
    loss.backward()
    assert loss.item() == 0.0 and torch.equal(logits.grad, torch.zeros(2, 3))


def test_int32_labels_give_the_same_loss_as_int64(config):
    model = BertForSequenceClassification(config).eval()
    assert torch.equal(
        model(IDS, labels=torch.tensor([1], dtype=torch.int32)).loss, model(IDS, labels=torch.tensor([1])).loss
    )


@pytest.mark.parametrize("where", ["taken", "taken/sub"], ids=["save-into-a-file", "save-under-a-file"])
def test_save_pretrained_over_a_file_names_it_and_keeps_it(config, tmp_path, where):
    (tmp_path / "taken").write_text("mine")
    with pytest.raises(
        BertlibInputError,
        match=r"taken is a file, so save_pretrained cannot make the folder.*"
        r"Choose another path",
    ):
        BertModel(config).save_pretrained(tmp_path / where)
    assert (tmp_path / "taken").read_text() == "mine"


def test_from_pretrained_expands_the_home_folder(config, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    BertModel(config).save_pretrained(tmp_path / "runs" / "x")
    assert BertModel.from_pretrained("~/runs/x").config == config
