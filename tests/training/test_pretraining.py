"""Pre-training wiring: the corpus split, the examples, and the held-out scores."""

from __future__ import annotations

import pytest
import torch

from bertlib.assets import course_tokenizer
from bertlib.data.examples import Document
from bertlib.model import BertForPreTraining
from bertlib.training.pretraining import (
    PretrainRunOptions,
    evaluate_pretraining,
    example_tensors,
    masking_config,
    model_config,
    split_corpus,
)

DOCUMENTS = [
    Document((f"mia went to the park {i} .", "she saw a cat and her kitten .", "the kitten was happy ."))
    for i in range(12)
]


def test_split_keeps_the_last_documents_out_of_training():
    split = split_corpus(DOCUMENTS, held_out=3, limit=4)
    assert split.held_out == DOCUMENTS[-3:] and split.train == DOCUMENTS[:4]
    with pytest.raises(ValueError, match="at least 2 documents"):
        split_corpus(DOCUMENTS, held_out=11)


@pytest.fixture(scope="module")
def examples():
    options = PretrainRunOptions(max_seq_length=32, max_predictions_per_seq=5)
    return example_tensors(DOCUMENTS, course_tokenizer(), masking_config(options, seed=1, dupe_factor=2))


def test_examples_are_the_columns_the_pretraining_objective_reads(examples):
    assert {"input_ids", "token_type_ids", "attention_mask", "masked_positions", "mlm_labels", "nsp_labels"} <= set(
        examples.as_kwargs()
    )
    assert examples.input_ids.shape[1] <= 32 and examples.masked_positions.shape[1] <= 5
    picked = examples.input_ids.gather(1, examples.masked_positions)
    assert bool((picked[examples.mlm_labels != -100] != 0).all())  # masked slots sit on real tokens


def test_held_out_scores_count_every_masked_token_and_pair(examples):
    torch.manual_seed(0)
    model = BertForPreTraining(model_config(PretrainRunOptions(max_seq_length=32), len(course_tokenizer().vocab)))
    scores = evaluate_pretraining(model, examples, batch_size=5)
    assert scores.masked_tokens == int((examples.mlm_labels != -100).sum())
    assert scores.pairs == len(examples.nsp_labels)
    assert 0 <= scores.mlm_accuracy <= 1 and scores.mlm_perplexity > 1
    rebatched = evaluate_pretraining(model, examples, batch_size=64)  # batching changes nothing
    assert rebatched.mlm_accuracy == scores.mlm_accuracy and rebatched.nsp_accuracy == scores.nsp_accuracy
    assert rebatched.mlm_perplexity == pytest.approx(scores.mlm_perplexity, rel=1e-5)
