"""Checks for notebook 06's exercises: BERT's 80/10/10 masking, sampling a next-sentence pair, the
masked-LM loss and one training step; and the check that the notebook's loop trains as Trainer does.

The first two exercises are random, so their checks are statistical: they call the student's
function many times with seeded `random.Random`s and compare the shares they see with the ones the
recipe asks for, with a tolerance of about five standard deviations (a right answer passes whatever
its order of draws; 60/20/20 or always-[MASK] cannot). The cases are synthetic, so that every token
and every sentence says where it came from.

The exercises are simplified versions of bertlib's `masked_lm_predictions`/`replacement`,
`instances_from_document`/`random_continuation` (bertlib/data/pretraining.py), the heads' loss
(`classification_loss`) and the Trainer's step (bertlib/training/trainer.py); each check falls back
to bertlib's version while the exercise is not written yet. `NspPair`, the result of the second,
lives here because only the exercise needs it. Its job ends at judging.
"""

from __future__ import annotations

import copy
import random
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from bertlib.course.checks.framework import Checker, ExerciseFailed, exercise_check
from bertlib.data.pretraining import random_continuation, replacement
from bertlib.model import BertForPreTraining
from bertlib.model.heads import classification_loss
from bertlib.tokenization.batch import IGNORE_INDEX
from bertlib.tokenization.wordpiece import MASK
from bertlib.training.checkpoint import seed_everything
from bertlib.training.objectives import PreTrainingObjective
from bertlib.training.pretraining import PretrainData, PretrainRunOptions, model_config
from bertlib.training.trainer import Trainer, TrainingConfig

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


# -- exercise 3: mlm_loss -----------------------------------------------------------------------------

EVERY_POSITION = "loss over every position instead of only the masked ones"


def mlm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """bertlib's version of the exercise: the heads' `classification_loss`, the mean cross-entropy
    over the labels that are not IGNORE_INDEX (-100)."""
    return classification_loss(logits, labels, "labels")


@dataclass(frozen=True)
class _WrongLoss:
    """A typical wrong masked-LM loss: its name (the message's kind), what it computes, and the fix."""

    kind: str
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    hint: str


def _summed(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    flat = logits.reshape(-1, logits.shape[-1])  # (B*T, V)
    return F.cross_entropy(flat, labels.reshape(-1), ignore_index=IGNORE_INDEX, reduction="sum")


_WRONG_LOSSES = (
    _WrongLoss(
        EVERY_POSITION,
        lambda logits, labels: F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.clamp(min=0).reshape(-1)),
        "the positions labelled -100 (IGNORE_INDEX) were not masked and take no part: leave them out "
        "(F.cross_entropy(..., ignore_index=IGNORE_INDEX))",
    ),
    _WrongLoss(
        EVERY_POSITION,
        lambda logits, labels: _summed(logits, labels) / labels.numel(),
        "you averaged over all B*T positions; divide by the number of masked positions (labels != -100) only",
    ),
    _WrongLoss(
        "wrong reduction (sum instead of mean)",
        _summed,
        "that is the sum over the masked positions; BERT's loss is their mean (reduction='mean')",
    ),
    _WrongLoss(
        "classes on the wrong axis",
        lambda logits, labels: F.cross_entropy(logits, labels, ignore_index=IGNORE_INDEX),
        "F.cross_entropy reads the classes from dim 1, which here is T: flatten to logits (B*T, V) and labels (B*T,)",
    ),
)


def _loss_cases(generator: torch.Generator) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    """(case, logits (B, T, V), labels (B, T)): T == V first (so that classes on the wrong axis give a
    value to name rather than an error), then a few masked positions, then a row with none."""
    cases = []
    for batch, length, vocabulary, masked in [(2, 7, 7, 5), (2, 6, 11, 4), (3, 5, 9, 3)]:
        logits = torch.randn(batch, length, vocabulary, generator=generator) * 3  # (B, T, V)
        labels = torch.full((batch, length), IGNORE_INDEX)
        for row in range(batch - (1 if batch == 3 else 0)):  # with B = 3 the last row masks nothing
            positions = torch.randperm(length, generator=generator)[: min(masked, length)]
            labels[row, positions] = torch.randint(vocabulary, (len(positions),), generator=generator)
        what = "a row with nothing masked" if batch == 3 else "T == V" if length == vocabulary else "a few masked"
        cases.append(
            (
                f"logits {(batch, length, vocabulary)}, {int((labels != IGNORE_INDEX).sum())} masked: {what}",
                logits,
                labels,
            )
        )
    return cases


@exercise_check(fallback=mlm_loss)
def check_mlm_loss(mlm_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """mlm_loss(logits (B, T, V), labels (B, T)) -> the mean cross-entropy over the positions whose
    label is not IGNORE_INDEX (-100), a 0-d tensor with a gradient."""
    check = Checker("mlm_loss", mlm_loss)
    for case, logits, labels in _loss_cases(torch.Generator().manual_seed(0)):
        given = logits.clone().requires_grad_(True)
        got = check.call(given, labels.clone(), case=case)
        check.expect_tensor_kind(got, (), case)
        want = classification_loss(logits, labels)
        check.expect(
            got.dim() == 0,
            "shape",
            f"it returned shape {tuple(got.shape)}: one loss per position (reduction='none'?); return one "
            "number, the mean over the masked positions",
            case,
        )
        check.expect(
            got.requires_grad,
            "no gradient",
            "the loss has no gradient: keep it a tensor computed from the logits (no .item(), .detach() or "
            "torch.tensor(...) around it), so that backward() can reach the model",
            case,
        )
        error = abs(float(got.detach()) - float(want))
        if error > 1e-5:
            for wrong in _WRONG_LOSSES:
                if abs(float(got.detach()) - float(wrong.loss(logits, labels))) <= 1e-5:
                    check.fail(
                        wrong.kind, f"got {float(got.detach()):.4f}, expected {float(want):.4f}: {wrong.hint}", case
                    )
        check.expect_close(
            got, want, case, hint="the mean of -log softmax(logits)[label] over the positions whose label is not -100"
        )
    check.done()


# -- exercise 4: training_step --------------------------------------------------------------------------

#: What a training step is given to compute the loss of a batch: loss_fn(model, batch) -> 0-d tensor.
LossFunction = Callable[[nn.Module, Any], torch.Tensor]


def training_step(
    model: nn.Module,
    batch: Any,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    max_grad_norm: float,
    loss_fn: LossFunction,
) -> float:
    """bertlib's version of the exercise: one optimiser step as bertlib's Trainer takes it (with one
    micro-batch in one process): gradients cleared, loss, backward, the global gradient norm clipped
    to `max_grad_norm`, the optimiser's step, then the schedule's. Returns the loss before the step."""
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model, batch)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    scheduler.step()
    return loss.item()


_bertlib_training_step = training_step  # the check's parameter takes the name inside check_training_step


def _without_zero_grad(model, batch, optimizer, scheduler, max_grad_norm, loss_fn):
    loss = loss_fn(model, batch)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    scheduler.step()
    return loss.item()


def _without_clipping(model, batch, optimizer, scheduler, max_grad_norm, loss_fn):
    optimizer.zero_grad()
    loss = loss_fn(model, batch)
    loss.backward()
    optimizer.step()
    scheduler.step()
    return loss.item()


def _clipping_values(model, batch, optimizer, scheduler, max_grad_norm, loss_fn):
    optimizer.zero_grad()
    loss = loss_fn(model, batch)
    loss.backward()
    nn.utils.clip_grad_value_(model.parameters(), max_grad_norm)
    optimizer.step()
    scheduler.step()
    return loss.item()


def _scheduler_first(model, batch, optimizer, scheduler, max_grad_norm, loss_fn):
    optimizer.zero_grad()
    loss = loss_fn(model, batch)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    scheduler.step()
    optimizer.step()
    return loss.item()


#: (kind, hint, the wrong step): the typical mistakes, named when the student's parameters match one.
_WRONG_STEPS: tuple[tuple[str, str, Callable[..., float]], ...] = (
    (
        "forgot zero_grad",
        "gradients add up across steps: call optimizer.zero_grad() first, before the loss and backward()",
        _without_zero_grad,
    ),
    (
        "forgot to clip",
        "clip the gradients' global norm after backward() and before optimizer.step(): "
        "torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)",
        _without_clipping,
    ),
    (
        "clipped each value instead of the norm",
        "clip_grad_value_ caps every number on its own; BERT scales the whole gradient down to norm "
        "max_grad_norm: torch.nn.utils.clip_grad_norm_",
        _clipping_values,
    ),
    (
        "scheduler stepped before the optimizer",
        "the step must use this step's learning rate: optimizer.step() first, then scheduler.step()",
        _scheduler_first,
    ),
)


class _Counted:
    """loss_fn for the cases: a squared error, counting its calls and the backward passes through it."""

    def __init__(self, scale: float):
        self.scale, self.calls, self.backwards = scale, 0, 0

    def __call__(self, model: nn.Module, batch: Any) -> torch.Tensor:
        self.calls += 1
        loss = self.scale * ((model(batch.inputs) - batch.targets) ** 2).mean()
        if loss.requires_grad:
            loss.register_hook(self._count)
        return loss

    def _count(self, gradient: torch.Tensor) -> None:
        self.backwards += 1


@dataclass(frozen=True)
class _StepCase:
    """One case of check_training_step: a fresh model, optimiser and schedule, and the batches to step through."""

    name: str
    scale: float  # multiplies the loss: a large one makes a gradient norm far above max_grad_norm
    max_grad_norm: float
    steps: int
    stale_gradients: bool  # the model starts with gradients left over from elsewhere

    def setup(self) -> tuple[nn.Module, torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR, list[Any]]:
        generator = torch.Generator().manual_seed(len(self.name))
        model = nn.Linear(3, 2)
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator))
                if self.stale_gradients:
                    parameter.grad = torch.randn(parameter.shape, generator=generator) * 5
        # Plain SGD, so that the size of the gradient shows in the step (Adam's first step would hide
        # clipping), and a schedule whose factor halves at each step, so that its order shows.
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 / (1 + step))
        batches = [
            _ToyBatch(torch.randn(4, 3, generator=generator), torch.randn(4, 2, generator=generator) * 3)
            for _ in range(self.steps)
        ]
        return model, optimizer, scheduler, batches

    def run(self, step: Callable[..., float]) -> tuple[nn.Module, list[float]]:
        """The model after `step` took every batch, and the losses it returned (a mistake's or bertlib's)."""
        model, optimizer, scheduler, batches = self.setup()
        loss_fn = _Counted(self.scale)
        losses = [step(model, batch, optimizer, scheduler, self.max_grad_norm, loss_fn) for batch in batches]
        return model, losses


@dataclass(frozen=True)
class _ToyBatch:
    inputs: torch.Tensor  # (4, 3)
    targets: torch.Tensor  # (4, 2)


_STEP_CASES = (
    _StepCase("one step, gradient norm far above max_grad_norm=1", 20.0, 1.0, 1, False),
    _StepCase("two steps in a row, gradient norm far above max_grad_norm=1", 20.0, 1.0, 2, False),
    _StepCase(
        "three steps, gradients left over from before, max_grad_norm=100 (no clipping needed)", 1.0, 100.0, 3, True
    ),
)


def _parameters(model: nn.Module) -> torch.Tensor:
    return torch.cat([parameter.detach().flatten() for parameter in model.parameters()])


def _same(a: nn.Module, b: nn.Module) -> bool:
    return bool(torch.allclose(_parameters(a), _parameters(b), rtol=0.0, atol=1e-6))


def _student_run(check: Checker, step: Callable[..., Any], case: _StepCase) -> tuple[nn.Module, _Counted]:
    """Run the student's step through the case's batches, judging what each call returns and does."""
    model, optimizer, scheduler, batches = case.setup()
    loss_fn = _Counted(case.scale)
    for number, batch in enumerate(batches, start=1):
        where = f"{case.name}; step {number}"
        before = copy.deepcopy(model)
        want = loss_fn(before, batch).item()
        loss_fn.calls, loss_fn.backwards = 0, 0
        try:
            got = check.call(model, batch, optimizer, scheduler, case.max_grad_norm, loss_fn, case=where)
        except ExerciseFailed as failed:
            if "backward through the graph a second time" in str(failed):
                check.fail(
                    "called backward twice",
                    "loss.backward() once per step: a second call finds the graph already freed",
                    where,
                )
            raise
        check.expect(
            loss_fn.calls == 1,
            "loss computed more than once" if loss_fn.calls > 1 else "no loss",
            f"loss_fn was called {loss_fn.calls} times; call it once per step, keep the result, "
            "call backward() on it and return its .item()",
            where,
        )
        check.expect(
            loss_fn.backwards == 1,
            "called backward twice" if loss_fn.backwards > 1 else "no backward",
            f"backward reached the loss {loss_fn.backwards} times; call loss.backward() exactly once per step",
            where,
        )
        check.expect(
            isinstance(got, float),
            "type",
            f"return the loss as a Python float (loss.item()), not {type(got).__name__}: a tensor would keep "
            "the step's whole graph alive",
            where,
        )
        check.expect(
            abs(got - want) <= 1e-5,
            "returned loss",
            f"returned {got:.5f}, but the loss of this batch before the step is {want:.5f}; return the loss "
            "you called backward() on",
            where,
        )
        check.expect(
            scheduler.last_epoch == number,
            "scheduler not stepped" if scheduler.last_epoch < number else "scheduler stepped twice",
            f"after {number} step(s) the schedule has taken {scheduler.last_epoch}; call scheduler.step() once, "
            "after optimizer.step()",
            where,
        )
    return model, loss_fn


@exercise_check(fallback=training_step)
def check_training_step(training_step: Callable[..., float]) -> None:
    """training_step(model, batch, optimizer, scheduler, max_grad_norm, loss_fn) -> the loss as a float:
    zero the gradients, loss_fn(model, batch), backward, clip the gradient norm, step the optimiser,
    step the schedule."""
    check = Checker("training_step", training_step)
    with warnings.catch_warnings():  # torch warns when the schedule steps first; the message says so instead
        warnings.simplefilter("ignore")
        for case in _STEP_CASES:
            got, _ = _student_run(check, training_step, case)
            want, _ = case.run(_bertlib_training_step)
            if _same(got, want):
                continue
            untouched, _ = case.run(lambda *args: 0.0)
            check.expect(
                not _same(got, untouched),
                "no optimizer step",
                "the parameters did not change: call optimizer.step() after backward() (and do not zero "
                "the gradients between backward() and the step)",
                case.name,
            )
            for kind, hint, wrong in _WRONG_STEPS:
                check.expect(not _same(got, case.run(wrong)[0]), kind, hint, case.name)
            error = (_parameters(got) - _parameters(want)).abs().max().item()
            check.fail(
                "values",
                f"after the step(s) the parameters differ from the right ones by up to {error:.3g}: zero_grad, "
                "loss, backward, clip_grad_norm_, optimizer.step(), scheduler.step(), in that order",
                case.name,
            )
    check.done()


# -- the notebook's loop against bertlib's Trainer --------------------------------------------------------

#: How many first steps compare_with_trainer compares, and how close their losses must be.
LOOP_STEPS = 50
LOOP_TOLERANCE = 1e-5


@dataclass(frozen=True)
class LoopComparison:
    """The learner's first losses beside Trainer's, and the largest difference between them."""

    steps: int
    largest_difference: float
    learner: list[float]
    trainer: list[float]


def trainer_losses(data: PretrainData, options: PretrainRunOptions, config: TrainingConfig, steps: int) -> list[float]:
    """The losses of the first `steps` steps of bertlib's Trainer on `data`, with `config`'s seed and
    schedule: the model built as `pretrain` builds it."""
    seed_everything(config.seed)
    model = BertForPreTraining(model_config(options, len(data.tokenizer.vocab)))
    trainer = Trainer(model, data.train, PreTrainingObjective(), replace(config, progress=False))
    return trainer.run(until=steps).loss


def compare_with_trainer(
    losses: Sequence[float],
    data: PretrainData,
    options: PretrainRunOptions,
    config: TrainingConfig,
    steps: int = LOOP_STEPS,
) -> LoopComparison:
    """Compare the first `steps` losses of a pre-training loop (the notebook's, with the learner's
    training_step and mlm_loss) with bertlib's Trainer run on the same data, options and config.

    Not an exercise's check (the loop is given code, with no bertlib version to fall back to, so it is not
    a `check_*`): it prints the largest difference when every loss is within LOOP_TOLERANCE, and raises
    ExerciseFailed naming the first step that is not.
    """
    if len(losses) < steps:
        raise ExerciseFailed(
            f"training loop: it recorded {len(losses)} losses; the comparison needs the first {steps}."
        )
    want = trainer_losses(data, options, config, steps)
    got = [float(loss) for loss in losses[:steps]]
    differences = [abs(a - b) for a, b in zip(got, want, strict=True)]
    comparison = LoopComparison(steps, max(differences), got, want)
    bad = next((i for i, difference in enumerate(differences) if not difference <= LOOP_TOLERANCE), None)
    if bad is not None:
        hint = (
            "the very first loss differs, before any step: build the model, its seed and the loss as Trainer does"
            if bad == 0
            else "the first steps agree, then they part: look at the order in training_step (zero_grad, loss, "
            "backward, clip, optimizer.step, scheduler.step) and at the batches' order"
        )
        raise ExerciseFailed(
            f"training loop — values: at step {bad + 1} the loop's loss is {got[bad]:.6f}, "
            f"Trainer's is {want[bad]:.6f} (allowed difference {LOOP_TOLERANCE:g}); {hint}."
        )
    print(
        f"✔ training loop: over the first {steps} steps the loop's losses equal bertlib's Trainer's; the largest "
        f"difference is {comparison.largest_difference:.1e} (allowed {LOOP_TOLERANCE:g})."
    )
    return comparison
