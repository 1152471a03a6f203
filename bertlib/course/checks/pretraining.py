"""Checks for notebook 06's data exercises: BERT's 80/10/10 masking (`mask_tokens`) and sampling a
next-sentence pair (`nsp_pair`), the two halves of a pre-training example.

Both exercises are random, so their checks are statistical: they call the student's function many
times with seeded `random.Random`s and compare the shares they see with the ones the recipe asks
for, with a tolerance of about five standard deviations (a right answer passes whatever its order of
draws; 60/20/20 or always-[MASK] cannot). The cases are synthetic, so that every token and every
sentence says where it came from.

The exercises are simplified versions of bertlib's `masked_lm_predictions`/`replacement` and
`instances_from_document`/`random_continuation` (bertlib/data/pretraining.py, which this module
mirrors); each check falls back to bertlib's version while the exercise is not written yet. `NspPair`,
the result of the second, lives here because only the exercise needs it. This module's job ends at
the examples: the checks of what trains on them (the masked-LM loss, one training step, the loop
against bertlib's Trainer) are in training_loop.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bertlib.course.checks.framework import Checker, exercise_check
from bertlib.data.pretraining import random_continuation, replacement
from bertlib.tokenization.wordpiece import MASK

# -- exercise 1: mask_tokens -------------------------------------------------------------------------

#: The shares of the chosen tokens that the recipe asks for, and how far off a share may be.
MASK_SHARE, RANDOM_SHARE, KEEP_SHARE = 0.8, 0.1, 0.1
MASK_TOLERANCE = 0.03  # 5 standard deviations for 0.8 over MASKING_DRAWS chosen tokens
SMALL_SHARE_TOLERANCE = 0.025  # 5 standard deviations for 0.1
MASKING_DRAWS = 400  # calls; each chooses 10 positions, so 4,000 chosen tokens in all

#: A vocabulary as Google's look: special tokens, [unused] slots, words and ## pieces.
_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[unused0]", "[unused1]", "[unused2]"]
_WORDS = [f"word{i}" for i in range(60)] + [f"##ing{i}" for i in range(10)]
_VOCABULARY = _SPECIALS[:5] + _WORDS + _SPECIALS[5:]


def _is_special(token: str) -> bool:
    return token.startswith("[") and token.endswith("]")


def _masking_sentence() -> list[str]:
    """[CLS] 20 words [SEP] 10 words [SEP], each word unique: `t0` ... `t29`, never in the vocabulary."""
    words = [f"t{i}" for i in range(30)]
    return ["[CLS]", *words[:20], "[SEP]", *words[20:], "[SEP]"]


def mask_tokens(tokens: list[str], chosen: list[int], vocabulary: list[str], rng: random.Random) -> list[str]:
    """bertlib's version of the exercise: each chosen token through `replacement` (Google's 80/10/10),
    drawing random tokens from the vocabulary's non-special tokens."""
    words = [token for token in vocabulary if not _is_special(token)]
    masked = list(tokens)
    for i in chosen:
        masked[i] = replacement(tokens[i], words, rng)
    return masked


@exercise_check(fallback=mask_tokens)
def check_mask_tokens(mask_tokens: Callable[[list[str], list[int], list[str], random.Random], list[str]]) -> None:
    """mask_tokens(tokens, chosen, vocabulary, rng) -> a new token list: each chosen position becomes
    [MASK] 80% of the time, a random non-special vocabulary token 10%, itself 10%; nothing else changes."""
    check = Checker("mask_tokens", mask_tokens)
    tokens = _masking_sentence()
    words = [i for i, token in enumerate(tokens) if not _is_special(token)]

    case = "one call: chosen positions [1, 5, 22], seed 0"
    chosen = [1, 5, 22]
    given, vocabulary = list(tokens), list(_VOCABULARY)
    got = check.call(given, list(chosen), vocabulary, random.Random(0), case=case)
    check.expect(
        given == tokens and vocabulary == _VOCABULARY,
        "input changed",
        "do not change the lists you are given: copy the tokens first (`out = list(tokens)`) and change the copy",
        case,
    )
    check.expect(
        isinstance(got, list) and all(isinstance(t, str) for t in got),
        "type",
        f"return a list of token strings, not {type(got).__name__}",
        case,
    )
    check.expect(
        len(got) == len(tokens),
        "length",
        f"return one token per input token: expected {len(tokens)}, got {len(got)}",
        case,
    )
    case = "every word chosen, twice with seed 1"
    got = check.call(list(tokens), list(words), list(_VOCABULARY), random.Random(1), case=case)
    again = check.call(list(tokens), list(words), list(_VOCABULARY), random.Random(1), case=case)
    check.expect(
        again == got,
        "randomness",
        "the same seed gave two different results: draw every random number from `rng` "
        "(rng.random(), rng.choice(...)), not from the `random` module itself",
        case,
    )

    counts = {"mask": 0, "random": 0, "kept": 0}
    draws = random.Random(2018)  # picks the chosen positions of every call
    for call in range(MASKING_DRAWS):
        chosen = sorted(draws.sample(words, 10))
        case = f"call {call + 1} of {MASKING_DRAWS}, seed {call}, chosen positions {chosen}"
        got = check.call(list(tokens), list(chosen), list(_VOCABULARY), random.Random(call), case=case)
        check.expect(
            isinstance(got, list) and len(got) == len(tokens),
            "length",
            f"return a list of {len(tokens)} tokens, one per input token",
            case,
        )
        changed = [i for i in range(len(tokens)) if i not in chosen and got[i] != tokens[i]]
        if changed:
            check.fail(
                "unchosen positions",
                f"position {changed[0]} ({tokens[changed[0]]!r}) was not chosen "
                f"but became {got[changed[0]]!r}; only the chosen positions may change",
                case,
            )
        for i in chosen:
            if got[i] == MASK:
                counts["mask"] += 1
            elif got[i] == tokens[i]:
                counts["kept"] += 1
            else:
                check.expect(
                    not _is_special(got[i]),
                    "random tokens",
                    f"position {i} became the special token {got[i]!r}; a random replacement must "
                    "be a real token: skip [PAD], [CLS], [SEP], [MASK], [UNK] and [unusedN] "
                    "(every token written in square brackets)",
                    case,
                )
                check.expect(
                    got[i] in _VOCABULARY,
                    "random tokens",
                    f"position {i} became {got[i]!r}, which is not in the vocabulary; draw the "
                    "random token from `vocabulary`",
                    case,
                )
                counts["random"] += 1

    total = sum(counts.values())
    shares = {name: count / total for name, count in counts.items()}
    seen = ", ".join(f"{name} {share:.1%}" for name, share in shares.items())
    case = f"{total:,} chosen tokens over {MASKING_DRAWS} calls (seen: {seen})"
    check.expect(
        abs(shares["mask"] - MASK_SHARE) <= MASK_TOLERANCE,
        "shares",
        f"{shares['mask']:.1%} of the chosen tokens became [MASK]; it should be about 80%",
        case,
    )
    check.expect(
        abs(shares["random"] - RANDOM_SHARE) <= SMALL_SHARE_TOLERANCE,
        "shares",
        f"{shares['random']:.1%} became a random token; it should be about 10%: of the 20% that "
        "are not masked, half become a random token and half stay as they are",
        case,
    )
    check.expect(
        abs(shares["kept"] - KEEP_SHARE) <= SMALL_SHARE_TOLERANCE,
        "shares",
        f"{shares['kept']:.1%} stayed unchanged; it should be about 10%: of the 20% that are not "
        "masked, half stay as they are",
        case,
    )
    check.done()


# -- exercise 2: nsp_pair -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NspPair:
    """A next-sentence-prediction example: sentence A, sentence B, and whether B is a random one."""

    a: str
    b: str
    is_random_next: bool  # False: B is the sentence that follows A; True: B comes from another document


NSP_DRAWS = 2000  # calls; the random share of a fair coin is then 0.5 ± 0.011 (one standard deviation)
NSP_TOLERANCE = 0.05
#: At least this many different other documents must give a random B (12 of 12 are expected).
NSP_MIN_SOURCES = 6


def _nsp_documents() -> list[list[str]]:
    """12 documents of 3 to 8 sentences; each sentence names its document and place: "doc 3 , sentence 1 ."."""
    sizes = [3, 5, 8, 4, 6, 3, 7, 5, 4, 8, 6, 5]
    return [[f"doc {d} , sentence {s} ." for s in range(size)] for d, size in enumerate(sizes)]


def _where(sentence: Any, documents: Sequence[Sequence[str]]) -> tuple[int, int] | None:
    for d, document in enumerate(documents):
        for s, text in enumerate(document):
            if text == sentence:
                return d, s
    return None


def nsp_pair(documents: list[list[str]], document_index: int, sentence_index: int, rng: random.Random) -> NspPair:
    """bertlib's version of the exercise: the next sentence or, half the time, the start of
    `random_continuation` (another document, from a random sentence), each sentence one segment."""
    a = documents[document_index][sentence_index]
    if rng.random() < 0.5:
        return NspPair(a=a, b=documents[document_index][sentence_index + 1], is_random_next=False)
    segments = [[[sentence] for sentence in document] for document in documents]  # a segment: a list of tokens
    return NspPair(a=a, b=random_continuation(segments, document_index, 1, rng)[0], is_random_next=True)


@exercise_check(fallback=nsp_pair)
def check_nsp_pair(nsp_pair: Callable[[list[list[str]], int, int, random.Random], NspPair]) -> None:
    """nsp_pair(documents, document_index, sentence_index, rng) -> NspPair: A is that sentence; B is the
    next one (is_random_next=False) half the time, else a random sentence of another document (True)."""
    check = Checker("nsp_pair", nsp_pair)
    documents = _nsp_documents()

    case = "document 2, sentence 3, seed 0"
    given = [list(document) for document in documents]
    got = check.call(given, 2, 3, random.Random(0), case=case)
    check.expect(given == documents, "input changed", "do not change the documents you are given", case)
    check.expect(
        isinstance(got, NspPair),
        "type",
        f"return NspPair(a=..., b=..., is_random_next=...), not {type(got).__name__}",
        case,
    )
    check.expect(
        isinstance(got.is_random_next, bool),
        "type",
        f"is_random_next should be True or False, not {got.is_random_next!r}",
        case,
    )
    check.expect(
        got.a == documents[2][3],
        "sentence A",
        f"A should be documents[2][3] = {documents[2][3]!r}, got {got.a!r}",
        case,
    )
    case = "document 2, sentence 3, seeds 0 to 19, twice"
    first = [
        check.call([list(document) for document in documents], 2, 3, random.Random(seed), case=case)
        for seed in range(20)
    ]
    again = [
        check.call([list(document) for document in documents], 2, 3, random.Random(seed), case=case)
        for seed in range(20)
    ]
    check.expect(
        again == first,
        "randomness",
        "the same seed gave two different pairs: draw every random number from `rng` "
        "(rng.random(), rng.randrange(...)), not from the `random` module itself",
        case,
    )

    random_pairs, sources = 0, set()
    draws = random.Random(2018)  # picks the sentence A of every call
    for call in range(NSP_DRAWS):
        d = draws.randrange(len(documents))
        s = draws.randrange(len(documents[d]) - 1)  # a sentence that has a next one
        case = f"call {call + 1} of {NSP_DRAWS}: document {d}, sentence {s}, seed {call}"
        got = check.call([list(document) for document in documents], d, s, random.Random(call), case=case)
        check.expect(isinstance(got, NspPair), "type", "return an NspPair", case)
        check.expect(
            got.a == documents[d][s],
            "sentence A",
            f"A should be documents[{d}][{s}] = {documents[d][s]!r}, got {got.a!r}",
            case,
        )
        place = _where(got.b, documents)
        if place is None:
            check.fail("sentence B", f"B should be one sentence of the documents, got {got.b!r}", case)
        if got.is_random_next:
            check.expect(
                place != (d, s + 1),
                "label",
                f"B is {got.b!r}, the sentence that really follows A, but is_random_next is True; "
                "a B that follows A is labelled False, and a random B (True) comes from ANOTHER "
                "document",
                case,
            )
            check.expect(
                place[0] != d,
                "random B",
                f"B is {got.b!r}, from document {d} itself; a random B must come from ANOTHER "
                "document (a sentence of the same story would often fit, and teach the model "
                "nothing)",
                case,
            )
            random_pairs += 1
            sources.add(place[0])
        else:
            check.expect(
                place[0] == d,
                "label",
                f"B is {got.b!r}, from document {place[0]}, but is_random_next is False; a B from "
                "another document is random: label it is_random_next=True",
                case,
            )
            check.expect(
                place[1] == s + 1,
                "next B",
                f"B is {got.b!r}, but the sentence after A is {documents[d][s + 1]!r}; when B is "
                "not random it must be the very next sentence, documents[d][s + 1]",
                case,
            )

    share = random_pairs / NSP_DRAWS
    case = f"{NSP_DRAWS:,} calls: {random_pairs:,} random B ({share:.1%})"
    check.expect(
        abs(share - 0.5) <= NSP_TOLERANCE,
        "balance",
        f"{share:.1%} of the pairs had a random B; it should be about 50%: flip a fair coin "
        "(rng.random() < 0.5) for every pair",
        case,
    )
    check.expect(
        len(sources) >= NSP_MIN_SOURCES,
        "random B",
        f"the random B came from only {len(sources)} different documents out of {len(documents) - 1} "
        "others; pick the other document at random each time",
        case,
    )
    check.done()
