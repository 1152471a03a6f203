"""Task heads on top of BertModel: masked LM (tied to the word embeddings), next-sentence
prediction, pre-training (both), sequence classification, token classification and extractive QA.

Its job ends at logits and, when labels are given, the loss. Each head has one loss function, with
a `reduction`: "mean" (the loss a head returns, Hugging Face's) or "sum" (what the trainer's
objectives add up over micro-batches, bertlib.training.objectives): `classification_loss` for the
masked-LM, next-sentence, sequence and token heads, `BertForQuestionAnswering.span_loss` for QA.

Every head keeps Hugging Face's parameter names (`cls.predictions`, `cls.seq_relationship`,
`classifier`, `qa_outputs`), so that its checkpoints load into transformers' class of the same
name, and back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar, overload

import torch
import torch.nn.functional as F
from torch import nn

from bertlib.errors import BertlibInputError
from bertlib.model.bert import BertModel, checks_enabled, init_bert_weights
from bertlib.model.config import ACTIVATIONS, BertConfig
from bertlib.model.outputs import (
    BertModelOutput,
    MaskedLMOutput,
    PreTrainingOutput,
    QuestionAnsweringOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)
from bertlib.model.pretrained import PretrainedModel
from bertlib.shapes import check_shape
from bertlib.tokenization.batch import IGNORE_INDEX

#: Any head module; `_init_head` returns the head it was given, with its own type.
HeadT = TypeVar("HeadT", bound=nn.Module)
#: What a task model's forward returns (PreTrainingOutput, MaskedLMOutput, ...).
OutputT = TypeVar("OutputT")

Reduction = Literal["mean", "sum"]
REDUCTIONS = ("mean", "sum")


# -- small functions the heads share ---------------------------------------------------------------


def gather_positions(hidden: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """The hidden states at given positions, as Google's `gather_indexes` does:

    out[b, p] = hidden[b, positions[b, p]]        (B, T, H), (B, P) -> (B, P, H)
    """
    batch, length, width = hidden.shape
    check_shape(
        positions,
        (batch, None),
        "masked_positions",
        "Pass one row of positions per sequence; pad short rows with 0 and label those slots -100.",
    )
    _check_index(positions, length, "masked_positions")
    index = positions[:, :, None].expand(-1, -1, width)  # (B, P, H)
    return hidden.gather(1, index)  # (B, P, H)


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
    """The average of the real tokens' vectors (padding excluded):

        pooled[b] = Σ_t m[b, t] h[b, t] / Σ_t m[b, t]        (B, T, H) -> (B, H)

    A row with no real token has no average (0 / 0 would be NaN logits): it is an error naming the
    rows, checked outside a compiled graph as the other value checks are.
    """
    if attention_mask is None:
        return hidden.mean(dim=1)
    if attention_mask.dim() != 2:
        raise BertlibInputError(
            f"Mean pooling needs a (B, T) attention_mask of real tokens, but got shape {tuple(attention_mask.shape)} "
            "(a per-query mask such as causal_mask's says what each query sees, not which tokens are real). "
            "Pass the tokenizer's (B, T) attention_mask, or use classifier_pooling='cls'."
        )
    weights = attention_mask[:, :, None].to(hidden.dtype)  # (B, T, 1)
    counts = weights.sum(dim=1)  # (B, 1): real tokens per row
    if checks_enabled():
        empty = (counts[:, 0] == 0).nonzero().flatten().tolist()
        if empty:
            raise BertlibInputError(
                f"Mean pooling needs at least one real token per sequence, but attention_mask is all 0 in "
                f"batch row(s) {_listed_rows(empty)}, whose average would be NaN. Give every sequence a 1 "
                "for each real token (the tokenizer's attention_mask marks [CLS], the text and [SEP]), or "
                "drop the empty rows from the batch."
            )
    return (hidden * weights).sum(dim=1) / counts  # (B, H)


def _listed_rows(rows: list[int], shown: int = 10) -> str:
    more = f" and {len(rows) - shown} more" if len(rows) > shown else ""
    return ", ".join(map(str, rows[:shown])) + more


@overload
def classification_loss(
    logits: torch.Tensor, labels: torch.Tensor, name: str = ..., reduction: Reduction = ...
) -> torch.Tensor: ...
@overload
def classification_loss(logits: torch.Tensor, labels: None, name: str = ..., reduction: Reduction = ...) -> None: ...
@overload
def classification_loss(
    logits: torch.Tensor, labels: torch.Tensor | None, name: str = ..., reduction: Reduction = ...
) -> torch.Tensor | None: ...
def classification_loss(
    logits: torch.Tensor, labels: torch.Tensor | None, name: str = "labels", reduction: Reduction = "mean"
) -> torch.Tensor | None:
    """Cross-entropy over every label that is not -100 (IGNORE_INDEX); None when no labels are given.

        loss = -mean_{i: y_i != -100} log softmax(z_i)[y_i]        logits (..., C), labels (...)

    ``reduction="sum"`` gives the sum instead of the mean (the trainer divides by the count of
    labels over a whole step). The logits are read in float32 (as autocast would).

    Labels that are all -100 leave nothing to average: with "mean" that is an error (the loss would
    be NaN). With "sum" it is a loss of 0 that still has a gradient: the trainer sums micro-batches
    and divides by the step's count, and a tiny pre-training micro-batch may have no masked token.
    """
    if labels is None:
        return None
    if reduction not in REDUCTIONS:
        raise BertlibInputError(f"reduction={reduction!r}; choose 'mean' or 'sum'.")
    labels = _label_tensor(labels, name)
    classes = logits.shape[-1]
    check_shape(
        labels,
        tuple(logits.shape[:-1]),
        name,
        "Give one class index per prediction, and -100 where there is nothing to predict.",
    )
    if checks_enabled():
        bad = labels[(labels != IGNORE_INDEX) & ((labels < 0) | (labels >= classes))]
        if bad.numel():
            raise ValueError(
                f"{name} contains {bad[0].item()}, but there are {classes} classes (0 to "
                f"{classes - 1}); use -100 for positions that take no part in the loss."
            )
        if reduction == "mean" and labels.numel() and not bool((labels != IGNORE_INDEX).any()):
            raise BertlibInputError(
                f"every value in {name} is -100, so no position takes part in the loss and its mean would be "
                "NaN. Give at least one real label (-100 only marks positions to skip), or leave the labels "
                f"out ({name}=None) for a batch with nothing to score."
            )
    return F.cross_entropy(
        logits.reshape(-1, classes).float(),
        labels.reshape(-1),  # (N, C), (N,)
        ignore_index=IGNORE_INDEX,
        reduction=reduction,
    )


def _label_tensor(labels: object, name: str) -> torch.Tensor:
    """Labels are class indices: an integer tensor. A Python number, a float or a bool tensor is
    refused with the call that fixes it; other integer dtypes are widened to int64 (exact)."""
    if not isinstance(labels, torch.Tensor):
        raise BertlibInputError(
            f"{name} is a Python {type(labels).__name__} ({labels!r}), not a tensor; pass a tensor of class "
            f"indices, e.g. torch.tensor([{labels!r}]) for a batch of one."
        )
    if labels.dtype == torch.bool or labels.is_floating_point() or labels.is_complex():
        raise BertlibInputError(
            f"{name} has dtype {labels.dtype}, but it holds class indices / positions, which are integers; "
            f"pass {name}.long() if the values are whole numbers (e.g. torch.tensor([1]), not [1.0])."
        )
    return labels if labels.dtype in (torch.int64, torch.uint8) else labels.long()


def _check_index(positions: torch.Tensor, length: int, name: str) -> None:
    if checks_enabled() and positions.numel() and not bool(((positions >= 0) & (positions < length)).all()):
        raise ValueError(
            f"{name} must index a token of the input (0 to {length - 1}); "
            f"got values from {positions.min().item()} to {positions.max().item()}."
        )


# -- the heads -------------------------------------------------------------------------------------


class PredictionTransform(nn.Module):
    """The MLM head's first step, one more layer per token (HF: BertPredictionHeadTransform):

    t = LayerNorm(GELU(h W + b))
    """

    def __init__(self, config: BertConfig):
        """The dense layer, activation and LayerNorm of `config`'s sizes."""
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = ACTIVATIONS[config.hidden_act]
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """(..., H) -> (..., H)."""
        return self.LayerNorm(self.activation(self.dense(hidden)))


class TiedDecoder(nn.Module):
    """The MLM output layer. Its (V, H) weight is the word-embedding matrix itself (tied):

        scores = t W_tokᵀ + bias        (..., H) -> (..., V)

    The same Parameter object sits in both places, so both uses train one matrix.
    """

    def __init__(self, word_embeddings: nn.Embedding):
        """Tie the decoder to `word_embeddings` (one matrix for both)."""
        super().__init__()
        self.weight = word_embeddings.weight  # registered here too, under HF's name

    def forward(self, hidden: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """(..., H) -> (..., V): scores over the vocabulary with the tied word embeddings."""
        return F.linear(hidden, self.weight, bias)


class MaskedLMHead(nn.Module):
    """Scores every vocabulary word for the hidden states it is given (HF: BertLMPredictionHead):

        logits = LayerNorm(GELU(h W + b)) W_tokᵀ + bias        (..., H) -> (..., V)

    Feeding it only the masked positions (`gather_positions`), as Google's code does, skips most of
    the (B·T, H) x (H, V) product: the largest single matrix product of pre-training a small BERT.
    """

    def __init__(self, config: BertConfig, word_embeddings: nn.Embedding):
        """The transform and the decoder tied to `word_embeddings`, with its own bias."""
        super().__init__()
        self.transform = PredictionTransform(config)
        self.decoder = TiedDecoder(word_embeddings)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))  # one output-only bias per word

    def forward(self, hidden: torch.Tensor, positions: torch.Tensor | None = None) -> torch.Tensor:
        """hidden (B, T, H), positions (B, P) or None -> logits (B, P, V), or (B, T, V) at every position."""
        if positions is not None:
            hidden = gather_positions(hidden, positions)  # (B, P, H)
        return self.decoder(self.transform(hidden), self.bias)


class NextSentenceHead(nn.Linear):
    """Next-sentence prediction from the pooled [CLS] vector (HF: `cls.seq_relationship`):

        logits = pooled W + b        (B, H) -> (B, 2)

    Label convention (Google's and HF's `next_sentence_label`): 0 = sentence B is the segment that
    really follows A; 1 = sentence B is a random segment from elsewhere in the corpus.
    """

    def __init__(self, config: BertConfig):
        """A linear layer from hidden to 2 (is next, is random)."""
        super().__init__(config.hidden_size, 2)


def _init_head(head: HeadT, config: BertConfig) -> HeadT:
    """Initialise a freshly built head as the encoder was (the encoder initialises itself)."""
    init_bert_weights(head, config.initializer_range)
    return head


def _cls_heads(config: BertConfig, bert: BertModel, *, next_sentence: bool) -> nn.ModuleDict:
    """The pre-training heads, initialised, under the names HF's checkpoints use: `cls.predictions`
    (masked LM, tied to `bert`'s word embeddings) and, with `next_sentence`, `cls.seq_relationship`."""
    heads: dict[str, nn.Module] = {"predictions": MaskedLMHead(config, bert.embeddings.word_embeddings)}
    if next_sentence:
        heads["seq_relationship"] = NextSentenceHead(config)
    return _init_head(nn.ModuleDict(heads), config)


@dataclass(frozen=True)
class BertRun:
    """What a task head reads: BERT's output on a batch, and the attention mask it ran with (which
    positions of the output are real tokens)."""

    output: BertModelOutput  # the encoder's states, and the pooled [CLS] vector if the model has a pooler
    attention_mask: torch.Tensor | None  # (B, T), or (B, T, T) per query, as given to forward; None: no padding


class _BertWithHead(PretrainedModel, Generic[OutputT]):
    """What every task model shares: BERT reads the input, then the model's `head` turns BERT's
    output into logits (and the loss, when labels are given).

    A subclass builds `self.bert` and its head's layers, and defines `head`, whose keyword
    arguments (labels, masked positions) are the ones `forward` passes on.
    """

    bert: BertModel
    #: (BertRun, **the head's keyword arguments) -> the model's output.
    head: Callable[..., OutputT]

    def forward(
        self,
        input_ids: torch.Tensor,  # (B, T)
        token_type_ids: torch.Tensor | None = None,  # (B, T)
        attention_mask: torch.Tensor | None = None,  # (B, T)
        *,
        output_attentions: bool = False,
        output_qk: bool = False,
        **head_inputs: torch.Tensor | None,
    ) -> OutputT:
        """BERT on the input, then `head` with `head_inputs` (see the subclass's `head` for their names)."""
        bert = self.bert(
            input_ids, token_type_ids, attention_mask, output_attentions=output_attentions, output_qk=output_qk
        )
        return self.head(BertRun(bert, attention_mask), **head_inputs)


class _WithPreTrainingHeads(_BertWithHead[OutputT]):
    """What the pre-training models share: BERT and the `cls` heads of Google's checkpoints.

    A subclass says whether it has the next-sentence head (`next_sentence`); BERT's pooler, which
    only that head reads, comes with it.
    """

    head_prefixes = ("cls.",)
    next_sentence: bool

    def __init__(self, config: BertConfig):
        """A BertModel (with a pooler iff `next_sentence`) and the masked-LM (+ next-sentence) heads."""
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=self.next_sentence)
        self.cls = _cls_heads(config, self.bert, next_sentence=self.next_sentence)


class BertForPreTraining(_WithPreTrainingHeads[PreTrainingOutput]):
    """BERT with both pre-training heads: masked LM and next-sentence prediction.

    With `masked_positions` (B, P), MLM logits are computed only there, and `mlm_labels` are (B, P)
    with -100 in padding slots; without, logits cover all T positions and `mlm_labels` are (B, T)
    with -100 at every token that was not masked (HF's convention). `nsp_labels` (B,): see
    NextSentenceHead. `loss` sums the losses of the labels given.
    """

    next_sentence = True

    def head(
        self,
        bert: BertRun,
        *,
        masked_positions: torch.Tensor | None = None,  # (B, P)
        mlm_labels: torch.Tensor | None = None,  # (B, P), or (B, T) without masked_positions
        nsp_labels: torch.Tensor | None = None,  # (B,)
    ) -> PreTrainingOutput:
        """Masked-LM logits at `masked_positions` and next-sentence logits; the summed loss when labels are given."""
        mlm_logits = self.cls["predictions"](bert.output.last_hidden_state, masked_positions)  # (B, P or T, V)
        nsp_logits = self.cls["seq_relationship"](bert.output.pooler_output)  # (B, 2)
        mlm_loss = classification_loss(mlm_logits, mlm_labels, "mlm_labels")
        nsp_loss = classification_loss(nsp_logits, nsp_labels, "nsp_labels")
        losses = [loss for loss in (mlm_loss, nsp_loss) if loss is not None]
        return PreTrainingOutput(
            mlm_logits=mlm_logits,
            nsp_logits=nsp_logits,
            bert=bert.output,
            loss=sum(losses[1:], start=losses[0]) if losses else None,
            mlm_loss=mlm_loss,
            nsp_loss=nsp_loss,
        )


class BertForMaskedLM(_WithPreTrainingHeads[MaskedLMOutput]):
    """BERT with the masked-LM head alone (no pooler, as HF): fill in the blanks.

    `masked_positions` and `labels` work as BertForPreTraining's `masked_positions` and `mlm_labels`.
    """

    next_sentence = False  # and so no pooler, as in HF

    def head(
        self, bert: BertRun, *, masked_positions: torch.Tensor | None = None, labels: torch.Tensor | None = None
    ) -> MaskedLMOutput:
        """Masked-LM logits (at `masked_positions` (B, P), or every token); the loss when `labels` (B, P),
        or (B, T) without masked_positions, are given."""
        logits = self.cls["predictions"](bert.output.last_hidden_state, masked_positions)  # (B, P or T, V)
        return MaskedLMOutput(logits=logits, bert=bert.output, loss=classification_loss(logits, labels))


class _LinearClassifier(_BertWithHead[SequenceClassifierOutput | TokenClassifierOutput]):
    """What sequence and token classification share: BERT, dropout, one linear layer, cross-entropy.

    A subclass says which vectors the classifier reads (`features`), whether its BERT has a
    pooler (as in HF, so that checkpoints match), and which output it returns.
    """

    head_prefixes = ("classifier.",)
    add_pooling_layer: bool
    output_type: type[SequenceClassifierOutput] | type[TokenClassifierOutput]

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=self.add_pooling_layer)
        self.dropout = nn.Dropout(config.classifier_dropout_prob)
        self.classifier = _init_head(nn.Linear(config.hidden_size, config.num_labels), config)

    def head(
        self, bert: BertRun, *, labels: torch.Tensor | None = None
    ) -> SequenceClassifierOutput | TokenClassifierOutput:
        """The classifier's logits on `features`; the loss when `labels` are given."""
        logits = self.classifier(self.dropout(self.features(bert)))  # (B, C) or (B, T, C)
        return self.output_type(logits=logits, bert=bert.output, loss=classification_loss(logits, labels))

    def features(self, bert: BertRun) -> torch.Tensor:
        """The vectors the classifier reads: (B, H) per sequence or (B, T, H) per token."""
        raise NotImplementedError


class BertForSequenceClassification(_LinearClassifier):
    """One label per sequence (or sequence pair): sentiment, entailment, ...

        logits = Dropout(pooled) W_c + b_c        (B, H) -> (B, C)

    `config.classifier_pooling` chooses `pooled`: "cls" (HF's, the default) is the pooler's
    tanh(h_[CLS] W + b); "mean" averages the top layer over the real tokens (`mean_pool`) and skips
    the pooler. [CLS] only carries a summary once training has put one there; an average of every
    token carries the words from the start, which matters most for small models with little
    pre-training. A "mean" checkpoint still loads into transformers, which would pool with [CLS].
    `labels` (B,) are class indices.
    """

    add_pooling_layer = True
    output_type = SequenceClassifierOutput

    def features(self, bert: BertRun) -> torch.Tensor:
        """The (B, H) vector the classifier reads, as `config.classifier_pooling` chooses."""
        if self.config.classifier_pooling == "mean":
            return mean_pool(bert.output.last_hidden_state, bert.attention_mask)
        assert bert.output.pooler_output is not None  # add_pooling_layer is True for sequence classification
        return bert.output.pooler_output


class BertForTokenClassification(_LinearClassifier):
    """One label per token, e.g. BIO tags for named entities (no pooler, as HF):

        logits_t = Dropout(h_t) W_c + b_c        (B, T, H) -> (B, T, C)

    `labels` (B, T) hold -100 at tokens that take no part in the loss: padding, special tokens,
    and the word pieces after a word's first.
    """

    add_pooling_layer = False
    output_type = TokenClassifierOutput

    def features(self, bert: BertRun) -> torch.Tensor:
        """Every token's top hidden state, (B, T, H)."""
        return bert.output.last_hidden_state


class BertForQuestionAnswering(_BertWithHead[QuestionAnsweringOutput]):
    """Extractive QA: the answer is the span of the input that scores best (no pooler, as HF):

        [start_t, end_t] = h_t W_qa + b_qa        (B, T, H) -> (B, T, 2) -> two (B, T)

    `start_positions` and `end_positions` (B,) index tokens of the input (0 to T-1); for a question
    with no answer point both at [CLS] (0), as BERT does for SQuAD 2.0. The loss is HF's:
    (cross-entropy of the start + cross-entropy of the end) / 2. Positions outside the input are an
    error here (HF silently ignores them): truncating an answer away should be seen, not hidden.
    """

    head_prefixes = ("qa_outputs.",)

    def __init__(self, config: BertConfig):
        """A BertModel without pooler, with a linear layer to start and end logits."""
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.qa_outputs = _init_head(nn.Linear(config.hidden_size, 2), config)

    def head(
        self, bert: BertRun, *, start_positions: torch.Tensor | None = None, end_positions: torch.Tensor | None = None
    ) -> QuestionAnsweringOutput:
        """Start and end logits per token; the span loss when both positions, (B,) each, are given."""
        start_logits, end_logits = self.qa_outputs(bert.output.last_hidden_state).unbind(dim=-1)  # (B, T) each
        if start_positions is None and end_positions is None:
            loss = None
        elif start_positions is None or end_positions is None:
            raise ValueError("Give both start_positions and end_positions (or neither): the loss needs both ends.")
        else:
            loss = self.span_loss(start_logits, end_logits, start_positions, end_positions)
        return QuestionAnsweringOutput(start_logits=start_logits, end_logits=end_logits, bert=bert.output, loss=loss)

    @staticmethod
    def span_loss(
        start_logits: torch.Tensor,
        end_logits: torch.Tensor,
        start_positions: torch.Tensor,
        end_positions: torch.Tensor,
        reduction: Reduction = "mean",
    ) -> torch.Tensor:
        """(CE(start) + CE(end)) / 2, averaged (or, with ``reduction="sum"``, summed) over the answers.

        Logits (B, T) each; positions (B,) each, token indices of the input (0 to T-1)."""
        for name, positions in (("start_positions", start_positions), ("end_positions", end_positions)):
            _check_index(_label_tensor(positions, name), start_logits.shape[1], name)
        start_loss = classification_loss(start_logits, start_positions, "start_positions", reduction)
        end_loss = classification_loss(end_logits, end_positions, "end_positions", reduction)
        return (start_loss + end_loss) / 2
