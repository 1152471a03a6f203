"""Notebook 06's training checks pass right answers, name typical mistakes, and the notebook's loop
built from the learner's mlm_loss and training_step equals bertlib's Trainer step for step.

The wrong steps the check itself simulates come from bertlib (`training_step_with`, one switch
turned); the others are bertlib's right step with one part changed around it."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from bertlib.course.checks import ExerciseFailed, check_mlm_loss, check_training_step, compare_with_trainer
from bertlib.course.checks.objective import mlm_loss
from bertlib.course.checks.training_loop import training_step, training_step_with
from bertlib.model import BertForPreTraining
from bertlib.tokenization import IGNORE_INDEX
from bertlib.training.checkpoint import seed_everything
from bertlib.training.optim import build_optimizer, build_scheduler
from bertlib.training.pretraining import PretrainRunOptions, model_config, pretraining_data
from bertlib.training.sampling import BatchOrder, batch_at
from bertlib.training.trainer import TrainingConfig

# -- mlm_loss ---------------------------------------------------------------------------------------


def right_mlm_loss(logits, labels):
    """The notebook's solution."""
    vocabulary = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, vocabulary), labels.reshape(-1), ignore_index=IGNORE_INDEX)


def manual_mlm_loss(logits, labels):
    """Another right answer, written out: -log softmax at the label, averaged over the labelled positions."""
    scored = labels != IGNORE_INDEX
    log_probabilities = logits.log_softmax(dim=-1)[scored]  # (M, V)
    return -log_probabilities.gather(1, labels[scored][:, None]).mean()


def test_right_mlm_losses_pass(capsys):
    assert check_mlm_loss(right_mlm_loss) is right_mlm_loss
    assert check_mlm_loss(manual_mlm_loss) is manual_mlm_loss
    assert capsys.readouterr().out.count("✔ mlm_loss: all 3 cases pass.") == 2


def flat(logits):
    return logits.reshape(-1, logits.shape[-1])


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            lambda logits, labels: F.cross_entropy(flat(logits), labels.clamp(min=0).reshape(-1)),
            "loss over every position instead of only the masked ones: .*IGNORE_INDEX",
        ),
        (
            lambda logits, labels: F.cross_entropy(flat(logits), labels.reshape(-1), reduction="sum") / labels.numel(),
            "loss over every position instead of only the masked ones: .*averaged over all B\\*T positions",
        ),
        (
            lambda logits, labels: F.cross_entropy(flat(logits), labels.reshape(-1), reduction="sum"),
            r"wrong reduction \(sum instead of mean\)",
        ),
        (lambda logits, labels: F.cross_entropy(logits, labels), "classes on the wrong axis"),
        (
            lambda logits, labels: F.cross_entropy(flat(logits), labels.reshape(-1), reduction="none"),
            r"shape: it returned shape \(14,\)",
        ),
        (lambda logits, labels: torch.tensor(right_mlm_loss(logits, labels).item()), "no gradient"),
        (lambda logits, labels: right_mlm_loss(logits, labels).item(), "type"),
    ],
    ids=["every-position", "divided-by-all", "sum", "wrong-axis", "per-position", "detached", "float"],
)
def test_mlm_loss_mistakes_are_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check_mlm_loss(wrong)


# -- training_step ------------------------------------------------------------------------------------


def right_step(model, batch, optimizer, scheduler, max_grad_norm, loss_fn):
    """The notebook's solution."""
    optimizer.zero_grad()
    loss = loss_fn(model, batch)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    scheduler.step()
    return loss.item()


def test_right_step_passes(capsys):
    assert check_training_step(right_step) is right_step
    assert "✔ training_step: all 6 cases pass." in capsys.readouterr().out


def with_parts(*, optimizer=None, scheduler=None, loss_fn=None):
    """bertlib's right step handed a changed optimiser, schedule or loss_fn (each built from the real
    one): a mistake in how the step uses that part."""

    def step(model, batch, real_optimizer, real_scheduler, max_grad_norm, real_loss_fn):
        return training_step(
            model,
            batch,
            optimizer(real_optimizer) if optimizer else real_optimizer,
            scheduler(real_scheduler) if scheduler else real_scheduler,
            max_grad_norm,
            loss_fn(real_loss_fn) if loss_fn else real_loss_fn,
        )

    return step


def without_step(part):
    """The optimiser or the schedule whose step() is never called."""
    return SimpleNamespace(zero_grad=getattr(part, "zero_grad", None), step=lambda: None)


def zeroing_before_step(optimizer):
    """The optimiser with zero_grad() called between backward() and step(): nothing left to step with."""

    def step():
        optimizer.zero_grad()
        optimizer.step()

    return SimpleNamespace(zero_grad=optimizer.zero_grad, step=step)


def backward_inside(retain_graph):
    """A loss_fn that already called backward() on its loss: the step's own backward() is the second."""

    def wrap(loss_fn):
        def loss_twice(model, batch):
            loss = loss_fn(model, batch)
            loss.backward(retain_graph=retain_graph)
            return loss

        return loss_twice

    return wrap


def then(first, after):
    """`first` (a whole step), then `after(model, batch, optimizer, scheduler, max_grad_norm, loss_fn, loss)`."""

    def step(*args):
        return after(*args, first(*args))

    return step


def clip_now(model, batch, optimizer, scheduler, max_grad_norm, loss_fn, loss):
    nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)  # too late: the optimiser has stepped
    return loss


def schedule_again(model, batch, optimizer, scheduler, max_grad_norm, loss_fn, loss):
    scheduler.step()
    return loss


def loss_after_the_step(model, batch, optimizer, scheduler, max_grad_norm, loss_fn, loss):
    return loss_fn(model, batch).item()


def returning_the_tensor(model, batch, optimizer, scheduler, max_grad_norm, loss_fn):
    kept = []

    def keeping(model, batch):
        kept.append(loss_fn(model, batch))
        return kept[-1]

    training_step(model, batch, optimizer, scheduler, max_grad_norm, keeping)
    return kept[0]  # the loss tensor, not its .item()


@pytest.mark.parametrize(
    "wrong, message",
    [
        (training_step_with(zero_grad=False), "forgot zero_grad: gradients add up across steps"),
        (training_step_with(clip=None), "forgot to clip"),
        (then(training_step_with(clip=None), clip_now), "forgot to clip: clip .* before optimizer.step"),
        (training_step_with(clip="value"), "clipped each value instead of the norm"),
        (training_step_with(scheduler_first=True), "scheduler stepped before the optimizer"),
        (with_parts(scheduler=without_step), "scheduler not stepped"),
        (then(training_step, schedule_again), "scheduler stepped twice"),
        (with_parts(optimizer=without_step), "no optimizer step"),
        (with_parts(optimizer=zeroing_before_step), "no optimizer step: the parameters did not change"),
        (with_parts(loss_fn=backward_inside(retain_graph=False)), "called backward twice"),
        (
            with_parts(loss_fn=backward_inside(retain_graph=True)),
            "called backward twice: backward reached the loss 2 times",
        ),
        (returning_the_tensor, "type: return the loss as a Python float"),
        (then(training_step, loss_after_the_step), "(loss computed more than once|returned loss)"),
    ],
    ids=[
        "no-zero-grad",
        "no-clip",
        "clip-after-step",
        "clip-value",
        "scheduler-first",
        "no-scheduler",
        "scheduler-twice",
        "no-optimizer",
        "zero-after-backward",
        "backward-twice",
        "backward-twice-retained",
        "tensor",
        "loss-after-step",
    ],
)
def test_training_step_mistakes_are_named(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check_training_step(wrong)


# -- the notebook's loop against the Trainer ------------------------------------------------------------

#: A tiny run: 40 stories, hidden size 16, with dropout (so the random stream's seeding matters too).
TINY = PretrainRunOptions(hidden_size=16, dupe_factor=1, dropout=0.1, documents=40, held_out_documents=2)
TINY_CONFIG = TrainingConfig(steps=80, batch_size=8, lr=3e-3, warmup_steps=10, progress=False)


@pytest.fixture(scope="module")
def tiny_data():
    return pretraining_data(TINY, seed=TINY_CONFIG.seed)


def notebook_loop(data, options, config, step, mlm_loss, steps):
    """The notebook's loop (its set-up cell and its training cell, without the plots' bookkeeping)."""
    seed_everything(config.seed)
    model = BertForPreTraining(model_config(options, len(data.tokenizer.vocab)))
    optimizer = build_optimizer(model, config.lr, config.weight_decay)
    scheduler = build_scheduler(optimizer, config.warmup_steps, config.steps)
    order = BatchOrder(len(data.train), config.batch_size, config.seed)
    torch.manual_seed(config.seed)

    def pretraining_loss(model, batch):
        out = model(**batch.as_kwargs())
        return mlm_loss(out.mlm_logits, batch.mlm_labels) + F.cross_entropy(out.nsp_logits, batch.nsp_labels)

    model.train()
    return [
        step(model, batch_at(data.train, order, k), optimizer, scheduler, config.max_grad_norm, pretraining_loss)
        for k in range(steps)
    ]


def test_the_notebooks_loop_equals_the_trainer_over_50_steps(tiny_data, capsys):
    losses = notebook_loop(tiny_data, TINY, TINY_CONFIG, right_step, right_mlm_loss, steps=50)
    comparison = compare_with_trainer(losses, tiny_data, TINY, TINY_CONFIG)
    assert comparison.steps == 50 and comparison.largest_difference <= 1e-5
    assert comparison.trainer[0] != comparison.trainer[-1]  # it trained: the losses moved
    printed = capsys.readouterr().out
    assert "✔ training loop: over the first 50 steps the loop's losses equal bertlib's Trainer's" in printed


def test_bertlibs_fallbacks_make_the_same_loop(tiny_data):
    ours = notebook_loop(tiny_data, TINY, TINY_CONFIG, right_step, right_mlm_loss, steps=5)
    fallback = notebook_loop(tiny_data, TINY, TINY_CONFIG, training_step, mlm_loss, steps=5)
    assert max(abs(a - b) for a, b in zip(ours, fallback, strict=True)) <= 1e-6


@pytest.mark.filterwarnings(r"ignore:Detected call of `lr_scheduler.step\(\)` before")
def test_a_loop_that_parts_from_the_trainer_is_named_at_its_step(tiny_data):
    wrong = training_step_with(scheduler_first=True)  # step 1 still agrees: its loss is taken before the step
    losses = notebook_loop(tiny_data, TINY, TINY_CONFIG, wrong, right_mlm_loss, steps=50)
    with pytest.raises(ExerciseFailed, match="training loop — values: at step 2 .* the first steps agree"):
        compare_with_trainer(losses, tiny_data, TINY, TINY_CONFIG)


def test_a_loop_with_another_seed_differs_at_the_first_step(tiny_data):
    losses = notebook_loop(tiny_data, TINY, replace(TINY_CONFIG, seed=1), right_step, right_mlm_loss, steps=50)
    with pytest.raises(ExerciseFailed, match="at step 1 .* the very first loss differs"):
        compare_with_trainer(losses, tiny_data, TINY, TINY_CONFIG)


def test_too_few_losses_are_refused(tiny_data):
    with pytest.raises(ExerciseFailed, match="it recorded 3 losses; the comparison needs the first 50"):
        compare_with_trainer([1.0, 2.0, 3.0], tiny_data, TINY, TINY_CONFIG)
