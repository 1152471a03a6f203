"""The training loop: one optimiser step after another, with everything a real run needs.

`train(model, examples, objective, config)` runs AdamW with linear warm-up and decay, gradient
clipping and accumulation, evaluation and checkpoints on a schedule, bf16 autocast and
torch.compile when asked, and DistributedDataParallel under torchrun. It shows a `tqdm.auto`
progress bar (a widget in a notebook) with the loss, and returns a `History` to plot. Pressing
stop (KeyboardInterrupt) saves a checkpoint and returns the history so far. A loss or gradient
that is not a finite number stops training with `NonFiniteError`, naming the step, before that
step touches the weights or any saved file. `TrainingConfig` checks every field's type and range.

Losses are computed as sums over items (masked tokens, sentences, answers) and divided by the
number of items in the whole step, over every micro-batch and process, *before* backward. So
accumulating micro-batches, or spreading them over processes, gives the gradient and the logged
loss of one big batch. An `Objective` says how to count and sum for its task.

Its job ends at the loop; building models and examples, and what to evaluate, are the callers'.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, cast

import torch
from torch import nn
from tqdm.auto import tqdm

from bertlib.errors import BertlibInputError
from bertlib.model.pretrained import PretrainedModel
from bertlib.tokenization.batch import Batch
from bertlib.training.checkpoint import (
    TrainingState,
    capture_rng,
    check_same_options,
    load_checkpoint_weights,
    read_training_state,
    restore_rng,
    save_checkpoint,
)
from bertlib.training.distributed import ProcessGroup, start_processes, sum_over_processes, wrap_for_processes
from bertlib.training.optim import build_optimizer, build_scheduler
from bertlib.training.sampling import BatchOrder, batch_at

#: Metric name -> value, as an evaluation callback returns them.
Metrics = dict[str, float]
#: The class of the model a run trains (BertForPreTraining, a fine-tuning head...).
ModelT = TypeVar("ModelT", bound=PretrainedModel)
#: Called with the bare model, in eval mode and without gradients; returns held-out metrics.
Evaluate = Callable[[ModelT], Metrics]


@dataclass(frozen=True)
class TrainingConfig:
    """How to train. `batch_size` is the global batch: every micro-batch of every process together."""

    steps: int = 1000  # optimiser steps to take
    batch_size: int = 32  # examples per optimiser step, summed over micro-batches and processes
    lr: float = 1e-3  # peak learning rate, reached at the end of the warm-up
    warmup_steps: int = 0  # steps of linear warm-up from 0; then linear decay to 0 at `steps`
    weight_decay: float = 0.01  # AdamW's decoupled decay, on weight matrices and embeddings only
    max_grad_norm: float | None = 1.0  # clip the global gradient norm to this; None: no clipping
    accumulation_steps: int = 1  # micro-batches whose gradients add up to one step
    eval_every: int = 0  # evaluate every this many steps (0: only after the last step)
    checkpoint_every: int = 0  # save OUT/checkpoint every this many steps (0: only at the end / on stop)
    seed: int = 0  # seeds dropout and the batch order
    device: str = "auto"  # "auto" (CUDA if present), "cpu", "cuda", "cuda:1", ...
    bf16: bool = False  # run forward passes under bfloat16 autocast (fast on recent GPUs)
    compile: bool = False  # torch.compile the model first (pays off on a GPU, for long runs)
    compile_backend: str = "inductor"  # torch.compile's backend ("aot_eager" traces without generating code)
    progress: bool = True  # show a tqdm progress bar (process 0 only)
    print_evaluations: bool = False  # also print each evaluation's metrics as a line (the CLI does)
    description: str | None = None  # the progress bar's label (None: "training")

    def __post_init__(self) -> None:
        """Refuse a setting of the wrong type or range, naming it and the fix."""
        for name, minimum in WHOLE_NUMBERS.items():
            value = getattr(self, name)
            if not is_whole(value) or value < minimum:
                raise BertlibInputError(
                    f"{name}={value!r} ({_flag(name)}) must be a whole number of at least "
                    f"{minimum}{WHOLE_NUMBER_HINTS.get(name, '')}."
                )
        if not is_real(self.lr) or not math.isfinite(self.lr) or self.lr <= 0:
            raise BertlibInputError(f"lr={self.lr!r} (--lr) must be a finite number above 0, e.g. 1e-3.")
        if not is_real(self.weight_decay) or not math.isfinite(self.weight_decay) or self.weight_decay < 0:
            raise BertlibInputError(
                f"weight_decay={self.weight_decay!r} (--weight-decay) must be a finite "
                "number of at least 0 (0: no decay)."
            )
        if self.max_grad_norm is not None and (
            not is_real(self.max_grad_norm) or not math.isfinite(self.max_grad_norm) or self.max_grad_norm <= 0
        ):
            raise BertlibInputError(
                f"max_grad_norm={self.max_grad_norm!r} (--max-grad-norm) must be a finite number above 0; a "
                "negative one would flip the gradients. Turn clipping off with None (on the command line, 0)."
            )
        for name in ("bf16", "compile", "progress", "print_evaluations"):
            if not isinstance(getattr(self, name), bool):
                raise BertlibInputError(f"{name}={getattr(self, name)!r} must be True or False.")
        for name in ("device", "compile_backend"):
            if not isinstance(getattr(self, name), str):
                raise BertlibInputError(
                    f"{name}={getattr(self, name)!r} must be a string, e.g. {name}='cpu'."
                    if name == "device"
                    else f"{name}={getattr(self, name)!r} must be a string."
                )
        if self.description is not None and not isinstance(self.description, str):
            raise BertlibInputError(f"description={self.description!r} must be a string or None.")
        if self.batch_size % self.accumulation_steps:
            raise BertlibInputError(
                f"batch_size={self.batch_size} (--batch-size) is not divisible by accumulation_steps="
                f"{self.accumulation_steps} (--accumulation-steps); each micro-batch must be the same size."
            )
        if self.warmup_steps > self.steps:
            raise BertlibInputError(
                f"warmup_steps={self.warmup_steps} (--warmup-steps) is longer than the run "
                f"(steps={self.steps}, --steps); use at most {self.steps}."
            )

    def labelled(self, description: str) -> TrainingConfig:
        """This config, with `description` as the progress bar's label unless it already has one."""
        return self if self.description else replace(self, description=description)


#: TrainingConfig's whole-number fields and their smallest values.
WHOLE_NUMBERS = {
    "steps": 1,
    "batch_size": 1,
    "warmup_steps": 0,
    "accumulation_steps": 1,
    "eval_every": 0,
    "checkpoint_every": 0,
    "seed": 0,
}
WHOLE_NUMBER_HINTS = {
    "eval_every": " (0: evaluate only after the last step)",
    "checkpoint_every": " (0: save only at the end and on Ctrl-C)",
}
#: The TrainingConfig fields a resumed run must share with the run it continues.
RESUMED_FIELDS = (
    "steps",
    "batch_size",
    "lr",
    "warmup_steps",
    "weight_decay",
    "max_grad_norm",
    "accumulation_steps",
    "seed",
    "bf16",
)


def is_whole(value: Any) -> bool:
    """An integer (Python's or numpy's), but not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value: Any) -> bool:
    """A real number (int or float, Python's or numpy's), but not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def plain(value: Any) -> Any:
    """A recorded option as a plain Python value (numpy numbers and paths are not safe to unpickle)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if is_whole(value):
        return int(value)
    if is_real(value):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return str(value)


def resume_options(config: TrainingConfig, run_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The options a checkpoint records and a resume must repeat: the config's RESUMED_FIELDS and
    the caller's own (the model and data options)."""
    return {
        name: plain(value)
        for name, value in {**{name: getattr(config, name) for name in RESUMED_FIELDS}, **(run_options or {})}.items()
    }


class NonFiniteError(BertlibInputError):
    """The loss or the gradient stopped being a finite number: training diverged."""


class Objective(Protocol):
    """A task's loss, as sums over items and counts of items, one entry per named term.

    The trained loss is Σ_terms (sum over the whole step) / (count over the whole step). `batch` is
    the task's `bertlib.tokenization.Batch` subclass (typed Any: each objective reads its own labels).
    """

    @property
    def terms(self) -> tuple[str, ...]:
        """Names of the loss terms, e.g. ("mlm", "nsp"); read-only, so a fixed-size tuple fits."""

    def counts(self, batch: Any) -> torch.Tensor:
        """(K,) float: how many items each term averages over in this batch (from the labels alone)."""

    def sums(self, model: nn.Module, batch: Any) -> torch.Tensor:
        """(K,) the summed loss of each term over this batch's items, with gradients."""


@dataclass
class Evaluation:
    """The held-out metrics after some optimiser steps."""

    step: int  # optimiser steps completed when it was taken
    metrics: Metrics


@dataclass
class History:
    """What happened, step by step: ready to plot (`plt.plot(h.steps, h.loss)`)."""

    terms: tuple[str, ...] = ()  # the loss terms, the keys of `parts`
    steps: list[int] = field(default_factory=list)  # 1, 2, ...: steps completed
    loss: list[float] = field(default_factory=list)  # total loss of each step (sum of the terms)
    parts: dict[str, list[float]] = field(default_factory=dict)  # each term's loss per step
    lr: list[float] = field(default_factory=list)  # the learning rate each step used
    evaluations: list[Evaluation] = field(default_factory=list)
    interrupted: bool = False  # stopped by KeyboardInterrupt before the last step
    checkpoint: str | None = None  # the last checkpoint written, if any
    seconds: float = 0.0  # wall time spent training (this session only)

    def record(self, step: int, terms: torch.Tensor, lr: float) -> None:
        """Append one step's loss terms and learning rate."""
        values = terms.tolist()
        self.steps.append(step)
        self.loss.append(sum(values))
        for name, value in zip(self.terms, values, strict=True):
            self.parts.setdefault(name, []).append(value)
        self.lr.append(lr)

    def metric(self, name: str) -> list[float]:
        """One metric over the evaluations, in step order (pair with `evaluation_steps`)."""
        return [e.metrics[name] for e in self.evaluations]

    @property
    def evaluation_steps(self) -> list[int]:
        """The steps the evaluations were taken at."""
        return [e.step for e in self.evaluations]

    @property
    def final_metrics(self) -> Metrics:
        """The last evaluation's metrics ({} if there was none)."""
        return self.evaluations[-1].metrics if self.evaluations else {}

    def to_dict(self) -> dict[str, Any]:
        """The history as JSON-ready data (history.json)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """A history read back from `to_dict`'s data."""
        data = dict(data, terms=tuple(data["terms"]), evaluations=[Evaluation(**e) for e in data["evaluations"]])
        return cls(**data)


class Trainer(Generic[ModelT]):
    """One training run. Build it, then `run()`; `train()` does both."""

    def __init__(
        self,
        model: ModelT,
        examples: Batch,
        objective: Objective,
        config: TrainingConfig,
        *,
        evaluate: Evaluate[ModelT] | None = None,
        out_dir: str | Path | None = None,
        resume_from: str | Path | None = None,
        group: ProcessGroup | None = None,
        run_options: dict[str, Any] | None = None,
    ):
        """Set up the model, its optimiser and schedule, the batch order and (with `resume_from`) the saved state."""
        self.config, self.objective, self.examples, self.evaluate = config, objective, examples, evaluate
        self.run_options = resume_options(config, run_options)  # recorded in checkpoints, checked on resume
        self.group = group or start_processes(config.device)
        self.out_dir = Path(out_dir) if out_dir is not None else None
        if self.out_dir is not None and self.out_dir.exists() and not self.out_dir.is_dir():
            raise BertlibInputError(
                f"out_dir={str(self.out_dir)!r} (--out) is a file, not a folder; checkpoints "
                "could not be saved there. Give a folder (it is made if missing)."
            )
        self.model = model.to(self.group.device)
        self.optimizer = build_optimizer(self.model, config.lr, config.weight_decay, fused=model.config.fast_path)
        self.scheduler = build_scheduler(self.optimizer, config.warmup_steps, config.steps)
        self.order = BatchOrder(
            len(examples),
            config.batch_size // config.accumulation_steps,
            config.seed,
            self.group.rank,
            self.group.world_size,
        )
        self.history = History(terms=tuple(objective.terms))
        self.step = 0
        torch.manual_seed(config.seed)  # dropout's stream, whatever drew from torch before
        if resume_from is not None:
            self._resume(Path(resume_from))
        self.ddp_model = wrap_for_processes(self.model, self.group)  # the model itself in one process
        self.forward_model = self.ddp_model
        if config.compile:  # on a Module, torch.compile returns an OptimizedModule: a Module too
            self.forward_model = cast(nn.Module, torch.compile(self.ddp_model, backend=config.compile_backend))

    # -- the loop ------------------------------------------------------------------------------------

    def run(self, until: int | None = None) -> History:
        """Train to `config.steps`; on KeyboardInterrupt, save a checkpoint and return early.

        `until` stops after that many steps of the same schedule, without the final evaluation (to
        look at the start of a run, as notebook 06 compares a learner's loop with it); `run()` again
        goes on from there."""
        last = self.config.steps if until is None else min(until, self.config.steps)
        started = time.perf_counter()
        self.model.train()
        rng_at_step_start = capture_rng()
        with self._progress_bar() as bar:
            try:
                while self.step < last:
                    rng_at_step_start = capture_rng()
                    terms = self._train_step()
                    bar.update(1)
                    bar.set_postfix(loss=f"{sum(terms.tolist()):.3f}", refresh=False)
                    self._on_schedule()
            except KeyboardInterrupt:
                restore_rng(rng_at_step_start)  # the unfinished step will be redone from here
                self._stop_early()
        self.history.seconds += time.perf_counter() - started
        if not self.history.interrupted and self.step == self.config.steps:
            self._finish()
        return self.history

    def _train_step(self) -> torch.Tensor:
        """One optimiser step over `accumulation_steps` micro-batches; returns each term's loss."""
        first = self.step * self.config.accumulation_steps
        batches = [self._batch(first + k) for k in range(self.config.accumulation_steps)]
        per_batch = [self.objective.counts(b) for b in batches]  # accumulation_steps >= 1 of them
        counts = sum_over_processes(sum(per_batch[1:], start=per_batch[0])).clamp(min=1)
        summed = torch.zeros_like(counts)
        for k, batch in enumerate(batches):
            with self._sync_gradients(k == len(batches) - 1), self._autocast():
                sums = self.objective.sums(self.forward_model, batch).float()
            # DDP averages gradients over processes, so each scales its share by world_size.
            ((sums / counts).sum() * self.group.world_size).backward()
            summed += sums.detach()
        terms = sum_over_processes(summed) / counts
        norm = self._gradient_norm()
        if not (bool(torch.isfinite(terms).all()) and bool(torch.isfinite(norm))):
            self.optimizer.zero_grad(set_to_none=True)
            raise NonFiniteError(self._divergence_message(terms, float(norm)))
        lr = float(self.scheduler.get_last_lr()[0])  # a float already: the optimiser's lr is not a tensor
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        self.history.record(self.step, terms, lr)
        return terms

    def _gradient_norm(self) -> torch.Tensor:
        """The global gradient norm, clipped to max_grad_norm when it is set (the norm before clipping)."""
        if self.config.max_grad_norm is not None:
            return nn.utils.clip_grad_norm_(self.model.parameters(), self.config.max_grad_norm)
        return nn.utils.get_total_norm([p.grad for p in self.model.parameters() if p.grad is not None])

    def _divergence_message(self, terms: torch.Tensor, norm: float) -> str:
        parts = ", ".join(f"{name} {value:.4g}" for name, value in zip(self.history.terms, terms.tolist(), strict=True))
        what = (
            f"the loss is not a finite number ({parts})"
            if not bool(torch.isfinite(terms).all())
            else f"the gradient norm is {norm} (loss: {parts})"
        )
        kept = (
            f"the last checkpoint, {self.history.checkpoint}, is untouched"
            if self.history.checkpoint
            else "no checkpoint had been saved"
        )
        return (
            f"Training diverged at step {self.step + 1} of {self.config.steps}: {what}. That step was not "
            f"applied and nothing was saved; {kept}. Lower the learning rate (--lr, now "
            f"{self.config.lr:g}), keep gradient clipping on (--max-grad-norm 1.0), or look for bad "
            "values in the data."
        )

    def _batch(self, position: int) -> Batch:
        return batch_at(self.examples, self.order, position).to(self.group.device, non_blocking=True)

    def _on_schedule(self) -> None:
        last = self.step == self.config.steps
        if self.config.eval_every and self.step % self.config.eval_every == 0 and not last:
            self._evaluate()
        if self.config.checkpoint_every and self.step % self.config.checkpoint_every == 0 and not last:
            self.save()

    def _finish(self) -> None:
        self._evaluate()
        if self.out_dir is not None:
            self.save()

    def _stop_early(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        self.history.interrupted = True
        where = self.save(self.out_dir or Path("runs") / "interrupted")
        if self.group.is_main:
            tqdm.write(
                f"Stopped at step {self.step} of {self.config.steps}. Saved a checkpoint to {where}; "
                f"the returned history covers the {self.step} steps done. To go on, resume from it "
                f"(Python: resume_from={str(where)!r}; command line: --resume {where})."
            )

    # -- evaluation and checkpoints ---------------------------------------------------------------

    def _evaluate(self) -> None:
        if self.evaluate is None or not self.group.is_main:
            return
        self.model.eval()
        with torch.no_grad(), self._autocast():
            metrics = self.evaluate(self.model)
        self.model.train()
        self.history.evaluations.append(Evaluation(self.step, metrics))
        if self.config.print_evaluations:
            tqdm.write(f"step {self.step}: " + ", ".join(f"{name} {value:.4f}" for name, value in metrics.items()))

    def save(self, out_dir: Path | None = None) -> Path | None:
        """Write OUT/checkpoint (process 0 only); returns its path."""
        out_dir = out_dir or self.out_dir
        if out_dir is None:
            return None
        path = Path(out_dir) / "checkpoint"
        if self.group.is_main:
            self.history.checkpoint = str(path)
            state = TrainingState(
                step=self.step,
                data_position=self.step * self.config.accumulation_steps,
                optimizer=self.optimizer.state_dict(),
                scheduler=self.scheduler.state_dict(),
                history=self.history.to_dict(),
                options=self.run_options,
            )
            save_checkpoint(path, self.model, state)  # the bare model: only ddp_model is wrapped
        return path

    def _resume(self, path: Path) -> None:
        state = read_training_state(path)
        if state.options:  # compared before the weights: other options are the likelier mistake
            check_same_options(path, state.options, self.run_options)
        saved_total = state.scheduler["lr_lambdas"][0]["total_steps"]
        if saved_total != self.config.steps:
            raise ValueError(
                f"{path} belongs to a run of {saved_total} steps, but this run asks for "
                f"{self.config.steps}; resume with the same number of steps (--steps {saved_total})."
            )
        if state.data_position != state.step * self.config.accumulation_steps:
            raise ValueError(f"{path} was trained with another accumulation_steps; resume with the same one.")
        load_checkpoint_weights(path, self.model)
        self.optimizer.load_state_dict(state.optimizer)
        self.scheduler.load_state_dict(state.scheduler)
        restore_rng(state.rng)
        self.history = History.from_dict(state.history)
        self.history.interrupted = False  # this session goes on to the end (unless stopped again)
        self.step = state.step

    # -- contexts --------------------------------------------------------------------------------

    def _autocast(self) -> contextlib.AbstractContextManager:
        return torch.autocast(device_type=self.group.device.type, dtype=torch.bfloat16, enabled=self.config.bf16)

    def _sync_gradients(self, sync: bool) -> contextlib.AbstractContextManager:
        """DDP averages gradients after every backward unless told not to: only the last
        micro-batch of a step needs it."""
        if sync or not isinstance(self.ddp_model, nn.parallel.DistributedDataParallel):  # one process
            return contextlib.nullcontext()
        return self.ddp_model.no_sync()

    def _progress_bar(self) -> tqdm:
        return tqdm(
            total=self.config.steps,
            initial=self.step,
            desc=self.config.description or "training",
            disable=not (self.config.progress and self.group.is_main),
            leave=True,
        )


def train(*args: Any, **kwargs: Any) -> History:
    """`Trainer(*args, **kwargs).run()`: build a run and take it to its end, in one call.

    It takes Trainer's arguments (model, examples, objective, config, evaluate=, out_dir=,
    resume_from=, ...), passed on unchanged, and returns the History.
    """
    return Trainer(*args, **kwargs).run()
