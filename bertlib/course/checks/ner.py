"""Checks for notebook 08's exercises: aligning word tags to word pieces, and reading entities off
BIO tags.

The reference answers are bertlib's own: `bertlib.data.features.token_classification_features`
(the first piece of each word gets the word's label id; the other pieces, [CLS] and [SEP] get
-100) and `bertlib.training.metrics.bio_chunks` (conlleval's rules, spans as [start, end) word
indices, and an I- that continues no entity of its type starts one).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import torch

from bertlib.assets import course_tokenizer
from bertlib.course.checks.framework import Checker, exercise_check
from bertlib.data.examples import NerExample
from bertlib.data.external import CONLL2003_LABELS
from bertlib.data.features import first_piece_labels, token_classification_features
from bertlib.data.tasks import NER_LABELS
from bertlib.tokenization import IGNORE_INDEX, BertTokenizer
from bertlib.training.metrics import bio_chunks

# -- exercise 1: align_labels ----------------------------------------------------------------------

#: (case, words, tags, label set): one piece per word first, then split words, a split word just
#: before [SEP], another label set (so that a hard-coded NER_LABELS shows), and a one-word sentence.
ALIGN_CASES = [
    (
        "an NER training sentence, one piece per word",
        "after lunch tom ran to the barn .",
        "O O B-PER O O O B-LOC O",
        NER_LABELS,
    ),
    (
        "words split into several pieces",
        "anna took her hedgehog to little harlow .",
        "B-PER O O B-ANIMAL O B-LOC I-LOC O",
        NER_LABELS,
    ),
    (
        "a split word last, just before [SEP]",
        "mr porter walked his hedgehog to cambridge",
        "O B-PER O O B-ANIMAL O B-LOC",
        NER_LABELS,
    ),
    (
        "CoNLL-2003's nine labels",
        "EU rejects German call to boycott British lamb .",
        "B-ORG O B-MISC O O O B-MISC O O",
        CONLL2003_LABELS,
    ),
    ("a one-word sentence", "grandma", "B-PER", NER_LABELS),
]


@lru_cache(maxsize=1)
def _course_tokenizer() -> BertTokenizer:
    """The course's tokenizer (the shipped checkpoint's vocab.txt), the one the notebook's model reads with."""
    return course_tokenizer()


def _as_ids(result: Any) -> list | None:
    """The student's labels as a list, from a list, a tuple or a 1-D tensor."""
    if isinstance(result, torch.Tensor) and result.dim() == 1:
        return result.tolist()
    if isinstance(result, (list, tuple)):
        return list(result)
    return None


def _every_piece(
    tag_ids: Sequence[int], counts: Sequence[int], tags: Sequence[str], labels: Sequence[str], inside: bool
) -> list[int]:
    """The common mistake: every piece labelled (with the word's tag, or I- after its first piece)."""
    out = [IGNORE_INDEX]
    for tag_id, count, tag in zip(tag_ids, counts, tags, strict=True):
        rest = tag_id
        if inside and tag.startswith("B-") and f"I-{tag[2:]}" in labels:
            rest = list(labels).index(f"I-{tag[2:]}")
        out += [tag_id] + [rest] * (count - 1)
    return out + [IGNORE_INDEX]


def _last_piece(tag_ids: Sequence[int], counts: Sequence[int]) -> list[int]:
    """Off by one inside words: the label on each word's last piece instead of its first."""
    out = [IGNORE_INDEX]
    for tag_id, count in zip(tag_ids, counts, strict=True):
        out += [IGNORE_INDEX] * (count - 1) + [tag_id]
    return out + [IGNORE_INDEX]


def align_labels(tags: Sequence[str], pieces_per_word: Sequence[int], labels: Sequence[str]) -> list[int]:
    """bertlib's version of the exercise: `first_piece_labels` for words of `pieces_per_word` pieces,
    between [CLS] and [SEP]."""
    word_ids = [None, *(word for word, count in enumerate(pieces_per_word) for _ in range(count)), None]
    return first_piece_labels(word_ids, [list(labels).index(tag) for tag in tags])


@exercise_check(fallback=align_labels)
def check_align_labels(align_labels: Callable[[Sequence[str], Sequence[int], Sequence[str]], Any]) -> None:
    """align_labels(tags, pieces_per_word, labels) -> one label id per piece of `[CLS] pieces [SEP]`:
    each word's id (its index in `labels`) on its first piece, -100 on every other piece and on
    [CLS] and [SEP]. Compared with `token_classification_features`."""
    check = Checker("align_labels", align_labels)
    tokenizer = _course_tokenizer()
    for case, text, tag_text, labels in ALIGN_CASES:
        words, tags = tuple(text.split()), tuple(tag_text.split())
        tokenized = tokenizer.tokenize_words(words)  # word_ids index `words`
        pairs = list(zip(tokenized.tokens, tokenized.word_ids, strict=True))
        pieces = [[token for token, word_id in pairs if word_id == index] for index in range(len(words))]
        counts = [len(p) for p in pieces]
        feature = token_classification_features([NerExample("check", words, tags)], tokenizer, labels, 512)[0]
        expected = list(feature.labels)
        case = f"{case}: pieces {[' '.join(p) for p in pieces]}, pieces_per_word {counts}"
        got = _as_ids(check.call(list(tags), list(counts), labels, case=case))
        if got is None:
            check.fail("type", "return a list of label ids, one per piece (with [CLS] and [SEP])", case)
        check.expect(
            all(isinstance(x, int) and not isinstance(x, bool) for x in got),
            "type",
            f"return label ids (ints, the tag's index in `labels`), not {got[:4]}...",
            case,
        )
        if got == expected:
            continue
        _diagnose_alignment(check, got, expected, tags, counts, labels, case)
    check.done()


def _diagnose_alignment(
    check: Checker,
    got: list[int],
    expected: list[int],
    tags: Sequence[str],
    counts: Sequence[int],
    labels: Sequence[str],
    case: str,
) -> None:
    pieces, words = sum(counts), len(counts)
    tag_ids = [list(labels).index(tag) for tag in tags]
    if len(got) != len(expected):
        if len(got) == pieces:
            check.fail(
                "[CLS] and [SEP]",
                f"got {len(got)} labels, one per piece; the input also holds [CLS] "
                f"first and [SEP] last, so add -100 for each: {len(expected)} labels in all",
                case,
            )
        if len(got) == pieces + 1:
            check.fail(
                "[CLS] and [SEP]",
                f"got {len(got)} labels, one short: give -100 to [CLS] at the start "
                f"AND to [SEP] at the end, {len(expected)} labels in all",
                case,
            )
        if len(got) in (words, words + 2):
            check.fail(
                "wrong length",
                f"got {len(got)} labels, one per word; the model reads pieces, so give "
                f"one label per piece, -100 on all but each word's first ({len(expected)} labels)",
                case,
            )
        check.fail(
            "wrong length", f"expected {len(expected)} labels ({pieces} pieces + [CLS] + [SEP]), got {len(got)}", case
        )
    if got in (
        _every_piece(tag_ids, counts, tags, labels, False),
        _every_piece(tag_ids, counts, tags, labels, True),
    ) or (pieces > words and sum(x != IGNORE_INDEX for x in got) == pieces):
        check.fail(
            "labelling every piece",
            "only the FIRST piece of each word gets the word's label; its other "
            "pieces get -100, so that each word is scored once and its prediction is read at one place",
            case,
        )
    if got == expected[1:] + [IGNORE_INDEX] or got == [IGNORE_INDEX] + expected[:-1]:
        check.fail(
            "off by one",
            "every label sits one position away from its piece; position 0 is [CLS], "
            "so the first word's first piece is position 1",
            case,
        )
    if got == _last_piece(tag_ids, counts):
        check.fail(
            "off by one",
            "the label went on each word's LAST piece; put it on the first piece and -100 on the rest",
            case,
        )
    if got[0] != IGNORE_INDEX or got[-1] != IGNORE_INDEX:
        check.fail(
            "[CLS] and [SEP]",
            f"[CLS] got {got[0]} and [SEP] got {got[-1]}; both must be -100 "
            "(ignored), not a tag such as O, which the loss would then train on",
            case,
        )
    wrong = next(i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if g != e)
    check.fail(
        "values",
        f"position {wrong} should be {expected[wrong]}, got {got[wrong]}; expected {expected}, got {got}",
        case,
    )


# -- exercise 2: entity_spans ----------------------------------------------------------------------

#: (case, tags): each shows one rule of reading BIO tags the way conlleval does.
SPAN_CASES = [
    ("one entity in the middle", "O B-PER O"),
    ("an entity of two words", "B-LOC I-LOC O O"),
    ("no entity at all", "O O O"),
    ("an entity that runs to the end of the sentence", "O O B-PER I-PER"),
    ("two entities of one type side by side", "B-PER B-PER O B-LOC"),
    ("a stray I- after O", "O I-LOC I-LOC O B-ANIMAL"),
    ("an I- of another type", "B-PER I-LOC O"),
    ("a one-word entity last", "B-ANIMAL O B-LOC"),
]


def _as_spans(result: Any) -> list[tuple] | None:
    """The student's spans as (type, start, end) tuples, from tuples, lists or Chunk-like objects."""
    if not isinstance(result, (list, tuple)):
        return None
    spans = []
    for item in result:
        if all(hasattr(item, name) for name in ("type", "start", "end")):
            item = (item.type, item.start, item.end)
        if not isinstance(item, (list, tuple)) or len(item) != 3:
            return None
        spans.append(tuple(item))
    return spans


def entity_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """bertlib's version of the exercise: `bio_chunks`'s entities as (type, start, end) tuples."""
    return [(chunk.type, chunk.start, chunk.end) for chunk in bio_chunks(tags)]


@exercise_check(fallback=entity_spans)
def check_entity_spans(entity_spans: Callable[[Sequence[str]], Any]) -> None:
    """entity_spans(tags) -> [(type, start, end), ...] in sentence order, `end` one past the last
    word; an I- that does not continue an entity of its type starts a new one (as `bio_chunks`)."""
    check = Checker("entity_spans", entity_spans)
    for case, tag_text in SPAN_CASES:
        tags = tag_text.split()
        expected = [(c.type, c.start, c.end) for c in bio_chunks(tags)]
        case = f"{case}: {tags}"
        got = _as_spans(check.call(list(tags), case=case))
        if got is None:
            check.fail("type", "return a list of (type, start, end) tuples, e.g. [('PER', 1, 2)]", case)
        if got == expected:
            continue
        _diagnose_spans(check, got, expected, tags, case)
    check.done()


def _diagnose_spans(check: Checker, got: list[tuple], expected: list[tuple], tags: Sequence[str], case: str) -> None:
    versus = f"got {got}, expected {expected}"
    if any(isinstance(kind, str) and kind[:2] in ("B-", "I-") for kind, _, _ in got):
        check.fail("type names", f"give the type without its B-/I- prefix, e.g. 'PER'; {versus}", case)
    if got == [(kind, start, end - 1) for kind, start, end in expected]:
        check.fail(
            "end index",
            f"`end` is one past the last word, as in Python slices, so that words[start:end] is the entity; {versus}",
            case,
        )
    if expected and expected[-1][2] == len(tags) and got == expected[:-1]:
        check.fail(
            "last entity dropped",
            f"an entity that is still open when the tags run out must be closed too (after the loop); {versus}",
            case,
        )
    for (kind, start, end), (next_kind, next_start, next_end) in itertools.pairwise(expected):
        if kind == next_kind and end == next_start and (kind, start, next_end) in got:
            check.fail(
                "adjacent entities merged",
                f"every B- starts a new entity, even right after an entity of the same type; {versus}",
                case,
            )
    for kind, start, end in expected:
        if tags[start].startswith("I-") and (kind, start, end) not in got:
            after = "O (or the start)" if start == 0 or tags[start - 1] == "O" else f"{tags[start - 1]}"
            check.fail(
                "stray I-",
                f"the {tags[start]} at word {start} follows {after}, so it continues nothing; "
                f"like conlleval, let it start a new {kind} entity; {versus}",
                case,
            )
    if sorted(got) == sorted(expected):
        check.fail("order", f"list the entities in sentence order; {versus}", case)
    check.fail("values", versus, case)
