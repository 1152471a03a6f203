"""Metrics against cases computed by hand, including conlleval's and SQuAD's tricky ones."""

from __future__ import annotations

import math

import pytest
import torch

from bertlib.training.metrics import (
    Chunk,
    accuracy,
    bio_chunks,
    classification_scores,
    confusion_matrix,
    entity_scores,
    entity_texts,
    exact_match,
    normalize_answer,
    perplexity,
    squad_scores,
    token_f1,
    unseen_entity_recall,
)


def test_accuracy_skips_ignored_labels():
    predictions = torch.tensor([[1, 2, 3], [4, 5, 6]])
    labels = torch.tensor([[1, -100, 0], [4, 5, -100]])
    assert accuracy(predictions, labels) == pytest.approx(3 / 4)


def test_accuracy_refuses_nothing_to_score():
    with pytest.raises(ValueError, match="nothing to score"):
        accuracy(torch.tensor([1]), torch.tensor([-100]))


def test_perplexity_of_a_uniform_guess_among_four_is_four():
    assert perplexity(math.log(4)) == pytest.approx(4.0)


def test_classification_scores_by_hand():
    # gold 0 0 1 2 2 2 / predicted 0 2 1 1 2 2
    scores = classification_scores([0, 2, 1, 1, 2, 2], [0, 0, 1, 2, 2, 2], ["a", "b", "c"])
    assert scores.confusion == [[1, 0, 1], [0, 1, 0], [0, 1, 2]]
    assert scores.accuracy == pytest.approx(4 / 6)
    a, b, c = scores.per_class["a"], scores.per_class["b"], scores.per_class["c"]
    assert (a.precision, a.recall, a.support) == (1.0, 0.5, 2)
    assert (b.precision, b.recall, b.support) == (0.5, 1.0, 1)
    assert (c.precision, c.recall) == pytest.approx((2 / 3, 2 / 3))
    assert a.f1 == pytest.approx(2 / 3) and b.f1 == pytest.approx(2 / 3)
    assert scores.macro_f1 == pytest.approx(2 / 3)
    assert scores.macro_precision == pytest.approx((1 + 0.5 + 2 / 3) / 3)


def test_a_class_never_predicted_has_zero_precision_and_f1():
    scores = classification_scores([0, 0], [0, 1], ["neg", "pos"])
    assert scores.per_class["pos"].precision == 0 and scores.per_class["pos"].f1 == 0


def test_confusion_matrix_refuses_out_of_range_classes():
    with pytest.raises(ValueError, match="out of range"):
        confusion_matrix([2], [0], 2)


@pytest.mark.parametrize(
    "tags, chunks",
    [
        (["B-PER", "I-PER", "O", "B-LOC"], [Chunk("PER", 0, 2), Chunk("LOC", 3, 4)]),
        (["O", "I-PER", "I-PER"], [Chunk("PER", 1, 3)]),  # I- after O starts a chunk
        (["B-PER", "I-LOC"], [Chunk("PER", 0, 1), Chunk("LOC", 1, 2)]),  # I- of another type starts one
        (["I-LOC", "I-PER", "I-PER"], [Chunk("LOC", 0, 1), Chunk("PER", 1, 3)]),
        (["B-PER", "B-PER", "I-PER"], [Chunk("PER", 0, 1), Chunk("PER", 1, 3)]),  # B- always starts one
        (["O", "O"], []),
        (["B-ANIMAL"], [Chunk("ANIMAL", 0, 1)]),  # a chunk that runs to the end
    ],
)
def test_bio_chunks_follow_conlleval(tags, chunks):
    assert bio_chunks(tags) == chunks


def test_bio_chunks_refuse_a_tag_that_is_not_bio():
    with pytest.raises(ValueError, match="not a BIO tag"):
        bio_chunks(["PER"])


def test_entity_scores_need_exact_spans():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "O"]]
    predicted = [["B-PER", "O", "O", "B-LOC"], ["B-LOC", "B-PER"]]
    scores = entity_scores(gold, predicted)
    # predicted PER(0,1) LOC(3,4) LOC(0,1) PER(1,2); gold PER(0,2) LOC(3,4) LOC(0,1): 2 right.
    assert scores.precision == pytest.approx(2 / 4)
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.f1 == pytest.approx(2 * (1 / 2) * (2 / 3) / (1 / 2 + 2 / 3))
    assert scores.per_type["LOC"].f1 == 1.0 and scores.per_type["LOC"].support == 2
    assert scores.per_type["PER"].precision == 0.0 and scores.per_type["PER"].support == 1


def test_entity_scores_count_an_i_start_as_conlleval_does():
    # "I-PER I-PER" is the same chunk as "B-PER I-PER" for conlleval: right.
    assert entity_scores([["B-PER", "I-PER"]], [["I-PER", "I-PER"]]).f1 == 1.0
    # "O I-PER" starts at word 1: a different span, wrong.
    assert entity_scores([["B-PER", "I-PER"]], [["O", "I-PER"]]).f1 == 0.0


def test_unseen_recall_counts_only_entities_training_never_named():
    train = [(("mia", "went", "to", "oakdale"), ("B-PER", "O", "O", "B-LOC"))]
    seen = entity_texts(train)
    assert seen == {"mia", "oakdale"}
    words = ("mia", "and", "noah", "went", "to", "little", "harlow")
    gold = ("B-PER", "O", "B-PER", "O", "O", "B-LOC", "I-LOC")
    # mia is seen; noah and "little harlow" are not. noah is found, "little harlow" only half.
    predicted = ("O", "O", "B-PER", "O", "O", "B-LOC", "O")
    unseen = unseen_entity_recall([(words, gold)], [predicted], seen)
    assert (unseen.recall, unseen.entities) == (0.5, 2)
    # the seen name is not counted, right or wrong; a wrong type is not a hit
    assert (
        unseen_entity_recall([(words, gold)], [("B-PER", "O", "B-LOC", "O", "O", "B-LOC", "I-LOC")], seen).recall == 0.5
    )
    assert unseen_entity_recall([(words, gold)], [gold], seen | {"noah", "little harlow"}).entities == 0


def test_entity_scores_refuse_misaligned_sentences():
    with pytest.raises(ValueError, match="one tag per word"):
        entity_scores([["O", "O"]], [["O"]])


@pytest.mark.parametrize(
    "text, normal",
    [
        ("The  Cat's, hat!", "cats hat"),
        ("an apple a day", "apple day"),
        ("Theatre", "theatre"),  # articles only as whole words
        ("  ", ""),
    ],
)
def test_normalize_answer_as_squad(text, normal):
    assert normalize_answer(text) == normal


def test_exact_match_and_f1_take_the_best_gold_answer():
    assert exact_match("the cat", ["A cat", "dog"]) == 1.0
    assert exact_match("cat.", ["cats"]) == 0.0
    # tokens {big, cat} vs {cat, sat}: one in common, P = R = 1/2.
    assert token_f1("the big cat", ["cat sat"]) == pytest.approx(0.5)
    assert token_f1("the big cat", ["cat sat", "big cat"]) == 1.0
    assert token_f1("dog", ["cat"]) == 0.0


def test_squad_scores_average_over_gold_questions_and_count_missing_as_zero():
    scores = squad_scores({"q1": "the park", "q2": "mia"}, {"q1": ["park"], "q2": ["mia carter"], "q3": ["x"]})
    assert scores.exact_match == pytest.approx(1 / 3)
    assert scores.f1 == pytest.approx((1 + 2 / 3) / 3)
    assert scores.questions == 3


def test_squad_scores_refuse_predictions_for_unknown_questions():
    with pytest.raises(ValueError, match="no gold answers"):
        squad_scores({"q9": "x"}, {"q1": ["y"]})
