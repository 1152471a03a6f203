"""from_pretrained / save_pretrained: round trips, prefixes, heads, safe unpickling, clear errors."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file, save_file

from bertlib.model import (
    BertForMaskedLM,
    BertForPreTraining,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertModel,
    CheckpointError,
    load_pretrained,
)

from .conftest import perturb

ALL_CLASSES = [
    BertModel,
    BertForPreTraining,
    BertForMaskedLM,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertForQuestionAnswering,
]


def saved(model, directory):
    model.save_pretrained(directory)
    return directory


def rewrite_weights(directory, change):
    """Apply `change` to the dict of tensors in directory/model.safetensors."""
    weights = load_file(directory / "model.safetensors")
    save_file(change(weights), directory / "model.safetensors")


def outputs(model, batch):
    out = model(**batch)
    return [t for t in vars(out).values() if isinstance(t, torch.Tensor)]


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_save_then_load_gives_the_same_model(cls, config, batch, tmp_path):
    model = perturb(cls(config))
    loaded = cls.from_pretrained(saved(model, tmp_path))
    assert loaded.config == model.config and not loaded.training
    for ours, theirs in zip(outputs(model, batch), outputs(loaded, batch), strict=True):
        torch.testing.assert_close(ours, theirs, rtol=0, atol=0)
    assert loaded.load_report.dropped == () and loaded.load_report.new == ()


def test_tied_weight_is_written_once(config, tmp_path):
    keys = load_file(saved(BertForPreTraining(config), tmp_path) / "model.safetensors").keys()
    assert "bert.embeddings.word_embeddings.weight" in keys and "cls.predictions.decoder.weight" not in keys
    assert "cls.predictions.bias" in keys


def test_trunk_keys_load_with_or_without_the_bert_prefix(config, batch, tmp_path):
    model = perturb(BertForSequenceClassification(config))
    rewrite_weights(saved(model, tmp_path), lambda w: {k.removeprefix("bert."): t for k, t in w.items()})
    assert not any(k.startswith("bert.") for k in load_file(tmp_path / "model.safetensors"))
    loaded = BertForSequenceClassification.from_pretrained(tmp_path)
    torch.testing.assert_close(loaded(**batch).logits, model(**batch).logits, rtol=0, atol=0)


def test_head_checkpoint_loads_into_a_bare_model_dropping_the_heads(config, batch, tmp_path):
    pretraining = perturb(BertForPreTraining(config))
    encoder = BertModel.from_pretrained(saved(pretraining, tmp_path))
    assert set(encoder.load_report.dropped) == {
        k for k in pretraining.state_dict() if k.startswith("cls.") and k != "cls.predictions.decoder.weight"
    }
    torch.testing.assert_close(
        encoder(**batch).last_hidden_state, pretraining(**batch).bert.last_hidden_state, rtol=0, atol=0
    )


def test_pooler_is_dropped_for_a_head_without_one(config, tmp_path):
    tagger = BertForTokenClassification.from_pretrained(saved(BertModel(config), tmp_path), allow_new_head=True)
    assert set(tagger.load_report.dropped) == {"bert.pooler.dense.weight", "bert.pooler.dense.bias"}
    assert set(tagger.load_report.new) == {"classifier.weight", "classifier.bias"}


def test_hf_position_ids_buffer_is_accepted(config, tmp_path):
    rewrite_weights(
        saved(BertModel(config), tmp_path), lambda w: {**w, "embeddings.position_ids": torch.arange(40)[None]}
    )
    assert BertModel.from_pretrained(tmp_path).load_report.dropped == ("bert.embeddings.position_ids",)


def test_encoder_checkpoint_into_a_head_model_needs_allow_new_head(config, tmp_path):
    encoder = perturb(BertModel(config))
    with pytest.raises(
        CheckpointError,
        match=r"missing keys of this model's head: classifier.weight, "
        r"classifier.bias.*pass allow_new_head=True",
    ):
        BertForSequenceClassification.from_pretrained(saved(encoder, tmp_path))
    classifier = BertForSequenceClassification.from_pretrained(tmp_path, allow_new_head=True, num_labels=5)
    assert set(classifier.load_report.new) == {"classifier.weight", "classifier.bias"}
    assert classifier.classifier.weight.shape == (5, 32)
    torch.testing.assert_close(
        classifier.bert.encoder.layer[1].output.dense.weight,
        encoder.encoder.layer[1].output.dense.weight,
        rtol=0,
        atol=0,
    )


def test_missing_pooler_counts_as_part_of_the_new_head(config, tmp_path):
    saved(BertForMaskedLM(config), tmp_path)  # HF's masked LM has no pooler
    with pytest.raises(CheckpointError, match=r"bert.pooler.dense.weight.*allow_new_head=True"):
        BertForSequenceClassification.from_pretrained(tmp_path)
    loaded = BertForSequenceClassification.from_pretrained(tmp_path, allow_new_head=True)
    assert "bert.pooler.dense.weight" in loaded.load_report.new


def test_pytorch_model_bin_is_read_with_weights_only(config, batch, tmp_path):
    model = perturb(BertModel(config))
    config.to_json_file(tmp_path / "config.json")
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    loaded = BertModel.from_pretrained(tmp_path)
    torch.testing.assert_close(loaded(**batch).last_hidden_state, model(**batch).last_hidden_state, rtol=0, atol=0)


class _CreatesAFile:
    """A pickle payload: unpickling it calls open(path, "w"), creating the file."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def test_pickle_that_would_run_code_is_refused_not_executed(config, tmp_path):
    marker = tmp_path / "pwned"
    config.to_json_file(tmp_path / "config.json")
    torch.save({"embeddings.word_embeddings.weight": _CreatesAFile(marker)}, tmp_path / "pytorch_model.bin")
    with pytest.raises(CheckpointError, match=r"Refused .*pytorch_model.bin.*could run code.*model.safetensors"):
        BertModel.from_pretrained(tmp_path)
    assert not marker.exists()
    torch.load(tmp_path / "pytorch_model.bin", weights_only=False)  # proof that the payload is live
    assert marker.exists()


def test_missing_layers_are_named_with_the_fix(config, tmp_path):
    missing = r"missing keys: bert.encoder.layer.2.*fix config.json \(e.g. num_hidden_layers\)"
    with pytest.raises(CheckpointError, match=missing):
        BertModel.from_pretrained(saved(BertModel(config), tmp_path), num_hidden_layers=3)


def test_unexpected_keys_are_named(config, tmp_path):
    with pytest.raises(CheckpointError, match=r"unexpected keys: bert.encoder.layer.1.*num_hidden_layers"):
        BertModel.from_pretrained(saved(BertModel(config), tmp_path), num_hidden_layers=1)


def test_wrong_shapes_are_named_with_both_shapes(config, tmp_path):
    with pytest.raises(
        CheckpointError,
        match=r"bert.embeddings.word_embeddings.weight is \(99, 32\) in the "
        r"checkpoint but \(100, 32\) in the model.*set its sizes",
    ):
        BertModel.from_pretrained(saved(BertModel(config), tmp_path), vocab_size=100)


def test_stored_copy_of_a_tied_weight_must_be_a_copy(config, tmp_path):
    def add_copy(weights, noise=0.0):
        return {**weights, "cls.predictions.decoder.weight": weights["bert.embeddings.word_embeddings.weight"] + noise}

    rewrite_weights(saved(BertForMaskedLM(config), tmp_path), add_copy)
    BertForMaskedLM.from_pretrained(tmp_path)  # an exact copy (older HF checkpoints) is fine
    rewrite_weights(tmp_path, lambda w: add_copy(w, noise=1.0))
    with pytest.raises(CheckpointError, match="cls.predictions.decoder.weight differs from .*word_embeddings"):
        BertForMaskedLM.from_pretrained(tmp_path)


def test_weights_stored_twice_are_refused(config, tmp_path):
    rewrite_weights(
        saved(BertModel(config), tmp_path), lambda w: {**w, "bert.pooler.dense.bias": w["pooler.dense.bias"].clone()}
    )
    with pytest.raises(CheckpointError, match="with and without the `bert.` prefix"):
        BertModel.from_pretrained(tmp_path)


def test_config_overrides_apply_and_a_missing_folder_is_explained(config, tmp_path):
    model = BertModel.from_pretrained(saved(BertModel(config), tmp_path), attention_path="explicit")
    assert model.config.attention_path == "explicit" and model.encoder.layer[0].attention.self.always_explicit
    with pytest.raises(FileNotFoundError, match="config.json not found"):
        BertModel.from_pretrained(tmp_path / "nowhere")
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="neither model.safetensors nor pytorch_model.bin"):
        BertModel.from_pretrained(tmp_path)


# ----------------------------------------------------------------------------- load_pretrained: any module, strict


class HandBuilt(torch.nn.Module):
    """A module of one's own with HF BertModel's names (as notebook 05 assembles it)."""

    def __init__(self, config, pooler=True):
        super().__init__()
        bert = BertModel(config, add_pooling_layer=pooler)
        self.embeddings, self.encoder = bert.embeddings, bert.encoder
        if pooler:
            self.pooler = bert.pooler


def test_load_pretrained_fills_a_module_of_ones_own_strictly(config, tmp_path):
    saved_model = perturb(BertModel(config))
    rewrite_weights(
        saved(saved_model, tmp_path),
        lambda w: {**w, "embeddings.position_ids": torch.arange(config.max_position_embeddings)[None]},
    )
    module = HandBuilt(config)
    report = load_pretrained(module, tmp_path)
    assert report.dropped == ("embeddings.position_ids",) and report.new == ()
    assert all(torch.equal(t, saved_model.state_dict()[k]) for k, t in module.state_dict().items())


def test_load_pretrained_names_missing_and_unexpected_keys_and_the_rename(config, tmp_path):
    module = HandBuilt(config)
    attention = module.encoder.layer[0].attention.output
    attention.layer_norm = attention.LayerNorm
    del attention.LayerNorm
    with pytest.raises(CheckpointError) as error:
        load_pretrained(module, saved(BertModel(config), tmp_path))
    message = str(error.value)
    assert "Cannot load" in message and "into HandBuilt" in message
    missing, unexpected = message.split("missing keys: ")[1], message.split("unexpected keys: ")[1]
    assert missing.startswith("encoder.layer.0.attention.output.layer_norm.")
    assert unexpected.startswith("encoder.layer.0.attention.output.LayerNorm.")
    assert "rename `layer_norm` -> `LayerNorm`" in message
    assert "attention.output.{dense,LayerNorm}" in message  # HF's names, the fix
    assert "bert." not in message  # in the module's own names, not the canonical ones


def test_load_pretrained_strict_uses_every_weight_even_the_pooler(config, tmp_path):
    directory = saved(BertModel(config), tmp_path)
    with pytest.raises(CheckpointError, match=r"unexpected keys: pooler.dense.bias, pooler.dense.weight.*strict load"):
        load_pretrained(HandBuilt(config, pooler=False), directory)
    report = load_pretrained(HandBuilt(config, pooler=False), directory, strict=False)
    assert set(report.dropped) == {"pooler.dense.weight", "pooler.dense.bias"}


def test_load_pretrained_names_shapes_with_the_linear_layout(config, tmp_path):
    module = HandBuilt(config)
    module.encoder.layer[1].intermediate.dense = torch.nn.Linear(config.intermediate_size, config.hidden_size)
    with pytest.raises(
        CheckpointError,
        match=r"encoder.layer.1.intermediate.dense.weight is \(37, 32\) in the checkpoint but \(32, 37\) in the "
        r"model.*stores its weight as \(out, in\)",
    ):
        load_pretrained(module, saved(BertModel(config), tmp_path))


def test_load_pretrained_checks_hf_constant_buffers(config, tmp_path):
    rewrite_weights(
        saved(BertModel(config), tmp_path),
        lambda w: {**w, "embeddings.position_ids": torch.arange(config.max_position_embeddings)[None].flip(-1)},
    )
    with pytest.raises(CheckpointError, match=r"embeddings.position_ids is not Hugging Face's constant \(0, 1, 2"):
        load_pretrained(HandBuilt(config), tmp_path)
