"""BertConfig: presets, parameter counts against transformers, config.json, validation."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from bertlib.model import PRESETS, BertConfig, BertModel


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", PRESETS)
def test_presets_have_googles_sizes_with_a_4x_feed_forward(name):
    config = BertConfig.preset(name)
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads) == PRESETS[name]
    assert config.intermediate_size == 4 * config.hidden_size


def test_preset_sizes_are_googles():
    assert PRESETS == {
        "tiny": (2, 128, 2),
        "mini": (4, 256, 4),
        "small": (4, 512, 8),
        "medium": (8, 512, 8),
        "base": (12, 768, 12),
        "large": (24, 1024, 16),
    }


def test_preset_overrides_win():
    config = BertConfig.preset("mini", vocab_size=650, intermediate_size=100)
    assert (config.vocab_size, config.intermediate_size, config.hidden_size) == (650, 100, 256)


def test_unknown_preset_lists_the_choices():
    with pytest.raises(ValueError, match="tiny, mini, small, medium, base, large"):
        BertConfig.preset("huge")


def test_base_bert_model_with_pooler_has_109482240_parameters():
    with torch.device("meta"):  # counts shapes without allocating or initialising anything
        assert count_parameters(BertModel(BertConfig.preset("base"))) == 109_482_240


@pytest.mark.parametrize("name", PRESETS)
def test_parameter_count_equals_transformers(name, transformers_module):
    config = BertConfig.preset(name)
    with torch.device("meta"):
        ours = count_parameters(BertModel(config))
        theirs = count_parameters(transformers_module.BertModel(transformers_module.BertConfig(**config.to_hf_dict())))
    assert ours == theirs


def test_hf_dict_round_trips_through_transformers(transformers_module):
    config = BertConfig(
        vocab_size=650,
        hidden_size=64,
        num_hidden_layers=3,
        num_attention_heads=4,
        intermediate_size=96,
        hidden_act="gelu_new",
        classifier_dropout=0.2,
        num_labels=3,
        label_names=("negative", "neutral", "positive"),
        classifier_pooling="mean",
    )
    theirs = transformers_module.BertConfig.from_dict(config.to_hf_dict())
    assert theirs.num_labels == 3 and theirs.id2label[2] == "positive"
    assert BertConfig.from_hf_dict(theirs.to_dict()) == config


def test_default_label_names_are_not_kept():
    hf = BertConfig(num_labels=4).to_hf_dict()
    assert hf["id2label"]["3"] == "LABEL_3"
    assert BertConfig.from_hf_dict(hf) == BertConfig(num_labels=4)


def test_json_file_round_trip_names_the_architecture(tmp_path):
    config = BertConfig.preset("tiny", vocab_size=650, label_names=("a", "b"))
    config.to_json_file(tmp_path / "config.json", architecture="BertForPreTraining")
    assert BertConfig.from_json_file(tmp_path / "config.json") == config
    assert '"architectures": [\n    "BertForPreTraining"' in (tmp_path / "config.json").read_text()


def test_attention_path_is_not_written_to_config_json():
    assert "attention_path" not in BertConfig(attention_path="explicit").to_hf_dict()


def test_reads_the_real_minilm_config(minilm_dir):
    config = BertConfig.from_json_file(minilm_dir / "config.json")
    assert (config.num_hidden_layers, config.hidden_size, config.num_attention_heads) == (6, 384, 12)
    assert (config.vocab_size, config.intermediate_size, config.head_size) == (30522, 1536, 32)


def test_hidden_size_not_divisible_by_heads_names_the_fix():
    with pytest.raises(ValueError, match="divisible") as error:
        BertConfig(hidden_size=100, num_attention_heads=3)
    assert "num_attention_heads=2 or 4" in str(error.value) and "hidden_size=99 or 102" in str(error.value)


@pytest.mark.parametrize(
    "hf_setting",
    [
        {"position_embedding_type": "relative_key"},
        {"is_decoder": True},
        {"model_type": "roberta"},
        {"tie_word_embeddings": False},
    ],
)
def test_hf_settings_of_another_model_are_refused(hf_setting):
    with pytest.raises(ValueError, match="bertlib builds only the original BERT"):
        BertConfig.from_hf_dict({**BertConfig().to_hf_dict(), **hf_setting})


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"hidden_act": "swish"}, "'gelu', 'gelu_new', 'relu'"),
        ({"attention_path": "fast"}, "'auto', 'explicit'"),
        ({"classifier_pooling": "max"}, "'cls', 'mean'"),
        ({"num_labels": 3, "label_names": ("a", "b")}, "one name per class"),
        ({"hidden_dropout_prob": 1.0}, r"in \[0, 1\)"),
        ({"pad_token_id": 99, "vocab_size": 99}, "set it to the \\[PAD\\] token's id"),
        ({"num_hidden_layers": 0}, "positive integer"),
    ],
)
def test_bad_settings_fail_with_the_fix(bad, message):
    with pytest.raises(ValueError, match=message):
        BertConfig(**bad)


def test_config_is_frozen_and_replace_validates():
    config = BertConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.hidden_size = 10
    assert config.replace(num_labels=5).num_labels == 5
    with pytest.raises(ValueError, match="divisible"):
        config.replace(num_attention_heads=7)
