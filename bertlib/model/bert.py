"""BertModel: embeddings, the encoder stack and the pooler, with Google's weight init.

This is the public boundary for token ids: `validate_inputs` refuses, with a message that names
the fix, anything the embeddings cannot look up. Its job ends at hidden states and the pooled
[CLS] vector; what a task makes of them is in `heads.py`.
"""

from __future__ import annotations

import torch
from torch import nn

from bertlib.errors import BertlibInputError
from bertlib.model.attention import padding_mask
from bertlib.model.config import BertConfig
from bertlib.model.embeddings import BertEmbeddings
from bertlib.model.encoder import Encoder
from bertlib.model.outputs import BertModelOutput
from bertlib.model.pretrained import PretrainedModel
from bertlib.shapes import check_shape


def checks_enabled() -> bool:
    """Value checks read tensors back to Python; inside a torch.compile'd graph that would break
    the graph, so there they are skipped (shape checks still run)."""
    return not torch.compiler.is_compiling()


def validate_inputs(
    input_ids: torch.Tensor,
    token_type_ids: torch.Tensor | None,
    attention_mask: torch.Tensor | None,
    config: BertConfig,
) -> None:
    """Refuse ids that the embedding tables have no row for, and masks that do not fit the ids.

    Inputs must be integer tensors: a Python list or a NumPy array is refused (never converted
    behind your back), with the call that converts it. An empty batch (B = 0) or empty sequences
    (T = 0) are refused too: there is nothing to encode, and the caller likely lost its data."""
    for name, value in (
        ("input_ids", input_ids),
        ("token_type_ids", token_type_ids),
        ("attention_mask", attention_mask),
    ):
        if value is not None:
            _check_integer_tensor(value, name)
    if input_ids.dim() != 2:
        raise BertlibInputError(
            f"input_ids should be a (batch, seq_len) tensor of integer token ids, but has shape "
            f"{tuple(input_ids.shape)}. For one sequence use input_ids[None]."
        )
    batch, length = input_ids.shape
    if batch == 0 or length == 0:
        raise BertlibInputError(
            f"input_ids has shape {tuple(input_ids.shape)}: an empty "
            f"{'batch (no sequences)' if batch == 0 else 'sequence (no tokens)'}. Pass at least one sequence "
            "of at least one token; an encoded text always has [CLS] and [SEP], so check the list of texts "
            "you encoded is not empty."
        )
    if length > config.max_position_embeddings:
        raise BertlibInputError(
            f"The sequence has {length} tokens, but the model has only {config.max_position_embeddings} "
            f"positions. Truncate it to {config.max_position_embeddings} tokens (e.g. the tokenizer's "
            f"max_length={config.max_position_embeddings}) or split it into windows."
        )
    if attention_mask is not None and attention_mask.dim() != 3:
        check_shape(
            attention_mask,
            (batch, length),
            "attention_mask",
            "Pass one 1 (real token) or 0 (padding) per input id, e.g. the tokenizer's attention_mask "
            f"(or a {(batch, length, length)} mask of the keys each query may see, e.g. causal_mask's).",
        )
    elif attention_mask is not None:
        check_shape(
            attention_mask,
            (batch, length, length),
            "attention_mask",
            f"A 3-d mask says which keys each query may see: pass {(batch, length, length)}, e.g. "
            f"causal_mask(mask) of a {(batch, length)} padding mask, or the {(batch, length)} mask itself.",
        )
    if token_type_ids is not None:
        check_shape(
            token_type_ids,
            (batch, length),
            "token_type_ids",
            "Pass one segment id per input id (0 = sentence A, 1 = sentence B), or None for all 0.",
        )
    if input_ids.is_meta:
        raise BertlibInputError(
            "input_ids is on the meta device, so it holds no values to look up; create it on a real device, "
            "e.g. input_ids.to_empty(device='cpu') filled with token ids, or the tokenizer's batch.to_tensors()."
        )
    if checks_enabled():
        if attention_mask is not None:
            _check_mask_values(attention_mask)
        _check_range(
            input_ids,
            config.vocab_size,
            "input_ids",
            "token ids",
            "Encode the text with the tokenizer whose vocab.txt belongs to this model, "
            "or build the model with vocab_size = the tokenizer's vocabulary size.",
        )
        if token_type_ids is not None:
            _check_range(
                token_type_ids,
                config.type_vocab_size,
                "token_type_ids",
                "segment types",
                "Use 0 for sentence A and 1 for sentence B.",
            )


def _check_integer_tensor(value: object, name: str) -> None:
    """`value` must be a tensor; ids must be int64 or int32 (what an embedding can look up)."""
    if not isinstance(value, torch.Tensor):
        raise BertlibInputError(
            f"{name} is a {_type_name(value)}, not a tensor; pass a "
            f"torch.LongTensor, e.g. torch.tensor({name}) (or the tokenizer's batch.to_tensors())."
        )
    if name == "attention_mask":  # 1/0 flags: compared with 0, so bool and float masks work as well
        return
    if value.dtype not in (torch.int64, torch.int32):
        raise BertlibInputError(
            f"{name} has dtype {value.dtype}, but it holds token ids / flags, which are integers; pass a "
            f"torch.LongTensor, e.g. {name}.long() if the values are whole numbers (do not round scores)."
        )


def _type_name(value: object) -> str:
    """`list` as "Python list", `numpy.ndarray` as "numpy.ndarray": what the student passed."""
    module = type(value).__module__.split(".")[0]
    return f"Python {type(value).__name__}" if module == "builtins" else f"{module}.{type(value).__name__}"


def _check_mask_values(mask: torch.Tensor) -> None:
    """A mask holds only 1 (real token) and 0 (padding); 2, -1, 0.5 or NaN would be read as 'real'
    by the `mask == 0` test, silently. Bool masks pass (True = real)."""
    if mask.dtype == torch.bool or mask.numel() == 0:
        return
    bad = ~((mask == 0) | (mask == 1))  # NaN fails both tests, so it is caught as well
    if bool(bad.any()):
        index = tuple(int(i) for i in bad.nonzero()[0].tolist())
        value = mask[index].item()
        raise BertlibInputError(
            f"attention_mask holds {value} at {index}; it must hold only 1 (real token) and 0 (padding). "
            "Pass the tokenizer's attention_mask, or (mask > 0).long() if you meant 'non-zero is real'."
        )


def _check_range(ids: torch.Tensor, size: int, name: str, what: str, fix: str) -> None:
    low, high = torch.stack([ids.min(), ids.max()]).tolist()  # one read-back for both
    if low < 0 or high >= size:
        bad = low if low < 0 else high
        raise BertlibInputError(f"{name} contains {bad}, but the model has {size} {what} (0 to {size - 1}). {fix}")


def init_bert_weights(module: nn.Module, std: float) -> None:
    """Google's init, as Hugging Face applies it, to `module` and everything inside it:

    Linear and Embedding weights ~ N(0, std²); biases = 0; LayerNorm: scale 1, shift 0;
    and (HF) the [PAD] row of the word embeddings = 0.
    """
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=std)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)
        if isinstance(m, nn.Embedding) and m.padding_idx is not None:
            nn.init.zeros_(m.weight[m.padding_idx])
        if isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class Pooler(nn.Module):
    """The [CLS] token's top hidden state through a dense layer and tanh (HF: BertPooler):

        pooled = tanh(h_[CLS] W + b)        (B, H)

    Pre-trained by next-sentence prediction; HF's sequence classifier reads it.
    """

    def __init__(self, config: BertConfig):
        """The pooler's dense layer (hidden -> hidden)."""
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """(B, T, H) -> (B, H)."""
        return torch.tanh(self.dense(hidden[:, 0]))


class BertModel(PretrainedModel):
    """The BERT encoder: embeddings, L encoder layers, and (optionally) the pooler.

    `add_pooling_layer=False` builds it without the pooler, as HF does under its masked-LM, token
    classification and QA heads.
    """

    trunk_prefix = ""  # a bare BertModel's checkpoint keys have no `bert.` in front

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True):
        """Embeddings, encoder and (unless `add_pooling_layer=False`) the pooler, freshly initialised."""
        super().__init__(config)
        self.embeddings = BertEmbeddings(config)
        self.encoder = Encoder(config)
        self.pooler = Pooler(config) if add_pooling_layer else None
        init_bert_weights(self, config.initializer_range)

    def forward(
        self,
        input_ids: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        *,
        output_attentions: bool = False,
        output_qk: bool = False,
    ) -> BertModelOutput:
        """input_ids: (B, T) token ids; token_type_ids: (B, T) segments, default all 0;
        attention_mask: (B, T), 1 = real token, 0 = padding, default all real; or (B, T, T), the keys
        each query may see (e.g. `causal_mask`'s, for a left-to-right model).

        output_attentions adds every layer's (B, nh, T, T) weights (computed by the teaching
        function); output_qk adds every layer's per-head queries and keys (B, nh, T, hd).
        """
        validate_inputs(input_ids, token_type_ids, attention_mask, self.config)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        mask = None if attention_mask is None else padding_mask(attention_mask)  # (B, 1, 1, T) or (B, 1, T, T)
        x = self.embeddings(input_ids, token_type_ids)  # (B, T, H)
        encoded = self.encoder(x, mask, output_attentions=output_attentions, output_qk=output_qk)
        pooled = None if self.pooler is None else self.pooler(encoded.last_hidden_state)  # (B, H)
        return BertModelOutput(**vars(encoded), pooler_output=pooled)
