"""Check for notebook 06's training step (`training_step`, which notebook 07 takes again), and
`compare_with_trainer`, which says whether the notebook's loop, built from the learner's step and
masked-LM loss, trains exactly as bertlib's Trainer does.

The exercise is a simplified version of the Trainer's step (bertlib/training/trainer.py); the check
falls back to bertlib's version while it is not written yet. A wrong step is named by running the
typical mistakes beside the student's: each is `training_step_with(...)` with one switch turned, the
one step function whose defaults are bertlib's version. This module's job ends at the step and the
loop: the loss they minimise is checked in objective.py, the examples they train on in pretraining.py.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import torch
from torch import nn

from bertlib.course.checks.framework import Checker, ExerciseFailed, exercise_check
from bertlib.model import BertForPreTraining
from bertlib.training.checkpoint import seed_everything
from bertlib.training.objectives import PreTrainingObjective
from bertlib.training.pretraining import PretrainData, PretrainRunOptions, model_config
from bertlib.training.trainer import Trainer, TrainingConfig

# -- the exercise: training_step -------------------------------------------------------------------------

#: What a training step is given to compute the loss of a batch: loss_fn(model, batch) -> 0-d tensor.
LossFunction = Callable[[nn.Module, Any], torch.Tensor]


def training_step_with(
    *, zero_grad: bool = True, clip: Literal["norm", "value"] | None = "norm", scheduler_first: bool = False
) -> Callable[..., float]:
    """One optimiser step as bertlib's Trainer takes it (with one micro-batch in one process), or, with
    one switch turned, one of the typical mistakes that check_training_step names: no zero_grad
    (`zero_grad=False`), no clipping (`clip=None`), each value clipped instead of the norm
    (`clip="value"`), or the schedule stepped before the optimiser (`scheduler_first=True`)."""

    def training_step(
        model: nn.Module,
        batch: Any,
        optimizer: torch.optim.Optimizer,
        scheduler: torch.optim.lr_scheduler.LRScheduler,
        max_grad_norm: float,
        loss_fn: LossFunction,
    ) -> float:
        """bertlib's version of the exercise (with every switch at its default): gradients cleared, loss,
        backward, the global gradient norm clipped to `max_grad_norm`, the optimiser's step, then the
        schedule's. Returns the loss before the step."""
        if zero_grad:
            optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model, batch)
        loss.backward()
        if clip == "norm":
            nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        elif clip == "value":
            nn.utils.clip_grad_value_(model.parameters(), max_grad_norm)
        if scheduler_first:
            scheduler.step()  # the mistake: this step would take the next step's learning rate
        optimizer.step()
        if not scheduler_first:
            scheduler.step()
        return loss.item()

    return training_step


training_step = training_step_with()  # bertlib's version of the exercise, the check's fallback

#: (kind, hint, the wrong step): the typical mistakes, named when the student's parameters match one.
_WRONG_STEPS: tuple[tuple[str, str, Callable[..., float]], ...] = (
    (
        "forgot zero_grad",
        "gradients add up across steps: call optimizer.zero_grad() first, before the loss and backward()",
        training_step_with(zero_grad=False),
    ),
    (
        "forgot to clip",
        "clip the gradients' global norm after backward() and before optimizer.step(): "
        "torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)",
        training_step_with(clip=None),
    ),
    (
        "clipped each value instead of the norm",
        "clip_grad_value_ caps every number on its own; BERT scales the whole gradient down to norm "
        "max_grad_norm: torch.nn.utils.clip_grad_norm_",
        training_step_with(clip="value"),
    ),
    (
        "scheduler stepped before the optimizer",
        "the step must use this step's learning rate: optimizer.step() first, then scheduler.step()",
        training_step_with(scheduler_first=True),
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

    def run(self, step: Callable[..., Any]) -> nn.Module:
        """The model after `step` (a mistake's or bertlib's) took every batch."""
        model, optimizer, scheduler, batches = self.setup()
        loss_fn = _Counted(self.scale)
        for batch in batches:
            step(model, batch, optimizer, scheduler, self.max_grad_norm, loss_fn)
        return model


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


def _student_run(check: Checker, step: Callable[..., Any], case: _StepCase) -> nn.Module:
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
    return model


@exercise_check(fallback=training_step)
def check_training_step(training_step: Callable[..., float]) -> None:
    """training_step(model, batch, optimizer, scheduler, max_grad_norm, loss_fn) -> the loss as a float:
    zero the gradients, loss_fn(model, batch), backward, clip the gradient norm, step the optimiser,
    step the schedule."""
    check = Checker("training_step", training_step)
    with warnings.catch_warnings():  # torch warns when the schedule steps first; the message says so instead
        warnings.simplefilter("ignore")
        for case in _STEP_CASES:
            got = _student_run(check, training_step, case)
            want = case.run(training_step_with())  # bertlib's (the parameter hides the module's training_step)
            if _same(got, want):
                continue
            untouched = case.run(lambda *args: 0.0)
            check.expect(
                not _same(got, untouched),
                "no optimizer step",
                "the parameters did not change: call optimizer.step() after backward() (and do not zero "
                "the gradients between backward() and the step)",
                case.name,
            )
            for kind, hint, wrong in _WRONG_STEPS:
                check.expect(not _same(got, case.run(wrong)), kind, hint, case.name)
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
