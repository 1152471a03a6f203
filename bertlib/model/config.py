"""BertConfig: every number that fixes a BERT's shape, its presets, and Hugging Face's config.json.

Its job ends at describing a model: it builds no modules and reads no weights (that is
`pretrained.py`). Bad settings fail here, at construction, with a message that names the fix.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from bertlib.errors import BertlibInputError, read_json

#: Google's released BERT sizes as (layers, hidden, heads); the feed-forward is 4 x hidden.
PRESETS: dict[str, tuple[int, int, int]] = {
    "tiny": (2, 128, 2),
    "mini": (4, 256, 4),
    "small": (4, 512, 8),
    "medium": (8, 512, 8),
    "base": (12, 768, 12),
    "large": (24, 1024, 16),
}

#: The activations `hidden_act` may name, spelled as Hugging Face spells them.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "gelu": F.gelu,  # exact: x·Φ(x), with Φ the normal CDF (erf)
    "gelu_new": partial(F.gelu, approximate="tanh"),  # the tanh approximation Google's TF code used
    "relu": F.relu,
}
#: How `attention_path` may choose between the teaching function and the fused kernel.
ATTENTION_PATHS = ("auto", "explicit")
#: What BertForSequenceClassification feeds its classifier.
POOLINGS = ("cls", "mean")

# config.json keys that mean the same in Hugging Face's BertConfig and here.
_HF_SAME_NAME = (
    "vocab_size",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "hidden_act",
    "hidden_dropout_prob",
    "attention_probs_dropout_prob",
    "max_position_embeddings",
    "type_vocab_size",
    "initializer_range",
    "layer_norm_eps",
    "pad_token_id",
    "classifier_dropout",
    "classifier_pooling",
)
# config.json keys that say nothing about the weights' shapes or the computation bertlib does:
# Hugging Face's generic PretrainedConfig fields (old and new), generation settings, bookkeeping, and
# the pooler_* notes of Google's Chinese and multilingual BERTs. They are read and ignored.
_HF_HARMLESS = frozenset(
    {
        "_name_or_path",
        "_commit_hash",
        "_attn_implementation",
        "_attn_implementation_autoset",
        "architectures",
        "model_type",
        "transformers_version",
        "torch_dtype",
        "dtype",
        "use_bfloat16",
        "gradient_checkpointing",
        "use_cache",
        "output_past",
        "return_dict",
        "output_hidden_states",
        "output_attentions",
        "torchscript",
        "tf_legacy_loss",
        "pruned_heads",
        "chunk_size_feed_forward",
        "is_encoder_decoder",
        "cross_attention_hidden_size",
        "tie_encoder_decoder",
        "problem_type",
        "finetuning_task",
        "tokenizer_class",
        "prefix",
        "task_specific_params",
        "bos_token_id",
        "eos_token_id",
        "sep_token_id",
        "decoder_start_token_id",
        "max_length",
        "min_length",
        "do_sample",
        "early_stopping",
        "num_beams",
        "num_beam_groups",
        "diversity_penalty",
        "temperature",
        "top_k",
        "top_p",
        "typical_p",
        "repetition_penalty",
        "length_penalty",
        "no_repeat_ngram_size",
        "encoder_no_repeat_ngram_size",
        "bad_words_ids",
        "num_return_sequences",
        "output_scores",
        "return_dict_in_generate",
        "forced_bos_token_id",
        "forced_eos_token_id",
        "remove_invalid_values",
        "exponential_decay_length_penalty",
        "suppress_tokens",
        "begin_suppress_tokens",
        "label2id",
        "directionality",
        "pooler_fc_size",
        "pooler_num_attention_heads",
        "pooler_num_fc_layers",
        "pooler_size_per_head",
        "pooler_type",
    }
)
# The keys that make a dict a BERT config: a config.json with none of them describes another model.
_BERT_SIZE_KEYS = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")
# config.json settings that describe a model bertlib does not build, with the value it needs.
_HF_UNSUPPORTED = {
    "model_type": ("bert",),
    "position_embedding_type": ("absolute",),
    "is_decoder": (False,),
    "add_cross_attention": (False,),
    "tie_word_embeddings": (True,),
}


@dataclass(frozen=True)
class BertConfig:
    """The hyper-parameters of a BERT. Defaults are BERT-base, uncased (Google's release).

    `attention_path` and `fast_path` are ways of computing, not properties of the weights, so
    config.json does not keep them; every path gives the same numbers (see `attention.py`).
    """

    vocab_size: int = 30522  # V: WordPiece vocabulary; rows of the token embedding and MLM output
    hidden_size: int = 768  # H: width of every token vector between layers
    num_hidden_layers: int = 12  # L: encoder layers stacked on the embeddings
    num_attention_heads: int = 12  # nh: heads per layer; each head gets hd = H / nh dimensions
    intermediate_size: int = 3072  # feed-forward inner width, 4 x H in every released BERT
    hidden_act: str = "gelu"  # feed-forward and MLM-transform activation, a key of ACTIVATIONS
    hidden_dropout_prob: float = 0.1  # dropout on the embeddings and on every sublayer's output
    attention_probs_dropout_prob: float = 0.1  # dropout on the attention weights
    max_position_embeddings: int = 512  # longest input; rows of the position embedding
    type_vocab_size: int = 2  # segment ids: 0 = sentence A, 1 = sentence B
    initializer_range: float = 0.02  # std of the N(0, std) init of every weight matrix/embedding
    layer_norm_eps: float = 1e-12  # epsilon inside every LayerNorm
    pad_token_id: int = 0  # [PAD]'s id: its embedding row starts at zero and gets no gradient
    classifier_dropout: float | None = None  # dropout before a classifier; None = hidden_dropout_prob
    num_labels: int = 2  # classes of the sequence / token classification heads
    label_names: tuple[str, ...] | None = None  # optional name per class (HF's id2label)
    classifier_pooling: str = "cls"  # sequence classification input: "cls" (pooler, as HF) or "mean"
    attention_path: str = "auto"  # "auto": fused kernel unless weights are asked for; "explicit": always teaching
    fast_path: bool = False  # GPU training: one Q/K/V matmul and fused AdamW; same weights, same numbers

    def __post_init__(self) -> None:
        """Refuse a setting of the wrong type or range, naming it and the fix."""
        if self.label_names is not None:  # a list from JSON or a caller becomes a (hashable) tuple
            object.__setattr__(self, "label_names", tuple(self.label_names))
        problems = _problems(self)
        if problems:
            raise BertlibInputError(" ".join(problems))

    # -- presets ---------------------------------------------------------------------------------

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> BertConfig:
        """One of Google's sizes (see PRESETS), e.g. `BertConfig.preset("mini", vocab_size=650)`."""
        if name not in PRESETS:
            raise BertlibInputError(f"Unknown preset {name!r}. Choose one of: {', '.join(PRESETS)}.")
        _check_field_names(overrides, f"BertConfig.preset({name!r}, ...)")
        layers, hidden, heads = PRESETS[name]
        sizes = dict(
            num_hidden_layers=layers, hidden_size=hidden, num_attention_heads=heads, intermediate_size=4 * hidden
        )
        return cls(**{**sizes, **overrides})

    @property
    def head_size(self) -> int:
        """hd: the width of one attention head's queries, keys and values."""
        return self.hidden_size // self.num_attention_heads

    @property
    def classifier_dropout_prob(self) -> float:
        """The dropout a classification head applies before its linear layer."""
        return self.hidden_dropout_prob if self.classifier_dropout is None else self.classifier_dropout

    def replace(self, **changes: Any) -> BertConfig:
        """A copy with some fields changed (the config itself is frozen), validated again."""
        _check_field_names(changes, "BertConfig.replace")
        return dataclasses.replace(self, **changes)

    # -- Hugging Face's config.json --------------------------------------------------------------

    def to_hf_dict(self, architecture: str | None = None) -> dict[str, Any]:
        """The dict Hugging Face's BertConfig writes as config.json (plus `classifier_pooling`,
        which transformers keeps but ignores). `architecture` names the model class that saved it."""
        names = self.label_names or tuple(f"LABEL_{i}" for i in range(self.num_labels))
        out: dict[str, Any] = {"model_type": "bert"}
        out |= {name: getattr(self, name) for name in _HF_SAME_NAME}
        out |= {
            "id2label": {str(i): name for i, name in enumerate(names)},
            "label2id": {name: i for i, name in enumerate(names)},
            "position_embedding_type": "absolute",
            "tie_word_embeddings": True,
        }
        if architecture is not None:
            out["architectures"] = [architecture]
        return out

    @classmethod
    def from_hf_dict(cls, hf: dict[str, Any]) -> BertConfig:
        """Read a Hugging Face config.json dict. Keys about training or tooling (`_HF_HARMLESS`) are
        ignored; a key bertlib does not know (a misspelling such as `num_hiden_layers`) is an error
        naming the closest valid key, and so is a config of another model (GPT-2, a decoder,
        relative positions): nothing is dropped silently to fall back on a default."""
        if not isinstance(hf, dict):
            raise BertlibInputError(
                f'A BERT config is a JSON object of settings ({{"hidden_size": 768, ...}}), not a '
                f"{type(hf).__name__}; pass the dict that config.json holds."
            )
        _check_is_bert(hf)
        for key, allowed in _HF_UNSUPPORTED.items():
            if key in hf and hf[key] not in allowed:
                raise BertlibInputError(
                    f"config.json sets {key}={hf[key]!r}, but bertlib builds only the original BERT "
                    f"({key}={allowed[0]!r}). Use a BERT checkpoint, or load this one with transformers."
                )
        _check_known_keys(hf)
        kwargs = {name: hf[name] for name in _HF_SAME_NAME if hf.get(name) is not None}
        if "attention_path" in hf:  # bertlib never writes it, but a hand-written config may say it
            kwargs["attention_path"] = hf["attention_path"]
        if "id2label" in hf:
            if not isinstance(hf["id2label"], dict) or not all(str(k).isdigit() for k in hf["id2label"]):
                raise BertlibInputError(
                    f"id2label={hf['id2label']!r} must map class indices to names, e.g. "
                    '{"0": "negative", "1": "positive"}; fix it in config.json.'
                )
            names = tuple(name for _, name in sorted(hf["id2label"].items(), key=lambda kv: int(kv[0])))
            kwargs["num_labels"] = len(names)
            if names != tuple(f"LABEL_{i}" for i in range(len(names))):
                kwargs["label_names"] = names
        elif "num_labels" in hf:
            kwargs["num_labels"] = hf["num_labels"]
        return cls(**kwargs)

    def to_json_file(self, path: str | Path, architecture: str | None = None) -> None:
        """Write config.json as transformers writes it (see `to_hf_dict`)."""
        Path(path).write_text(json.dumps(self.to_hf_dict(architecture), indent=2, sort_keys=True) + "\n")

    @classmethod
    def from_json_file(cls, path: str | Path) -> BertConfig:
        """Read a config.json written by bertlib or transformers (see `from_hf_dict`). Every error
        names the file: invalid JSON (with its line and column), a list instead of an object, a bad
        or unknown setting."""
        path = Path(path)
        hf = _read_json_object(path)
        try:
            return cls.from_hf_dict(hf)
        except BertlibInputError as error:
            raise BertlibInputError(f"{path}: {error}") from None


#: The fields that count something, and an example value for the fix.
_POSITIVE_INTS = {
    "vocab_size": 30522,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
}


def _problems(config: BertConfig) -> list[str]:
    """What is wrong with a config, each as a message that names the field, its value and the fix.
    A bool is not a number here (True would quietly mean 1), nor is a float a count."""
    problems = [
        f"{name} must be a positive integer (a whole number, not a bool), not {getattr(config, name)!r}; "
        f"e.g. {name}={example}."
        for name, example in _POSITIVE_INTS.items()
        if not _is_int(getattr(config, name), least=1)
    ]
    for name in ("pad_token_id", "num_labels"):
        if not _is_int(getattr(config, name), least=0):
            problems.append(f"{name} must be a whole number, not {getattr(config, name)!r}.")
    for name, value in (
        ("hidden_act", config.hidden_act),
        ("attention_path", config.attention_path),
        ("classifier_pooling", config.classifier_pooling),
    ):
        if not isinstance(value, str):
            problems.append(f"{name}={value!r} must be a string.")
    if not isinstance(config.fast_path, bool):
        problems.append(f"fast_path={config.fast_path!r} must be True or False.")
    if config.label_names is not None and not all(isinstance(n, str) for n in config.label_names):
        problems.append(f"label_names={config.label_names!r} must be strings, one name per class.")
    problems += _float_problems(config)
    if problems:
        return problems
    if config.hidden_size % config.num_attention_heads:
        problems.append(_indivisible_heads_message(config.hidden_size, config.num_attention_heads))
    for name, value, allowed in (
        ("hidden_act", config.hidden_act, ACTIVATIONS),
        ("attention_path", config.attention_path, ATTENTION_PATHS),
        ("classifier_pooling", config.classifier_pooling, POOLINGS),
    ):
        if value not in allowed:
            problems.append(f"{name}={value!r} is not supported; use one of {', '.join(map(repr, allowed))}.")
    if not 0 <= config.pad_token_id < config.vocab_size:
        problems.append(
            f"pad_token_id={config.pad_token_id} is not an id of the {config.vocab_size}-word "
            "vocabulary; set it to the [PAD] token's id."
        )
    if config.num_labels < 2:
        problems.append(f"num_labels={config.num_labels}: the classification heads need at least 2 classes.")
    if config.label_names is not None and len(config.label_names) != config.num_labels:
        problems.append(
            f"label_names has {len(config.label_names)} names but num_labels={config.num_labels}; "
            "give one name per class, or leave label_names out."
        )
    return problems


def _float_problems(config: BertConfig) -> list[str]:
    """Dropout probabilities in [0, 1), a positive LayerNorm epsilon, a non-negative init std."""
    problems = []
    dropouts = ["hidden_dropout_prob", "attention_probs_dropout_prob"]
    if config.classifier_dropout is not None:
        dropouts.append("classifier_dropout")
    for name in dropouts:
        value = getattr(config, name)
        if not _is_real(value) or not 0.0 <= value < 1.0:
            problems.append(
                f"{name} must be a probability in [0, 1), not {value!r}; e.g. {name}=0.1 (0 turns dropout off)."
            )
    if not _is_real(config.layer_norm_eps) or not 0.0 < config.layer_norm_eps < 1.0:
        problems.append(
            f"layer_norm_eps must be a small positive number, not {config.layer_norm_eps!r}; "
            "BERT uses layer_norm_eps=1e-12."
        )
    if not _is_real(config.initializer_range) or not 0.0 <= config.initializer_range < 1.0:
        problems.append(
            f"initializer_range (the std of the weight init) must be in [0, 1), not "
            f"{config.initializer_range!r}; BERT uses initializer_range=0.02."
        )
    return problems


def _is_int(value: object, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _is_real(value: object) -> bool:
    """A finite int or float, not a bool (`True` is an int to Python, never a probability to us)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_field_names(changes: dict[str, Any], where: str) -> None:
    """Refuse a keyword that is no field of BertConfig, naming the closest one."""
    fields = [f.name for f in dataclasses.fields(BertConfig)]
    for name in changes:
        if name not in fields:
            close = difflib.get_close_matches(name, fields, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise BertlibInputError(
                f"{where} got {name}={changes[name]!r}, but BertConfig has no field {name!r}; "
                f"{hint}The fields are: {', '.join(fields)}."
            )


def _check_is_bert(hf: dict[str, Any]) -> None:
    """Refuse a config.json of another architecture before reading any of it as BERT's."""
    model_type = hf.get("model_type", "bert")
    if model_type != "bert" or not any(key in hf for key in _BERT_SIZE_KEYS):
        kind = f"model_type={model_type!r}" if model_type != "bert" else f"none of {', '.join(_BERT_SIZE_KEYS)}"
        raise BertlibInputError(
            f"This is not a BERT config ({kind}), but bertlib builds only the original BERT "
            "(model_type='bert'). Point at a BERT checkpoint's folder (its config.json has "
            "hidden_size, num_hidden_layers, ...), or load this model with transformers."
        )


def _check_known_keys(hf: dict[str, Any]) -> None:
    """Refuse keys bertlib does not know, naming the closest one it does: `num_hiden_layers` must
    not be dropped silently, leaving BERT-base's 12 layers."""
    valid = (*_HF_SAME_NAME, *_HF_UNSUPPORTED, "id2label", "num_labels", "attention_path")
    unknown = [key for key in hf if key not in valid and key not in _HF_HARMLESS]
    if not unknown:
        return
    described = []
    for key in unknown:
        close = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        described.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
    raise BertlibInputError(
        f"unknown setting(s) {', '.join(described)}: bertlib does not know them, so they would be "
        "ignored and the default used instead. Correct the spelling, or remove them if they are not BERT "
        f"settings. Valid settings: {', '.join(valid)}."
    )


def _read_json_object(path: Path) -> dict[str, Any]:
    """config.json as a dict, with errors that name the file, the line and column, and the fix."""
    data = read_json(
        path,
        "a config.json is UTF-8 JSON: fix the file there or re-save it, or write it again with "
        "save_pretrained (or copy the checkpoint's original).",
    )
    if not isinstance(data, dict):
        raise BertlibInputError(
            f"{path} holds a JSON {type(data).__name__}, but a config.json must be one object of settings "
            '({"hidden_size": 768, "num_hidden_layers": 12, ...}); write it again with save_pretrained.'
        )
    return data


def _indivisible_heads_message(hidden: int, heads: int) -> str:
    """Explain why H must split evenly over the heads, and suggest the nearest sizes that do."""
    fewer = max(n for n in range(1, heads) if hidden % n == 0)  # 1 always divides
    more = [n for n in range(heads + 1, hidden + 1) if hidden % n == 0][:1]
    head_choices = " or ".join(str(n) for n in [fewer, *more])
    hidden_choices = " or ".join(str(h) for h in (hidden - hidden % heads, hidden - hidden % heads + heads) if h)
    return (
        f"hidden_size ({hidden}) must be divisible by num_attention_heads ({heads}): each head gets "
        f"hidden_size / num_attention_heads dimensions. Fix: use num_attention_heads={head_choices}, "
        f"or hidden_size={hidden_choices}."
    )
