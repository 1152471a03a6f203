"""Metrics: masked LM, next-sentence prediction, classification, entities (conlleval) and SQuAD.

One concept per function, every result a named dataclass, every score a fraction in [0, 1]
(tables print them as percentages). Its job ends at scoring predictions that are already made:
running a model over a data set is the pre-training and fine-tuning modules' job.
"""

from __future__ import annotations

import collections
import math
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

from bertlib.tokenization.batch import IGNORE_INDEX

_PUNCTUATION = frozenset(string.punctuation)


# -- masked LM and next-sentence prediction ----------------------------------------------------------


def accuracy(predictions: torch.Tensor, labels: torch.Tensor, ignore_index: int = IGNORE_INDEX) -> float:
    """The fraction of scored labels (those that are not `ignore_index`) predicted exactly."""
    if predictions.shape != labels.shape:
        raise ValueError(
            f"predictions {tuple(predictions.shape)} and labels {tuple(labels.shape)} must have "
            "the same shape: one prediction per label."
        )
    scored = labels != ignore_index
    if not bool(scored.any()):
        raise ValueError("There is nothing to score: every label is ignore_index. Pass some real labels.")
    return float((predictions[scored] == labels[scored]).float().mean())


def perplexity(mean_cross_entropy: float) -> float:
    """exp(mean cross-entropy in nats): the number of words the model is, on average, as unsure
    between as if it picked uniformly among them."""
    return math.exp(mean_cross_entropy)


@dataclass(frozen=True)
class PreTrainingScores:
    """Held-out scores of BERT's two pre-training tasks."""

    mlm_accuracy: float  # fraction of masked tokens whose top prediction is the original token
    mlm_perplexity: float  # exp(mean cross-entropy over the masked tokens)
    nsp_accuracy: float  # fraction of sentence pairs whose is-next / random label is right
    masked_tokens: int  # how many masked tokens were scored
    pairs: int  # how many sentence pairs were scored


# -- classification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassScores:
    """Precision, recall and F1 of one class, with its gold count (support)."""

    precision: float  # of the items predicted as this class, the fraction that are
    recall: float  # of the items of this class, the fraction predicted as it
    f1: float  # harmonic mean of precision and recall (0 when both are 0)
    support: int  # gold items of this class


@dataclass(frozen=True)
class ClassificationScores:
    """Everything a classification report says, by name."""

    accuracy: float
    macro_precision: float  # unweighted mean over classes
    macro_recall: float
    macro_f1: float  # unweighted mean of the per-class F1s
    per_class: dict[str, ClassScores]
    confusion: list[list[int]]  # confusion[gold][predicted]: counts


def f1_score(precision: float, recall: float) -> float:
    """2PR / (P + R), and 0 when P + R = 0."""
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def confusion_matrix(predictions: Sequence[int], labels: Sequence[int], num_classes: int) -> list[list[int]]:
    """counts[gold][predicted] over paired predictions and labels (class indices 0..C-1)."""
    if len(predictions) != len(labels):
        raise ValueError(f"{len(predictions)} predictions but {len(labels)} labels; give one prediction per label.")
    counts = [[0] * num_classes for _ in range(num_classes)]
    for predicted, gold in zip(predictions, labels, strict=True):
        if not (0 <= predicted < num_classes and 0 <= gold < num_classes):
            raise ValueError(
                f"class index out of range: predicted {predicted}, gold {gold}, with "
                f"{num_classes} classes (0 to {num_classes - 1})."
            )
        counts[gold][predicted] += 1
    return counts


def classification_scores(
    predictions: Sequence[int], labels: Sequence[int], label_names: Sequence[str]
) -> ClassificationScores:
    """Accuracy, per-class and macro precision/recall/F1, and the confusion matrix."""
    if not labels:
        raise ValueError("There is nothing to score: no labels were given.")
    counts = confusion_matrix(predictions, labels, len(label_names))
    per_class = {}
    for c, name in enumerate(label_names):
        true_positive = counts[c][c]
        predicted = sum(row[c] for row in counts)
        support = sum(counts[c])
        precision, recall = _ratio(true_positive, predicted), _ratio(true_positive, support)
        per_class[name] = ClassScores(precision, recall, f1_score(precision, recall), support)
    scores = list(per_class.values())
    return ClassificationScores(
        accuracy=sum(counts[c][c] for c in range(len(label_names))) / len(labels),
        macro_precision=sum(s.precision for s in scores) / len(scores),
        macro_recall=sum(s.recall for s in scores) / len(scores),
        macro_f1=sum(s.f1 for s in scores) / len(scores),
        per_class=per_class,
        confusion=counts,
    )


# -- named entities, as conlleval scores them ------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """An entity: its type and the word span [start, end) it covers."""

    type: str
    start: int
    end: int


def _split_tag(tag: str) -> tuple[str, str]:
    """ "B-PER" -> ("B", "PER"); "O" -> ("O", "")."""
    if tag == "O":
        return "O", ""
    prefix, _, kind = tag.partition("-")
    if prefix not in ("B", "I") or not kind:
        raise ValueError(f"{tag!r} is not a BIO tag; use 'O', or 'B-' / 'I-' followed by a type, e.g. 'B-PER'.")
    return prefix, kind


def bio_chunks(tags: Sequence[str]) -> list[Chunk]:
    """The entities of one sentence's BIO tags, with conlleval's rules:

    a chunk starts at every B-, and at an I- that follows O or a tag of another type (conlleval
    reads "O I-PER" and "B-LOC I-PER" as starting a PER chunk); it ends before O, before a B-,
    and before a tag of another type.
    """
    chunks: list[Chunk] = []
    start, current = 0, ""
    for i, tag in enumerate([*tags, "O"]):  # the sentinel O closes a chunk that runs to the end
        prefix, kind = _split_tag(tag)
        if current and (prefix in ("O", "B") or kind != current):
            chunks.append(Chunk(current, start, i))
            current = ""
        if prefix == "B" or (prefix == "I" and not current):
            start, current = i, kind
    return chunks


@dataclass(frozen=True)
class EntityScores:
    """conlleval's report: overall and per entity type, exact span and type matches only."""

    precision: float  # correct chunks / predicted chunks
    recall: float  # correct chunks / gold chunks
    f1: float
    per_type: dict[str, ClassScores]  # support = gold chunks of the type


def entity_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> EntityScores:
    """Entity-level precision, recall and F1 over sentences of BIO tags: a predicted entity is
    right only if a gold entity has exactly its type, start and end (conlleval)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted; pair them one to one.")
    found: collections.Counter[str] = collections.Counter()  # entities predicted, by type
    wanted: collections.Counter[str] = collections.Counter()  # gold entities, by type
    right: collections.Counter[str] = collections.Counter()  # predicted exactly, by type
    for n, (gold_tags, predicted_tags) in enumerate(zip(gold, predicted, strict=True)):
        if len(gold_tags) != len(predicted_tags):
            raise ValueError(
                f"sentence {n} has {len(gold_tags)} gold tags but {len(predicted_tags)} predicted; "
                "predict one tag per word."
            )
        gold_chunks, predicted_chunks = set(bio_chunks(gold_tags)), set(bio_chunks(predicted_tags))
        wanted.update(c.type for c in gold_chunks)
        found.update(c.type for c in predicted_chunks)
        right.update(c.type for c in gold_chunks & predicted_chunks)
    per_type = {}
    for kind in sorted(set(wanted) | set(found)):
        precision, recall = _ratio(right[kind], found[kind]), _ratio(right[kind], wanted[kind])
        per_type[kind] = ClassScores(precision, recall, f1_score(precision, recall), wanted[kind])
    precision = _ratio(sum(right.values()), sum(found.values()))
    recall = _ratio(sum(right.values()), sum(wanted.values()))
    return EntityScores(precision, recall, f1_score(precision, recall), per_type)


def entity_texts(sentences: Sequence[tuple[Sequence[str], Sequence[str]]]) -> set[str]:
    """Every entity's words, joined by spaces, over (words, BIO tags) sentences: what a training
    split has taught a tagger by name."""
    return {" ".join(words[c.start : c.end]) for words, tags in sentences for c in bio_chunks(tags)}


@dataclass(frozen=True)
class UnseenRecall:
    """Recall on the gold entities whose text a training split never showed as an entity."""

    recall: float  # unseen gold entities predicted exactly (type, start and end) / unseen gold entities
    entities: int  # how many gold entities were unseen


@dataclass(frozen=True)
class NerScores(EntityScores):
    """conlleval's report, plus recall on the entities that training never named (the course's NER)."""

    unseen_recall: float = 0.0  # see UnseenRecall.recall
    unseen_entities: int = 0  # see UnseenRecall.entities


def unseen_entity_recall(
    sentences: Sequence[tuple[Sequence[str], Sequence[str]]], predicted: Sequence[Sequence[str]], seen: set[str]
) -> UnseenRecall:
    """Recall over the gold entities of (words, gold tags) `sentences` whose text is not in `seen`
    (`entity_texts` of the training split): where a tagger must generalise from context."""
    wanted = right = 0
    for (words, gold_tags), predicted_tags in zip(sentences, predicted, strict=True):
        predicted_chunks = set(bio_chunks(predicted_tags))
        for chunk in bio_chunks(gold_tags):
            if " ".join(words[chunk.start : chunk.end]) not in seen:
                wanted += 1
                right += chunk in predicted_chunks
    return UnseenRecall(_ratio(right, wanted), wanted)


# -- extractive QA, as SQuAD v1.1's official script scores it ------------------------------------


def normalize_answer(text: str) -> str:
    """SQuAD v1.1's normalisation: lower-case, drop punctuation, drop the articles a/an/the,
    and collapse whitespace."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, gold_answers: Sequence[str]) -> float:
    """1.0 if the normalised prediction equals some normalised gold answer, else 0.0."""
    return max(float(normalize_answer(prediction) == normalize_answer(gold)) for gold in _some(gold_answers))


def token_f1(prediction: str, gold_answers: Sequence[str]) -> float:
    """The best, over the gold answers, bag-of-tokens F1 of the normalised prediction."""
    return max(_token_f1(prediction, gold) for gold in _some(gold_answers))


def _some(gold_answers: Sequence[str]) -> Sequence[str]:
    if isinstance(gold_answers, str) or not gold_answers:
        raise ValueError("gold_answers must be a non-empty list of strings (SQuAD gives each question several).")
    return gold_answers


def _token_f1(prediction: str, gold: str) -> float:
    predicted_tokens, gold_tokens = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = sum((collections.Counter(predicted_tokens) & collections.Counter(gold_tokens)).values())
    if common == 0:
        return 0.0
    return f1_score(common / len(predicted_tokens), common / len(gold_tokens))


@dataclass(frozen=True)
class SquadScores:
    """SQuAD v1.1's two numbers, as fractions (the official script prints them x 100)."""

    exact_match: float
    f1: float
    questions: int


def squad_scores(predictions: Mapping[str, str], gold_answers: Mapping[str, Sequence[str]]) -> SquadScores:
    """Mean exact match and F1 over every gold question; a question without a prediction scores 0,
    as in the official script."""
    if not gold_answers:
        raise ValueError("There is nothing to score: no gold questions were given.")
    unknown = set(predictions) - set(gold_answers)
    if unknown:
        raise ValueError(
            f"Predictions for questions that have no gold answers: {sorted(unknown)[:5]}; "
            "score predictions against the set they were made for."
        )
    em = sum(exact_match(predictions[q], golds) for q, golds in gold_answers.items() if q in predictions)
    f1 = sum(token_f1(predictions[q], golds) for q, golds in gold_answers.items() if q in predictions)
    return SquadScores(em / len(gold_answers), f1 / len(gold_answers), len(gold_answers))
