"""Notebook 08's checks pass right answers and name the typical mistakes in wrong ones."""

from __future__ import annotations

import pytest

from bertlib.course.checks import ExerciseFailed, check_align_labels, check_entity_spans
from bertlib.course.checks.ner import align_labels, entity_spans
from bertlib.training.metrics import bio_chunks


def not_done(*args, **kwargs):
    raise NotImplementedError()


# -- align_labels ----------------------------------------------------------------------------------


def align(tags, pieces_per_word, labels):
    out = [-100]
    for tag, count in zip(tags, pieces_per_word, strict=True):
        out += [labels.index(tag)] + [-100] * (count - 1)
    return out + [-100]


def every_piece(tags, pieces_per_word, labels):
    out = [-100]
    for tag, count in zip(tags, pieces_per_word, strict=True):
        out += [labels.index(tag)] * count
    return out + [-100]


def no_specials(tags, pieces_per_word, labels):
    return align(tags, pieces_per_word, labels)[1:-1]


def shifted(tags, pieces_per_word, labels):
    return align(tags, pieces_per_word, labels)[1:] + [-100]


def last_piece(tags, pieces_per_word, labels):
    out = [-100]
    for tag, count in zip(tags, pieces_per_word, strict=True):
        out += [-100] * (count - 1) + [labels.index(tag)]
    return out + [-100]


def specials_as_outside(tags, pieces_per_word, labels):
    ids = align(tags, pieces_per_word, labels)
    return [labels.index("O")] + ids[1:-1] + [labels.index("O")]


def one_per_word(tags, pieces_per_word, labels):
    return [-100] + [labels.index(tag) for tag in tags] + [-100]


def test_align_labels_passes_a_right_answer_and_says_so(capsys):
    check_align_labels(align)
    assert "✔ align_labels: all 5 cases pass." in capsys.readouterr().out


def test_align_labels_accepts_a_tensor():
    import torch

    check_align_labels(lambda tags, counts, labels: torch.tensor(align(tags, counts, labels)))


@pytest.mark.parametrize(
    "wrong, message",
    [
        (every_piece, "labelling every piece: only the FIRST piece"),
        (no_specials, r"\[CLS\] and \[SEP\]: got \d+ labels, one per piece"),
        (shifted, "off by one: every label sits one position away"),
        (last_piece, "off by one: the label went on each word's LAST piece"),
        (specials_as_outside, r"\[CLS\] and \[SEP\]: \[CLS\] got 0 and \[SEP\] got 0; both must be -100"),
        (one_per_word, "wrong length: got \\d+ labels, one per word"),
        (
            lambda tags, counts, labels: align(tags, counts, labels)[1:],
            r"\[CLS\] and \[SEP\]: got \d+ labels, one short",
        ),
        (
            lambda tags, counts, labels: [x if x == -100 else 0 for x in align(tags, counts, labels)],
            "values: position \\d+ should be",
        ),
        (lambda tags, counts, labels: align(tags, counts, labels) + [-100], "wrong length: expected"),
        (
            lambda tags, counts, labels: align(
                tags, counts, ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ANIMAL", "I-ANIMAL")
            ),
            "ValueError.*CoNLL-2003's nine labels",
        ),
        (lambda tags, counts, labels: [tag for tag in tags], "type: return label ids"),
        (lambda tags, counts, labels: None, "type: return a list of label ids"),
    ],
)
def test_align_labels_mistakes_are_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check_align_labels(wrong)


def test_align_labels_not_done_gives_bertlibs_version(capsys):
    assert check_align_labels(not_done) is align_labels
    assert capsys.readouterr().out.startswith("✎ align_labels is not written yet")
    check_align_labels(align_labels)  # the fallback is a right answer


# -- entity_spans ----------------------------------------------------------------------------------


def spans(tags):
    found, start, current = [], 0, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, kind = (tag[0], tag[2:]) if tag != "O" else ("O", None)
        if current is not None and (prefix != "I" or kind != current):
            found.append((current, start, i))
            current = None
        if prefix == "B" or (prefix == "I" and current is None):
            start, current = i, kind
    return found


def drop_last(tags):
    found, start, current = [], 0, None
    for i, tag in enumerate(tags):  # no sentinel: an entity open at the end is never closed
        prefix, kind = (tag[0], tag[2:]) if tag != "O" else ("O", None)
        if current is not None and (prefix != "I" or kind != current):
            found.append((current, start, i))
            current = None
        if prefix == "B" or (prefix == "I" and current is None):
            start, current = i, kind
    return found


def merge_adjacent(tags):
    """Joins any run of tags of one type, B- or not."""
    found, start, current = [], 0, None
    for i, tag in enumerate(list(tags) + ["O"]):
        kind = tag[2:] if tag != "O" else None
        if current is not None and kind != current:
            found.append((current, start, i))
            current = None
        if kind is not None and current is None:
            start, current = i, kind
    return found


def ignore_stray_inside(tags):
    """Only B- opens an entity; an I- that continues nothing is dropped."""
    found, start, current = [], 0, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, kind = (tag[0], tag[2:]) if tag != "O" else ("O", None)
        if current is not None and (prefix != "I" or kind != current):
            found.append((current, start, i))
            current = None
        if prefix == "B":
            start, current = i, kind
    return found


def test_reference_spans_agree_with_bio_chunks():
    for tags in (["O", "I-PER", "B-PER", "I-LOC"], ["B-LOC", "I-LOC", "I-LOC"], []):
        assert spans(tags) == [(c.type, c.start, c.end) for c in bio_chunks(tags)]


def test_entity_spans_passes_right_answers(capsys):
    check_entity_spans(spans)
    assert "✔ entity_spans: all 8 cases pass." in capsys.readouterr().out
    check_entity_spans(bio_chunks)  # Chunk objects are read as (type, start, end)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (drop_last, "last entity dropped.*closed too"),
        (merge_adjacent, "adjacent entities merged: every B- starts a new entity"),
        (ignore_stray_inside, "stray I-: the I-LOC at word 1 follows O"),
        (lambda tags: [(k, s, e - 1) for k, s, e in spans(tags)], "end index: `end` is one past the last word"),
        (lambda tags: [(f"B-{k}", s, e) for k, s, e in spans(tags)], "type names"),
        (lambda tags: spans(tags)[::-1], "order: list the entities in sentence order"),
        (lambda tags: [(k, s + 1, e + 1) for k, s, e in spans(tags)], "values: got"),
        (lambda tags: {k: (s, e) for k, s, e in spans(tags)}, "type: return a list of"),
    ],
)
def test_entity_spans_mistakes_are_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check_entity_spans(wrong)


def test_extending_across_types_is_named_a_stray_inside():
    def extend_any_type(tags):
        found, start, current = [], 0, None
        for i, tag in enumerate(list(tags) + ["O"]):
            prefix, kind = (tag[0], tag[2:]) if tag != "O" else ("O", None)
            if current is not None and prefix != "I":
                found.append((current, start, i))
                current = None
            if prefix == "B" or (prefix == "I" and current is None):
                start, current = i, kind
        return found

    with pytest.raises(ExerciseFailed, match="stray I-: the I-LOC at word 1 follows B-PER"):
        check_entity_spans(extend_any_type)


def test_entity_spans_not_done_gives_bertlibs_version(capsys):
    assert check_entity_spans(not_done) is entity_spans
    assert capsys.readouterr().out.startswith("✎ entity_spans is not written yet")
    check_entity_spans(entity_spans)  # the fallback is a right answer
