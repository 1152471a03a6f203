"""Notebook 06's data checks (mask_tokens, nsp_pair) pass right answers (including bertlib's own),
name typical mistakes and hand a passing exercise back. The training checks are tested in
test_checks_training_loop.py; every check's fallback for an unwritten exercise in test_checks.py."""

from __future__ import annotations

import random

import pytest

from bertlib.course.checks import ExerciseFailed, check_mask_tokens, check_nsp_pair
from bertlib.course.checks.pretraining import NspPair
from bertlib.data.pretraining import replacement


def is_special(token):
    return token.startswith("[") and token.endswith("]")


def masked_with(shares):
    """mask_tokens drawing [MASK] / random / keep with the given probabilities."""
    mask_share, random_share, _ = shares

    def mask_tokens(tokens, chosen, vocabulary, rng):
        words = [t for t in vocabulary if not is_special(t)]
        out = list(tokens)
        for i in chosen:
            draw = rng.random()
            if draw < mask_share:
                out[i] = "[MASK]"
            elif draw < mask_share + random_share:
                out[i] = rng.choice(words)
        return out

    return mask_tokens


right_masking = masked_with((0.8, 0.1, 0.1))


def bertlibs_masking(tokens, chosen, vocabulary, rng):
    words = [t for t in vocabulary if not is_special(t)]
    out = list(tokens)
    for i in chosen:
        out[i] = replacement(tokens[i], words, rng)
    return out


def test_right_maskings_pass(capsys):
    check_mask_tokens(right_masking)
    check_mask_tokens(bertlibs_masking)  # bertlib's own `replacement`, drawing in another order
    assert "✔ mask_tokens: all 403 cases pass." in capsys.readouterr().out


def unfiltered(tokens, chosen, vocabulary, rng):
    out = list(tokens)
    for i in chosen:
        draw = rng.random()
        out[i] = "[MASK]" if draw < 0.8 else rng.choice(vocabulary) if draw < 0.9 else tokens[i]
    return out


def in_place(tokens, chosen, vocabulary, rng):
    for i in chosen:
        tokens[i] = "[MASK]"
    return tokens


def fifteen_percent_of_everything(tokens, chosen, vocabulary, rng):
    return [("[MASK]" if rng.random() < 0.15 else t) for t in tokens]


def global_random(tokens, chosen, vocabulary, rng):
    return right_masking(tokens, chosen, vocabulary, random.Random())


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            lambda tokens, chosen, vocabulary, rng: ["[MASK]" if i in chosen else t for i, t in enumerate(tokens)],
            r"shares: 100.0% of the chosen tokens became \[MASK\]; it should be about 80%",
        ),
        (masked_with((0.6, 0.2, 0.2)), r"shares: 6\d.\d% of the chosen tokens became \[MASK\]"),
        (masked_with((0.8, 0.2, 0.0)), r"shares: 2\d.\d% became a random token"),
        (masked_with((0.8, 0.0, 0.2)), r"shares: 0.0% became a random token"),
        (unfiltered, r"random tokens: .* became the special token '\[(PAD|UNK|CLS|SEP|unused\d)\]'"),
        (in_place, "input changed: do not change the lists you are given"),
        (fifteen_percent_of_everything, "unchosen positions: position \\d+ .* was not chosen"),
        (global_random, "randomness: the same seed gave two different results"),
        (lambda tokens, chosen, vocabulary, rng: tuple(tokens), "type: return a list of token strings"),
    ],
)
def test_masking_mistakes_are_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check_mask_tokens(wrong)


def test_random_tokens_must_come_from_the_vocabulary():
    def made_up(tokens, chosen, vocabulary, rng):
        out = right_masking(tokens, chosen, vocabulary, rng)
        return [("invented" if out[i] not in ("[MASK]", tokens[i]) else out[i]) for i in range(len(out))]

    with pytest.raises(ExerciseFailed, match="'invented', which is not in the vocabulary"):
        check_mask_tokens(made_up)


# -- nsp_pair ---------------------------------------------------------------------------------------


def right_pair(documents, document_index, sentence_index, rng):
    a = documents[document_index][sentence_index]
    if rng.random() < 0.5:
        return NspPair(a, documents[document_index][sentence_index + 1], is_random_next=False)
    other = rng.randrange(len(documents) - 1)
    other += other >= document_index
    return NspPair(a, rng.choice(documents[other]), is_random_next=True)


def test_right_pair_passes(capsys):
    check_nsp_pair(right_pair)
    assert "✔ nsp_pair: all 2041 cases pass." in capsys.readouterr().out


def any_document(documents, document_index, sentence_index, rng):
    a = documents[document_index][sentence_index]
    if rng.random() < 0.5:
        return NspPair(a, documents[document_index][sentence_index + 1], False)
    return NspPair(a, rng.choice(rng.choice(documents)), True)  # may pick A's own document


def swapped_labels(documents, document_index, sentence_index, rng):
    pair = right_pair(documents, document_index, sentence_index, rng)
    return NspPair(pair.a, pair.b, not pair.is_random_next)


def any_later_sentence(documents, document_index, sentence_index, rng):
    pair = right_pair(documents, document_index, sentence_index, rng)
    if pair.is_random_next:
        return pair
    document = documents[document_index]
    return NspPair(pair.a, document[rng.randrange(sentence_index + 1, len(document))], False)


def mostly_next(documents, document_index, sentence_index, rng):
    pair = right_pair(documents, document_index, sentence_index, rng)
    if pair.is_random_next and rng.random() < 0.5:  # only a quarter random
        return NspPair(pair.a, documents[document_index][sentence_index + 1], False)
    return pair


def always_the_first_document(documents, document_index, sentence_index, rng):
    pair = right_pair(documents, document_index, sentence_index, rng)
    if not pair.is_random_next:
        return pair
    other = 0 if document_index != 0 else 1  # "another document", but always the same one
    return NspPair(pair.a, rng.choice(documents[other]), True)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            any_document,
            "(random B|label): B is 'doc \\d+ , sentence \\d+ .'.*(from document \\d+ itself|really follows A)",
        ),
        (swapped_labels, "label: B is .*(but is_random_next is False|but is_random_next is True)"),
        (any_later_sentence, "next B: .* it must be the very next sentence"),
        (mostly_next, r"balance: 2\d.\d% of the pairs had a random B; it should be about 50%"),
        (always_the_first_document, "random B: the random B came from only 2 different documents"),
        (lambda documents, d, s, rng: (documents[d][s], documents[d][s + 1], False), "type: return NspPair"),
        (lambda documents, d, s, rng: NspPair(documents[d][s + 1], documents[d][s], False), "sentence A"),
        (
            lambda documents, d, s, rng: right_pair(documents, d, s, random.Random()),
            "randomness: the same seed gave two different pairs",
        ),
    ],
)
def test_pair_mistakes_are_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check_nsp_pair(wrong)


def test_a_passing_exercise_is_handed_back():
    assert check_mask_tokens(right_masking) is right_masking
    assert check_nsp_pair(right_pair) is right_pair
