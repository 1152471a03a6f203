"""Fine-tuning features: examples turned into model inputs with labels, and their collation.

- Sentence classification: `[CLS] text [SEP]` and the label.
- Token classification: each word is cut into WordPiece tokens (the tokenizer's `tokenize_words`);
  its label goes on the first piece (read from the encoding's `word_ids`) and the other pieces get
  -100, as do [CLS] and [SEP], so the loss and the metrics see one label per word.
- Extractive QA, as Google's `run_squad.py` does it: `[CLS] question [SEP] window [SEP]`, with
  windows of the context `doc_stride` tokens apart (`bertlib.tokenization.windows.window_starts`).
  The answer's characters are mapped to its first and last token; a window that does not hold the
  whole answer points both at [CLS] (0). Every
  context token keeps its character offsets, so a predicted span maps back to the exact text of
  the context, and `token_is_max_context` says which window sees a token with the most context on
  both sides (the one whose prediction counts).

Every input is assembled by the tokenizer's `build_inputs`, and every batch is a subclass of the
tokenizer's `Batch` that adds its task's labels. Nothing is cut silently: an input longer than
`max_seq_length` is an error, unless you ask for truncation (classification only: dropping words
would drop their NER labels).

Its job ends at features and batches; models and metrics are the model's and the trainer's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from bertlib.data.examples import NerExample, QAExample, SentimentExample
from bertlib.tokenization import BertTokenizer, TokenizedText
from bertlib.tokenization.batch import IGNORE_INDEX, Batch, input_tensors, pad_rows
from bertlib.tokenization.tokenizer import Truncation
from bertlib.tokenization.windows import check_whole, window_starts

# ----------------------------------------------------------------------------- sentence classification


@dataclass(frozen=True)
class ClassificationFeature:
    """One sentence's model input, `[CLS] text [SEP]`, and its class."""

    input_ids: tuple[int, ...]
    token_type_ids: tuple[int, ...]
    label: int


@dataclass
class ClassificationBatch(Batch):
    """A batch for `BertForSequenceClassification`: inputs and one class per sequence."""

    labels: torch.Tensor  # (B,) class indices


def classification_features(
    examples: Sequence[SentimentExample], tokenizer: BertTokenizer, max_seq_length: int = 128, truncation: bool = False
) -> list[ClassificationFeature]:
    """`[CLS] text [SEP]` for each example; over `max_seq_length` it is an error unless `truncation`."""
    features = []
    for example in examples:
        cut: Truncation = "longest_first" if truncation else False
        encoding = tokenizer.encode(example.text, max_length=max_seq_length, truncation=cut)
        features.append(ClassificationFeature(tuple(encoding.input_ids), tuple(encoding.token_type_ids), example.label))
    return features


def collate_classification(features: Sequence[ClassificationFeature], pad_id: int = 0) -> ClassificationBatch:
    """The features as one batch, padded to the longest with `pad_id`."""
    return ClassificationBatch(
        **input_tensors([(f.input_ids, f.token_type_ids) for f in features], pad_id),
        labels=torch.tensor([f.label for f in features], dtype=torch.long),
    )


# ----------------------------------------------------------------------------- token classification


@dataclass(frozen=True)
class TokenClassificationFeature:
    """One sentence's model input with a label per token (-100 where none is predicted)."""

    input_ids: tuple[int, ...]
    token_type_ids: tuple[int, ...]
    labels: tuple[int, ...]  # the word's label id on its first piece; -100 elsewhere
    word_ids: tuple[int | None, ...]  # which word each token belongs to; None for [CLS] and [SEP]

    def first_pieces(self) -> list[int]:
        """Positions of each word's first piece, in word order: where the word's prediction is read."""
        return [i for i, label in enumerate(self.labels) if label != IGNORE_INDEX]


@dataclass
class TokenClassificationBatch(Batch):
    """A batch for `BertForTokenClassification`: inputs and a label per token."""

    labels: torch.Tensor  # (B, T) label ids, -100 where nothing is predicted


def label_ids(labels: Sequence[str]) -> dict[str, int]:
    """Label -> id, in the order given (e.g. `NER_LABELS`)."""
    return {label: i for i, label in enumerate(labels)}


def token_classification_features(
    examples: Sequence[NerExample], tokenizer: BertTokenizer, labels: Sequence[str], max_seq_length: int = 128
) -> list[TokenClassificationFeature]:
    """Align word-level tags to pieces: the first piece of each word gets its tag, the rest -100.
    The words are the example's own (`tokenize_words`); the encoding's `word_ids` say which word
    each piece belongs to."""
    to_id = label_ids(labels)
    features = []
    for example in examples:
        for tag in example.tags:
            if tag not in to_id:
                raise ValueError(
                    f"NER example {example.id!r} has the tag {tag!r}, which is not among the labels {list(labels)}"
                )
        encoding = tokenizer.build_inputs(tokenizer.tokenize_words(example.tokens))
        if len(encoding) > max_seq_length:
            raise ValueError(
                f"NER example {example.id!r} has {len(encoding)} tokens with [CLS] and [SEP], more than "
                f"max_seq_length={max_seq_length}; use a larger max_seq_length (cutting it would lose word labels)."
            )
        features.append(
            TokenClassificationFeature(
                tuple(encoding.input_ids),
                tuple(encoding.token_type_ids),
                tuple(first_piece_labels(encoding.word_ids, [to_id[tag] for tag in example.tags])),
                tuple(encoding.word_ids),
            )
        )
    return features


def first_piece_labels(word_ids: Sequence[int | None], word_labels: Sequence[int]) -> list[int]:
    """Per token: its word's label on the word's first piece, -100 on the other pieces and on
    special tokens (whose word id is None)."""
    out, previous = [], None
    for word_id in word_ids:
        out.append(IGNORE_INDEX if word_id is None or word_id == previous else word_labels[word_id])
        previous = word_id
    return out


def collate_token_classification(
    features: Sequence[TokenClassificationFeature], pad_id: int = 0
) -> TokenClassificationBatch:
    """The features as one batch, inputs padded with `pad_id` and labels with -100."""
    return TokenClassificationBatch(
        **input_tensors([(f.input_ids, f.token_type_ids) for f in features], pad_id),
        labels=pad_rows([f.labels for f in features], IGNORE_INDEX),
    )


# ----------------------------------------------------------------------------- question answering

CLS_INDEX = 0  # where start and end point when the window does not hold the answer


@dataclass(frozen=True)
class QAFeature:
    """One window of one question's context: `[CLS] question [SEP] window [SEP]`."""

    example_id: str
    input_ids: tuple[int, ...]
    token_type_ids: tuple[int, ...]
    start_position: int  # token index of the answer's first token, or 0 ([CLS]) if not in this window
    end_position: int  # token index of its last token, or 0
    offsets: tuple[tuple[int, int] | None, ...]  # per token: its characters in the context; None outside it
    token_is_max_context: tuple[bool, ...]  # per token: this window gives it the most context

    def span_text(self, context: str, start: int, end: int) -> str:
        """The exact context text of tokens `start` to `end` (inclusive) of this window."""
        first, last = self.offsets[start], self.offsets[end]
        if first is None or last is None or end < start:
            raise ValueError(f"tokens {start}..{end} are not a span of the context in this window")
        return context[first[0] : last[1]]


@dataclass
class QABatch(Batch):
    """A batch for `BertForQuestionAnswering`: inputs and the answer's first and last token."""

    start_positions: torch.Tensor  # (B,)
    end_positions: torch.Tensor  # (B,)


@dataclass(frozen=True)
class TokenSpan:
    """A span of tokens, both ends included."""

    start: int
    end: int  # inclusive


def answer_tokens(context: TokenizedText, answer_start: int, answer_end: int) -> TokenSpan:
    """The context tokens that cover characters [answer_start, answer_end)."""
    covering = [i for i, (s, e) in enumerate(context.offsets) if s < answer_end and e > answer_start]
    if not covering:
        raise ValueError(f"no token of the context covers characters {answer_start}..{answer_end}")
    return TokenSpan(covering[0], covering[-1])


def max_context_flags(start: int, window_length: int, starts: list[int], room: int, length: int) -> list[bool]:
    """Google's `_check_is_max_context` for every token of one window: a token counts in the window
    where min(left context, right context) + 0.01 * window length is largest (the first on a tie)."""
    flags = []
    for position in range(start, start + window_length):
        best_start, best_score = None, -1.0
        for other in starts:
            other_length = min(room, length - other)
            if not other <= position < other + other_length:
                continue
            score = min(position - other, other + other_length - 1 - position) + 0.01 * other_length
            if score > best_score:
                best_start, best_score = other, score
        flags.append(best_start == start)
    return flags


def qa_features(
    examples: Sequence[QAExample],
    tokenizer: BertTokenizer,
    max_seq_length: int = 128,
    doc_stride: int = 64,
    max_query_length: int = 64,
) -> list[QAFeature]:
    """Windows of each example's context with the answer's token positions (the first answer's)."""
    # Checked before any work: a bad doc_stride used to loop for ever in window_starts.
    check_whole(
        "doc_stride",
        doc_stride,
        minimum=1,
        fix="how many tokens each window moves on, e.g. 64; 0 or less would never reach the end",
    )
    check_whole("max_seq_length", max_seq_length, minimum=4, fix="e.g. 128 ([CLS], question, [SEP], context, [SEP])")
    check_whole("max_query_length", max_query_length, minimum=1, fix="e.g. 64")
    features = []
    contexts: dict[str, TokenizedText] = {}  # SQuAD asks several questions about each context
    for example in examples:
        question = tokenizer.tokenize_with_offsets(example.question)
        if len(question) > max_query_length:
            raise ValueError(
                f"QA example {example.id!r}: the question has {len(question)} tokens, more than "
                f"max_query_length={max_query_length}; raise max_query_length (BERT would cut it)."
            )
        room = max_seq_length - len(question) - 3
        if room < 1:
            raise ValueError(f"max_seq_length={max_seq_length} leaves no room for the context of {example.id!r}")
        if example.context not in contexts:
            contexts[example.context] = tokenizer.tokenize_with_offsets(example.context)
        context = contexts[example.context]
        answer = None
        if example.answers:
            first = example.answers[0]
            answer = answer_tokens(context, first.answer_start, first.answer_start + len(first.text))
        starts = window_starts(len(context), room, doc_stride)
        for start in starts:
            window = context.window(start, start + room)
            encoding = tokenizer.build_inputs(question, window)
            prefix = len(question) + 2  # [CLS] question [SEP]
            offsets = [
                offset if sequence_id == 1 else None  # None outside the context
                for offset, sequence_id in zip(encoding.offsets, encoding.sequence_ids, strict=True)
            ]
            flags = [False] * prefix + max_context_flags(start, len(window), starts, room, len(context)) + [False]
            start_position = end_position = CLS_INDEX
            if answer is not None and start <= answer.start and answer.end < start + len(window):
                start_position = answer.start - start + prefix
                end_position = answer.end - start + prefix
            features.append(
                QAFeature(
                    example.id,
                    tuple(encoding.input_ids),
                    tuple(encoding.token_type_ids),
                    start_position,
                    end_position,
                    tuple(offsets),
                    tuple(flags),
                )
            )
    return features


def collate_qa(features: Sequence[QAFeature], pad_id: int = 0) -> QABatch:
    """The features as one batch, padded to the longest with `pad_id`."""
    return QABatch(
        **input_tensors([(f.input_ids, f.token_type_ids) for f in features], pad_id),
        start_positions=torch.tensor([f.start_position for f in features], dtype=torch.long),
        end_positions=torch.tensor([f.end_position for f in features], dtype=torch.long),
    )


@dataclass(frozen=True)
class SpanPrediction:
    """The answer read off one example's windows: its text, score and where it came from."""

    text: str
    score: float  # log P(start) + log P(end), each a softmax over its own window: comparable across windows
    feature_index: int  # which of the example's features it came from
    start: int  # token positions in that feature
    end: int


def best_span(
    context: str,
    features: Sequence[QAFeature],
    start_logits: Sequence[Sequence[float]] | torch.Tensor,
    end_logits: Sequence[Sequence[float]] | torch.Tensor,
    n_best: int = 20,
    max_answer_length: int = 30,
) -> SpanPrediction | None:
    """The best answer span over all windows of one example: among the `n_best` starts and ends of
    each window, spans inside the context, no longer than `max_answer_length` tokens, whose start
    has its maximal context in that window (Google's `write_predictions` rules); None if none.

    Spans are ranked by log P(start) + log P(end), each a softmax over its own window's tokens, not
    by raw logits as Google's script does: training puts a window's probability on [CLS] when the
    answer is elsewhere, so a window's probabilities say how sure it is, while raw logits of two
    windows have no common zero. (Within one window the two rankings are the same.)"""
    best = None
    for index, feature in enumerate(features):
        length = len(feature.input_ids)  # padding is no part of the softmax
        starts = torch.log_softmax(torch.as_tensor(start_logits[index], dtype=torch.float)[:length], dim=0)
        ends = torch.log_softmax(torch.as_tensor(end_logits[index], dtype=torch.float)[:length], dim=0)
        top_starts = torch.argsort(starts, descending=True, stable=True)[:n_best].tolist()
        top_ends = torch.argsort(ends, descending=True, stable=True)[:n_best].tolist()
        for start in top_starts:
            for end in top_ends:
                if not valid_span(feature, start, end, max_answer_length):
                    continue
                score = float(starts[start] + ends[end])
                if best is None or score > best.score:
                    best = SpanPrediction(feature.span_text(context, start, end), score, index, start, end)
    return best


def valid_span(feature: QAFeature, start: int, end: int, max_answer_length: int) -> bool:
    """Google's rules: both ends in the context, in order, short enough, the start at its max context."""
    return (
        feature.offsets[start] is not None
        and feature.offsets[end] is not None
        and start <= end < start + max_answer_length
        and feature.token_is_max_context[start]
    )
