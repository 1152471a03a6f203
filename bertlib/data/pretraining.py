"""Pre-training examples for masked LM and next-sentence prediction, made as Google's
`create_pretraining_data.py` makes them, and their collation into tensors.

The algorithm, step by step (names as in Google's code):

1. Every sentence of every document is tokenized into WordPiece tokens (a "segment"); the
   documents are shuffled.
2. `instances_from_document`: a document's segments are gathered into a chunk until it reaches
   `target_seq_length` (the room left by [CLS] A [SEP] B [SEP], or with probability
   `short_seq_prob` a random shorter length, so the model also sees short inputs).
3. The chunk is cut at a random segment boundary into A and B. With probability 1/2 B is replaced
   by segments from a random *other* document, and the chunk's unused segments are put back to
   start the next chunk (`i -= num_unused`). A chunk only closes once it holds two segments (or at
   the document's end), so that it can be cut. One deliberate change from Google here: Google
   closes a one-segment chunk too and then always gives it a random B, which pushes the random
   share of all examples to about 57% on the course corpus. Here a lone last segment, which has no
   actual next segment and so no fair coin to flip, gives no example; every example's B is random
   with probability exactly 1/2, as the lecture says.
4. `truncate_seq_pair`: if A + B is too long, tokens are dropped one at a time from the front or
   the back (a coin flip) of the longer one. This cut is part of Google's algorithm and deliberate:
   a chunk may overshoot its target by up to one sentence. Each example records how many tokens it
   lost (`truncated`), so the cut is visible, never silent.
5. `masked_lm_predictions`: 15% of the tokens (rounded, at least one, at most
   `max_predictions_per_seq`) are chosen among all but [CLS] and [SEP] (and never [PAD], which is
   only added by collation). Of those, 80% become [MASK], 10% a random token and 10% stay as they
   are. With `whole_word_mask`, a word's ``##`` pieces are chosen together (a ``##`` piece right
   after [SEP], left by truncation, is a group of its own; Google's code would join it to A).
6. `dupe_factor` passes over the documents give each document several different maskings.

Two more deliberate differences from Google's code: the random B always comes from a different
document (Google gives up after 10 draws that hit the same one), and the random replacement token is
drawn from the real vocabulary only (Google may draw [CLS], [PAD] or [unused7]).

Labels, as the model's heads take them: `nsp_labels` is 0 when B really follows A and 1 when B is
random (Google's and Hugging Face's `next_sentence_label`); `mlm_labels` are the original token ids
at `masked_positions`, with -100 in the slots that only pad a row.

Its job ends at examples and batches; the loss and the optimiser are the model's and the trainer's.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from bertlib.data.examples import Document
from bertlib.tokenization import BertTokenizer
from bertlib.tokenization.batch import IGNORE_INDEX, Batch, input_tensors, pad_rows
from bertlib.tokenization.wordpiece import CLS, CONTINUATION, MASK, SEP, SPECIAL_TOKENS

IS_NEXT, IS_RANDOM = 0, 1  # next-sentence labels: HF's `next_sentence_label` convention

Segment = list[str]  # the WordPiece tokens of one sentence


@dataclass(frozen=True)
class MaskingConfig:
    """How pre-training examples are cut and masked: the knobs of Google's `create_pretraining_data.py`,
    with its defaults (dupe_factor aside)."""

    max_seq_length: int = 128
    max_predictions_per_seq: int = 20
    masked_lm_prob: float = 0.15
    short_seq_prob: float = 0.1
    dupe_factor: int = 1
    whole_word_mask: bool = False
    seed: int = 12345

    def __post_init__(self) -> None:
        """Refuse settings that leave no room for an example or mask nothing."""
        if self.max_seq_length < 5:
            raise ValueError(
                f"max_seq_length={self.max_seq_length} leaves no room for [CLS] A [SEP] B [SEP]; use at least 5"
            )
        if not 0 < self.masked_lm_prob < 1:
            raise ValueError(f"masked_lm_prob={self.masked_lm_prob} must be between 0 and 1")
        if self.max_predictions_per_seq < 1 or self.dupe_factor < 1:
            raise ValueError("max_predictions_per_seq and dupe_factor must be at least 1")


@dataclass(frozen=True)
class PretrainingExample:
    """One input `[CLS] A [SEP] B [SEP]` after masking, with what the model must predict."""

    tokens: tuple[str, ...]  # as the model sees them, [MASK]s and random tokens included
    input_ids: tuple[int, ...]
    token_type_ids: tuple[int, ...]  # 0 for [CLS], A and the first [SEP]; 1 for B and the last [SEP]
    is_random_next: bool
    masked_positions: tuple[int, ...]  # sorted, unique
    masked_label_ids: tuple[int, ...]  # the original token ids at those positions
    masked_labels: tuple[str, ...]  # the original tokens, for reading
    truncated: int  # tokens truncate_seq_pair dropped to fit max_seq_length

    @property
    def nsp_label(self) -> int:
        """The next-sentence label: IS_NEXT (0) or IS_RANDOM (1)."""
        return IS_RANDOM if self.is_random_next else IS_NEXT


@dataclass(frozen=True)
class MaskedTokens:
    """A token sequence after masking, with the masked positions and their original tokens."""

    tokens: list[str]
    positions: list[int]
    labels: list[str]


# ----------------------------------------------------------------------------- documents to examples


def tokenize_documents(documents: Sequence[Document], tokenizer: BertTokenizer) -> list[list[Segment]]:
    """Each document as its non-empty tokenized sentences; documents left empty are dropped."""
    tokenized = []
    for document in documents:
        segments = [tokens for tokens in map(tokenizer.tokenize, document.sentences) if tokens]
        if segments:
            tokenized.append(segments)
    return tokenized


def create_pretraining_examples(
    documents: Sequence[Document], tokenizer: BertTokenizer, config: MaskingConfig = MaskingConfig()
) -> list[PretrainingExample]:
    """Google's `create_training_instances`: every document, `dupe_factor` times, shuffled."""
    rng = random.Random(config.seed)
    all_documents = tokenize_documents(documents, tokenizer)
    if len(all_documents) < 2:
        raise ValueError(
            f"Next-sentence prediction needs random sentences from another document, but there are "
            f"{len(all_documents)} non-empty document(s); give at least two (separate them by blank lines)."
        )
    rng.shuffle(all_documents)
    vocab = tokenizer.vocab
    replacements = [t for t in vocab.tokens if t not in SPECIAL_TOKENS and not t.startswith("[unused")]
    examples = []
    for _ in range(config.dupe_factor):
        for index in range(len(all_documents)):
            for pair in instances_from_document(all_documents, index, config, rng):
                examples.append(make_example(pair, config, replacements, vocab.ids, rng))
    if not examples:
        raise ValueError(
            "No example could be made: next-sentence prediction pairs a sentence with the one that "
            "follows it, so it needs documents of two or more sentences (one sentence per line, "
            "documents separated by blank lines)."
        )
    rng.shuffle(examples)
    return examples


@dataclass(frozen=True)
class SegmentPair:
    """Sentences A and B of one example, whether B is random, and how many tokens truncation cut."""

    tokens_a: list[str]
    tokens_b: list[str]
    is_random_next: bool
    truncated: int
    chunk_segments: int  # segments in the chunk: always 2 or more, so that B can be the actual next


def instances_from_document(
    all_documents: list[list[Segment]], document_index: int, config: MaskingConfig, rng: random.Random
) -> list[SegmentPair]:
    """Google's `create_instances_from_document`: the (A, B) pairs one document gives."""
    document = all_documents[document_index]
    max_num_tokens = config.max_seq_length - 3  # [CLS], [SEP], [SEP]
    target_seq_length = max_num_tokens
    if rng.random() < config.short_seq_prob:
        target_seq_length = rng.randint(2, max_num_tokens)
    pairs = []
    chunk: list[Segment] = []
    chunk_length = 0
    i = 0
    while i < len(document):
        chunk.append(document[i])
        chunk_length += len(document[i])
        if i == len(document) - 1 or (chunk_length >= target_seq_length and len(chunk) >= 2):
            if len(chunk) == 1:
                break  # a lone last segment has no actual next segment: no fair coin, no example
            a_end = rng.randint(1, len(chunk) - 1)
            tokens_a = [token for segment in chunk[:a_end] for token in segment]
            if rng.random() < 0.5:
                tokens_b = random_continuation(all_documents, document_index, target_seq_length - len(tokens_a), rng)
                is_random_next = True
                i -= len(chunk) - a_end  # put the unused segments back
            else:
                tokens_b = [token for segment in chunk[a_end:] for token in segment]
                is_random_next = False
            truncated = truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng)
            pairs.append(SegmentPair(tokens_a, tokens_b, is_random_next, truncated, len(chunk)))
            chunk, chunk_length = [], 0
        i += 1
    return pairs


def random_continuation(
    all_documents: list[list[Segment]], document_index: int, target_length: int, rng: random.Random
) -> list[str]:
    """Segments of another document, from a random start, until `target_length` tokens (at least one segment)."""
    other = rng.randint(0, len(all_documents) - 2)
    other += other >= document_index  # any document but this one
    document = all_documents[other]
    tokens: list[str] = []
    for segment in document[rng.randint(0, len(document) - 1) :]:
        tokens.extend(segment)
        if len(tokens) >= target_length:
            break
    return tokens


def truncate_seq_pair(tokens_a: list[str], tokens_b: list[str], max_num_tokens: int, rng: random.Random) -> int:
    """Google's `truncate_seq_pair`, in place: drop from the front or back (a coin flip) of the
    longer list until both fit; returns how many tokens were dropped."""
    dropped = 0
    while len(tokens_a) + len(tokens_b) > max_num_tokens:
        longer = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()
        dropped += 1
    return dropped


def make_example(
    pair: SegmentPair, config: MaskingConfig, replacements: list[str], ids: dict[str, int], rng: random.Random
) -> PretrainingExample:
    """One example from a segment pair: `[CLS] A [SEP] B [SEP]`, masked as `config` says."""
    tokens = [CLS, *pair.tokens_a, SEP, *pair.tokens_b, SEP]
    token_type_ids = [0] * (len(pair.tokens_a) + 2) + [1] * (len(pair.tokens_b) + 1)
    masked = masked_lm_predictions(tokens, config, replacements, rng)
    return PretrainingExample(
        tokens=tuple(masked.tokens),
        input_ids=tuple(ids[t] for t in masked.tokens),
        token_type_ids=tuple(token_type_ids),
        is_random_next=pair.is_random_next,
        masked_positions=tuple(masked.positions),
        masked_label_ids=tuple(ids[t] for t in masked.labels),
        masked_labels=tuple(masked.labels),
        truncated=pair.truncated,
    )


def masked_lm_predictions(
    tokens: list[str], config: MaskingConfig, replacements: list[str], rng: random.Random
) -> MaskedTokens:
    """Google's `create_masked_lm_predictions`: choose, then mask 80% / randomise 10% / keep 10%."""
    candidates = candidate_groups(tokens, config.whole_word_mask)
    rng.shuffle(candidates)
    num_to_predict = min(config.max_predictions_per_seq, max(1, int(round(len(tokens) * config.masked_lm_prob))))
    output = list(tokens)
    chosen: dict[int, str] = {}
    for group in candidates:
        if len(chosen) >= num_to_predict:
            break
        if len(chosen) + len(group) > num_to_predict:
            continue  # a whole word that would overshoot is skipped
        for index in group:
            chosen[index] = tokens[index]
            output[index] = replacement(tokens[index], replacements, rng)
    positions = sorted(chosen)
    return MaskedTokens(output, positions, [chosen[p] for p in positions])


def candidate_groups(tokens: list[str], whole_word_mask: bool) -> list[list[int]]:
    """Positions that may be masked, grouped by word when `whole_word_mask` (``##`` joins the word before)."""
    groups: list[list[int]] = []
    for index, token in enumerate(tokens):
        if token in (CLS, SEP):
            continue
        if whole_word_mask and groups and token.startswith(CONTINUATION) and groups[-1][-1] == index - 1:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def replacement(token: str, replacements: list[str], rng: random.Random) -> str:
    """[MASK] 80% of the time; else the token itself or a random one, half and half."""
    if rng.random() < 0.8:
        return MASK
    if rng.random() < 0.5:
        return token
    return replacements[rng.randint(0, len(replacements) - 1)]


# ----------------------------------------------------------------------------- collation


@dataclass
class PretrainingBatch(Batch):
    """A batch for `BertForPreTraining`; the field names are its keyword arguments."""

    masked_positions: torch.Tensor  # (B, P) positions to predict; 0 in padding slots
    mlm_labels: torch.Tensor  # (B, P) original token ids; -100 in padding slots
    nsp_labels: torch.Tensor  # (B,) 0 = B follows A, 1 = B is random


def collate_pretraining(examples: Sequence[PretrainingExample], pad_id: int = 0) -> PretrainingBatch:
    """Pad to the longest example of the batch; P is the most masked positions of any example.
    Pass the vocabulary's [PAD] id as `pad_id` if it is not 0 (ours is 0, Google's too)."""
    return PretrainingBatch(
        **input_tensors([(e.input_ids, e.token_type_ids) for e in examples], pad_id),
        masked_positions=pad_rows([e.masked_positions for e in examples], 0),
        mlm_labels=pad_rows([e.masked_label_ids for e in examples], IGNORE_INDEX),
        nsp_labels=torch.tensor([e.nsp_label for e in examples], dtype=torch.long),
    )
