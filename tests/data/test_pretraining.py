"""Pre-training examples: Google's invariants as properties, and its rates as statistics."""

from __future__ import annotations

import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bertlib.data.examples import Document
from bertlib.data.pretraining import (
    IS_NEXT,
    IS_RANDOM,
    MaskingConfig,
    collate_pretraining,
    create_pretraining_examples,
    instances_from_document,
    masked_lm_predictions,
    tokenize_documents,
)
from bertlib.tokenization import IGNORE_INDEX, BertTokenizer, Vocab
from bertlib.tokenization.wordpiece import CLS, MASK, SEP, SPECIAL_TOKENS

SUFFIX = "##q"  # every odd word is cut in two pieces, "d0s1w1" + "##q", to exercise whole-word masking


def word(doc: int, sentence: int, position: int) -> str:
    return f"d{doc}s{sentence}w{position}" + ("q" if position % 2 else "")


def synthetic(lengths: list[list[int]]) -> tuple[list[Document], BertTokenizer]:
    """Documents whose every word tells where it came from, and a vocabulary that has them all."""
    documents = [
        Document(tuple(" ".join(word(d, s, k) for k in range(n)) for s, n in enumerate(doc)))
        for d, doc in enumerate(lengths)
    ]
    bases = [
        word(d, s, k).removesuffix("q") for d, doc in enumerate(lengths) for s, n in enumerate(doc) for k in range(n)
    ]
    return documents, BertTokenizer(Vocab([*SPECIAL_TOKENS, SUFFIX, *bases]))


def origin(token: str) -> tuple[int, int]:
    """(document, sentence) of a word's first piece."""
    doc, rest = token[1:].split("s")
    return int(doc), int(rest.split("w")[0])


#: Sentence lengths per document; at least one document has two sentences, so that there are pairs.
document_lengths = st.lists(st.lists(st.integers(1, 12), min_size=1, max_size=6), min_size=2, max_size=6).filter(
    lambda documents: any(len(sentences) >= 2 for sentences in documents)
)
configs = st.builds(
    MaskingConfig,
    max_seq_length=st.integers(8, 48),
    max_predictions_per_seq=st.integers(1, 10),
    masked_lm_prob=st.floats(0.05, 0.5),
    short_seq_prob=st.floats(0.0, 1.0),
    dupe_factor=st.integers(1, 2),
    whole_word_mask=st.booleans(),
    seed=st.integers(0, 10_000),
)


def originals(example) -> list[str]:
    tokens = list(example.tokens)
    for position, label in zip(example.masked_positions, example.masked_labels, strict=True):
        tokens[position] = label
    return tokens


@settings(max_examples=60, deadline=None)
@given(lengths=document_lengths, config=configs)
def test_every_example_keeps_googles_invariants(lengths, config):
    documents, tokenizer = synthetic(lengths)
    for example in create_pretraining_examples(documents, tokenizer, config):
        tokens = example.tokens
        assert len(tokens) <= config.max_seq_length
        assert tokens[0] == CLS and tokens[-1] == SEP and tokens.count(SEP) == 2 and CLS not in tokens[1:]
        first_sep = tokens.index(SEP)
        assert example.token_type_ids == (0,) * (first_sep + 1) + (1,) * (len(tokens) - first_sep - 1)
        assert list(example.input_ids) == tokenizer.convert_tokens_to_ids(tokens)

        positions = example.masked_positions
        assert list(positions) == sorted(set(positions))
        assert 1 <= len(positions) <= config.max_predictions_per_seq
        assert not {0, first_sep, len(tokens) - 1} & set(positions)  # never [CLS] or [SEP]
        assert all(tokens[i] != MASK for i in range(len(tokens)) if i not in positions)
        assert list(example.masked_label_ids) == tokenizer.convert_tokens_to_ids(example.masked_labels)
        if not config.whole_word_mask:
            wanted = min(config.max_predictions_per_seq, max(1, round(len(tokens) * config.masked_lm_prob)))
            assert len(positions) == min(wanted, len(tokens) - 3)

        original = originals(example)
        heads = [(i, origin(t)) for i, t in enumerate(original) if t not in (CLS, SEP, SUFFIX)]
        a_origins = {o for i, o in heads if i < first_sep}
        b_origins = {o for i, o in heads if i > first_sep}
        assert len({doc for doc, _ in a_origins}) <= 1 and len({doc for doc, _ in b_origins}) <= 1
        if a_origins and b_origins:
            (a_doc,), (b_doc,) = {d for d, _ in a_origins}, {d for d, _ in b_origins}
            if example.is_random_next:
                assert a_doc != b_doc  # a random B always comes from another document
            else:
                assert a_doc == b_doc and max(s for _, s in a_origins) < min(s for _, s in b_origins)
        if config.whole_word_mask:
            for i, token in enumerate(original):
                if token == SUFFIX and original[i - 1] not in (CLS, SEP, SUFFIX):
                    assert (i in positions) == (i - 1 in positions), "a word's pieces are masked together"


@settings(max_examples=60, deadline=None)
@given(lengths=document_lengths, config=configs)
def test_collation_pads_with_zero_and_minus_100(lengths, config):
    documents, tokenizer = synthetic(lengths)
    examples = create_pretraining_examples(documents, tokenizer, config)[:5]
    batch = collate_pretraining(examples)
    lengths_t = torch.tensor([len(e.input_ids) for e in examples])
    assert batch.input_ids.shape == batch.attention_mask.shape == (len(examples), int(lengths_t.max()))
    assert torch.equal(batch.attention_mask.sum(1), lengths_t)
    assert torch.equal(batch.input_ids * (1 - batch.attention_mask), torch.zeros_like(batch.input_ids))
    predicted = batch.mlm_labels != IGNORE_INDEX
    assert torch.equal(predicted.sum(1), torch.tensor([len(e.masked_positions) for e in examples]))
    assert torch.all(batch.masked_positions[~predicted] == 0)
    assert batch.nsp_labels.tolist() == [IS_RANDOM if e.is_random_next else IS_NEXT for e in examples]


def test_documents_of_one_sentence_give_no_pairs_and_a_clear_error():
    documents, tokenizer = synthetic([[5], [7], [3]])
    with pytest.raises(ValueError, match="two or more sentences"):
        create_pretraining_examples(documents, tokenizer)


def test_whole_word_masking_masks_both_pieces_of_a_word():
    tokens = [CLS, "ab", "##cd", "ef", "##gh", SEP, "ij", "##kl", SEP]
    config = MaskingConfig(max_predictions_per_seq=2, masked_lm_prob=0.2, whole_word_mask=True)
    for seed in range(50):
        masked = masked_lm_predictions(tokens, config, ["zz"], random.Random(seed))
        assert masked.positions in ([1, 2], [3, 4], [6, 7])


def test_the_same_seed_gives_the_same_examples_and_another_seed_others():
    documents, tokenizer = synthetic([[5, 7, 3], [4, 4], [9, 2, 6, 3]])

    def make(seed: int):
        return create_pretraining_examples(documents, tokenizer, MaskingConfig(max_seq_length=16, seed=seed))

    assert make(1) == make(1)
    assert make(1) != make(2)


def test_a_single_document_is_a_clear_error():
    documents, tokenizer = synthetic([[5, 7, 3]])
    with pytest.raises(ValueError, match="at least two"):
        create_pretraining_examples(documents, tokenizer)


# ----------------------------------------------------------------------------- statistics on the corpus


def test_masking_rates_hold_within_one_point_over_100k_tokens(corpus, course_tokenizer):
    config = MaskingConfig(max_seq_length=128, max_predictions_per_seq=20)
    examples = create_pretraining_examples(corpus[:1800], course_tokenizer, config)
    tokens = sum(len(e.tokens) for e in examples)
    chosen = [
        (e.tokens[p], label) for e in examples for p, label in zip(e.masked_positions, e.masked_labels, strict=True)
    ]
    assert tokens >= 100_000
    as_mask = sum(token == MASK for token, _ in chosen) / len(chosen)
    kept = sum(token == label for token, label in chosen) / len(chosen)
    assert abs(len(chosen) / tokens - 0.15) < 0.01
    assert abs(as_mask - 0.80) < 0.01
    assert abs(kept - 0.10) < 0.01
    assert abs((1 - as_mask - kept) - 0.10) < 0.01


def test_next_sentence_labels_are_half_random_within_one_point(corpus, course_tokenizer):
    """Every chunk flips a fair coin, so over all pairs B is random half the time (a lone last
    segment, which has no actual next segment, gives no pair)."""
    documents = tokenize_documents(corpus, course_tokenizer)
    config, rng = MaskingConfig(max_seq_length=64), random.Random(0)
    pairs = [
        pair
        for _ in range(2)
        for i in range(len(documents))
        for pair in instances_from_document(documents, i, config, rng)
    ]
    assert len(pairs) > 25_000
    assert sum(len(p.tokens_a) + len(p.tokens_b) for p in pairs) > 100_000
    assert abs(sum(p.is_random_next for p in pairs) / len(pairs) - 0.5) < 0.01
    assert all(p.chunk_segments >= 2 for p in pairs)
