"""BertConfig: every number that fixes a BERT's shape, its presets, and Hugging Face's config.json.

Its job ends at describing a model: it builds no modules and reads no weights (that is
`pretrained.py`). Bad settings fail here, at construction, with a message that names the fix.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F

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
    "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
    "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings",
    "type_vocab_size", "initializer_range", "layer_norm_eps", "pad_token_id", "classifier_dropout",
    "classifier_pooling",
)
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

    `attention_path` is a way of computing, not a property of the weights, so config.json does not
    keep it; the two paths give the same numbers (see `attention.py`).
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

    def __post_init__(self) -> None:
        if self.label_names is not None:  # a list from JSON or a caller becomes a (hashable) tuple
            object.__setattr__(self, "label_names", tuple(self.label_names))
        problems = _problems(self)
        if problems:
            raise ValueError(" ".join(problems))

    # -- presets ---------------------------------------------------------------------------------

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> BertConfig:
        """One of Google's sizes (see PRESETS), e.g. `BertConfig.preset("mini", vocab_size=650)`."""
        if name not in PRESETS:
            raise ValueError(f"Unknown preset {name!r}. Choose one of: {', '.join(PRESETS)}.")
        layers, hidden, heads = PRESETS[name]
        sizes = dict(num_hidden_layers=layers, hidden_size=hidden, num_attention_heads=heads,
                     intermediate_size=4 * hidden)
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
        """Read a Hugging Face config.json dict. Keys about training or tooling are ignored; a
        setting that would describe a different model (a decoder, relative positions) is an error."""
        for key, allowed in _HF_UNSUPPORTED.items():
            if key in hf and hf[key] not in allowed:
                raise ValueError(
                    f"config.json sets {key}={hf[key]!r}, but bertlib builds only the original BERT "
                    f"({key}={allowed[0]!r}). Use a BERT checkpoint, or load this one with transformers."
                )
        kwargs = {name: hf[name] for name in _HF_SAME_NAME if hf.get(name) is not None}
        if "id2label" in hf:
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
        """Read a config.json written by bertlib or transformers (see `from_hf_dict`)."""
        return cls.from_hf_dict(json.loads(Path(path).read_text()))


def _problems(config: BertConfig) -> list[str]:
    """What is wrong with a config, each as a message that says how to fix it."""
    problems = [
        f"{name} must be a positive integer, not {getattr(config, name)!r}."
        for name in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                     "intermediate_size", "max_position_embeddings", "type_vocab_size")
        if not isinstance(getattr(config, name), int) or getattr(config, name) < 1
    ]
    if problems:
        return problems
    if config.hidden_size % config.num_attention_heads:
        problems.append(_indivisible_heads_message(config.hidden_size, config.num_attention_heads))
    for name, value, allowed in (("hidden_act", config.hidden_act, ACTIVATIONS),
                                 ("attention_path", config.attention_path, ATTENTION_PATHS),
                                 ("classifier_pooling", config.classifier_pooling, POOLINGS)):
        if value not in allowed:
            problems.append(f"{name}={value!r} is not supported; use one of {', '.join(map(repr, allowed))}.")
    for name in ("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout_prob"):
        if not 0.0 <= getattr(config, name) < 1.0:
            problems.append(f"{name} must be in [0, 1), not {getattr(config, name)!r}.")
    if not 0 <= config.pad_token_id < config.vocab_size:
        problems.append(f"pad_token_id={config.pad_token_id} is not an id of the {config.vocab_size}-word "
                        "vocabulary; set it to the [PAD] token's id.")
    if config.num_labels < 2:
        problems.append(f"num_labels={config.num_labels}: the classification heads need at least 2 classes.")
    if config.label_names is not None and len(config.label_names) != config.num_labels:
        problems.append(f"label_names has {len(config.label_names)} names but num_labels={config.num_labels}; "
                        "give one name per class, or leave label_names out.")
    return problems


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
