"""Parity with Hugging Face transformers: every head, both directions, and the real MiniLM.

Each tiny random model goes HF -> bertlib (HF's save_pretrained, our from_pretrained) and
bertlib -> HF (ours, theirs). Same inputs, with padding and segments; logits, losses, every hidden
state and every attention map must agree to 1e-5 (fp32, eval mode).
"""

from __future__ import annotations

import pytest
import torch

import bertlib.model as ours
from bertlib.model import BertConfig

from .conftest import perturb

TOLERANCE = 1e-5
HEADS = [
    "BertModel",
    "BertForPreTraining",
    "BertForMaskedLM",
    "BertForSequenceClassification",
    "BertForTokenClassification",
    "BertForQuestionAnswering",
]
# (our output field, HF's output field) that must agree, per class.
FIELDS = {
    "BertModel": [("last_hidden_state", "last_hidden_state"), ("pooler_output", "pooler_output")],
    "BertForPreTraining": [
        ("mlm_logits", "prediction_logits"),
        ("nsp_logits", "seq_relationship_logits"),
        ("loss", "loss"),
    ],
    "BertForMaskedLM": [("logits", "logits"), ("loss", "loss")],
    "BertForSequenceClassification": [("logits", "logits"), ("loss", "loss")],
    "BertForTokenClassification": [("logits", "logits"), ("loss", "loss")],
    "BertForQuestionAnswering": [("start_logits", "start_logits"), ("end_logits", "end_logits"), ("loss", "loss")],
}


def labels_for(name: str, batch: dict[str, torch.Tensor]) -> tuple[dict, dict]:
    """The same targets as bertlib's and HF's keyword arguments."""
    token_labels = torch.randint(0, 3, (3, 10), generator=torch.Generator().manual_seed(4))
    token_labels = token_labels.masked_fill(batch["attention_mask"] == 0, -100)
    mlm = (token_labels * 30 + 5).masked_fill(batch["attention_mask"] == 0, -100)  # word ids < vocab_size
    sequence = torch.tensor([0, 2, 1])
    return {
        "BertModel": ({}, {}),
        "BertForPreTraining": (
            {"mlm_labels": mlm, "nsp_labels": torch.tensor([0, 1, 1])},
            {"labels": mlm, "next_sentence_label": torch.tensor([0, 1, 1])},
        ),
        "BertForMaskedLM": ({"labels": mlm}, {"labels": mlm}),
        "BertForSequenceClassification": ({"labels": sequence}, {"labels": sequence}),
        "BertForTokenClassification": ({"labels": token_labels}, {"labels": token_labels}),
        "BertForQuestionAnswering": (
            {"start_positions": torch.tensor([1, 2, 0]), "end_positions": torch.tensor([3, 5, 0])},
            {"start_positions": torch.tensor([1, 2, 0]), "end_positions": torch.tensor([3, 5, 0])},
        ),
    }[name]


def assert_same_outputs(name: str, bertlib_model, hf_model, batch: dict[str, torch.Tensor]) -> None:
    our_labels, hf_labels = labels_for(name, batch)
    mine = bertlib_model(**batch, **our_labels, output_attentions=True)
    theirs = hf_model(**batch, **hf_labels, output_hidden_states=True, output_attentions=True)
    for our_field, hf_field in FIELDS[name]:
        torch.testing.assert_close(getattr(mine, our_field), getattr(theirs, hf_field), rtol=0, atol=TOLERANCE)
    bert = mine if name == "BertModel" else mine.bert
    for kind in ("hidden_states", "attentions"):
        assert len(getattr(bert, kind)) == len(getattr(theirs, kind))
        for a, b in zip(getattr(bert, kind), getattr(theirs, kind), strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=TOLERANCE)
    fast = bertlib_model(**batch, **our_labels)  # the fused path must agree as well
    torch.testing.assert_close(
        getattr(fast, FIELDS[name][0][0]), getattr(theirs, FIELDS[name][0][1]), rtol=0, atol=TOLERANCE
    )


def config_for(name: str, config: BertConfig) -> BertConfig:
    """HF's QA head splits num_labels outputs into start and end, so it needs num_labels=2."""
    return config.replace(num_labels=2 if name == "BertForQuestionAnswering" else 3)


@pytest.mark.parametrize("fast_path", [False, True], ids=["plain", "fast-path"])
@pytest.mark.parametrize("name", HEADS)
def test_hf_model_loads_into_bertlib_and_gives_the_same_numbers(
    name, fast_path, transformers_module, config, batch, tmp_path
):
    hf_config = transformers_module.BertConfig(**config_for(name, config).to_hf_dict(), attn_implementation="eager")
    hf_model = perturb(getattr(transformers_module, name)(hf_config))
    hf_model.save_pretrained(tmp_path)
    bertlib_model = getattr(ours, name).from_pretrained(tmp_path, fast_path=fast_path)
    assert bertlib_model.config.fast_path is fast_path
    assert bertlib_model.load_report.dropped == () and bertlib_model.load_report.new == ()
    assert_same_outputs(name, bertlib_model, hf_model, batch)


@pytest.mark.parametrize("name", HEADS)
def test_bertlib_model_loads_into_hf_and_gives_the_same_numbers(name, transformers_module, config, batch, tmp_path):
    bertlib_model = perturb(getattr(ours, name)(config_for(name, config)))
    bertlib_model.save_pretrained(tmp_path)
    hf_model, info = getattr(transformers_module, name).from_pretrained(
        tmp_path, output_loading_info=True, attn_implementation="eager"
    )
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    assert_same_outputs(name, bertlib_model, hf_model, batch)


SENTENCES = [
    "The cat sat on the mat.",
    "BERT reads the whole sentence at once, left and right context together!",
    "Hi.",
    "Tokenization splits unbelievably long words into word-pieces: un ##bel ##ievably.",
    "Zürich, São Paulo and 東京 are cities; 42 is a number.",
    "Is this the question, or is it the answer?",
]


@pytest.mark.parametrize("pairs", [True, False], ids=["sentence-pairs", "single-sentences"])
def test_real_minilm_matches_transformers(pairs, transformers_module, minilm_dir):
    tokenizer = transformers_module.BertTokenizerFast.from_pretrained(minilm_dir)
    batch = (
        tokenizer(SENTENCES[:3], SENTENCES[3:], padding=True, return_tensors="pt")
        if pairs
        else tokenizer(SENTENCES, padding=True, return_tensors="pt")
    )
    inputs = {k: batch[k] for k in ("input_ids", "token_type_ids", "attention_mask")}
    assert (inputs["attention_mask"] == 0).any() and (inputs["token_type_ids"] == 1).any() == pairs
    theirs = transformers_module.BertModel.from_pretrained(minilm_dir, attn_implementation="eager").eval()
    mine = ours.BertModel.from_pretrained(minilm_dir)
    with torch.no_grad():
        expected = theirs(**inputs, output_attentions=True)
        got = mine(**inputs, output_attentions=True)
        fast = mine(**inputs)
        gpu_path = ours.BertModel.from_pretrained(minilm_dir, fast_path=True)(**inputs)  # one Q/K/V product
    torch.testing.assert_close(
        gpu_path.last_hidden_state[inputs["attention_mask"].bool()],
        expected.last_hidden_state[inputs["attention_mask"].bool()],
        rtol=0,
        atol=TOLERANCE,
    )
    torch.testing.assert_close(got.last_hidden_state, expected.last_hidden_state, rtol=0, atol=TOLERANCE)
    real = inputs["attention_mask"].bool()  # the fused kernel sums in another order: compare where it matters
    torch.testing.assert_close(fast.last_hidden_state[real], expected.last_hidden_state[real], rtol=0, atol=TOLERANCE)
    torch.testing.assert_close(got.pooler_output, expected.pooler_output, rtol=0, atol=TOLERANCE)
    assert len(got.attentions) == len(expected.attentions) == 6
    for a, b in zip(got.attentions, expected.attentions, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=TOLERANCE)
