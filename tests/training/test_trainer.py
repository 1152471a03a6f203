"""The training loop: determinism, accumulation, schedules, history, interrupt, bf16, compile."""

from __future__ import annotations

import pytest
import torch

from bertlib.model import BertForPreTraining, BertForSequenceClassification
from bertlib.training.objectives import LabelObjective, PreTrainingObjective
from bertlib.training.trainer import History, Trainer, TrainingConfig, train

from .conftest import classification_examples, pretraining_examples, tiny_config


def quick(**overrides) -> TrainingConfig:
    return TrainingConfig(
        **{**dict(steps=6, batch_size=8, lr=3e-3, warmup_steps=2, progress=False, device="cpu"), **overrides}
    )


def pretrain_losses(config: TrainingConfig, model_seed: int = 0, dropout: float = 0.1) -> History:
    torch.manual_seed(model_seed)
    model = BertForPreTraining(tiny_config(hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout))
    return train(model, pretraining_examples(), PreTrainingObjective(), config)


def test_two_fresh_runs_give_bit_identical_losses():
    first, second = pretrain_losses(quick()), pretrain_losses(quick())
    assert torch.equal(torch.tensor(first.loss), torch.tensor(second.loss))
    assert first.loss[0] != first.loss[-1]  # it trained


def test_run_until_pauses_on_the_same_schedule_and_goes_on():
    whole = pretrain_losses(quick())
    torch.manual_seed(0)
    model = BertForPreTraining(tiny_config(hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1))
    trainer = Trainer(model, pretraining_examples(), PreTrainingObjective(), quick(), evaluate=lambda m: {"x": 1.0})
    first = list(trainer.run(until=2).loss)
    assert first == whole.loss[:2] and trainer.history.evaluations == []  # no final evaluation yet
    assert trainer.run().loss == whole.loss and trainer.history.evaluation_steps == [6]


def test_loss_decreases_on_a_learnable_task():
    torch.manual_seed(0)
    model = BertForSequenceClassification(tiny_config())
    history = train(model, classification_examples(128), LabelObjective(), quick(steps=60, lr=1e-2, batch_size=16))
    early, late = sum(history.loss[:10]) / 10, sum(history.loss[-10:]) / 10
    assert late < early - 0.1


def test_accumulated_micro_batches_equal_one_big_batch():
    # Sequences mask different numbers of tokens, so only a mean over the whole step agrees.
    whole = pretrain_losses(quick(batch_size=8), dropout=0.0)
    accumulated = pretrain_losses(quick(batch_size=8, accumulation_steps=4), dropout=0.0)
    assert torch.allclose(torch.tensor(whole.loss), torch.tensor(accumulated.loss), atol=1e-5, rtol=0)


def test_history_records_steps_parts_lr_and_scheduled_evaluations():
    calls = []

    def evaluate(model):
        calls.append(model.training)
        return {"calls": float(len(calls))}

    torch.manual_seed(0)
    history = train(
        BertForPreTraining(tiny_config()),
        pretraining_examples(),
        PreTrainingObjective(),
        quick(eval_every=2),
        evaluate=evaluate,
    )
    assert history.steps == [1, 2, 3, 4, 5, 6]
    assert set(history.parts) == {"mlm", "nsp"}
    assert history.loss[0] == pytest.approx(history.parts["mlm"][0] + history.parts["nsp"][0])
    assert history.lr[:3] == pytest.approx([0.0, 1.5e-3, 3e-3])
    assert history.evaluation_steps == [2, 4, 6] and calls == [False] * 3
    assert history.metric("calls") == [1.0, 2.0, 3.0] and history.final_metrics == {"calls": 3.0}
    assert History.from_dict(history.to_dict()) == history


def largest_first_update(max_grad_norm: float | None) -> float:
    torch.manual_seed(0)
    model = BertForSequenceClassification(tiny_config())
    before = [p.detach().clone() for p in model.parameters()]
    train(
        model,
        classification_examples(),
        LabelObjective(),
        quick(steps=1, warmup_steps=0, weight_decay=0.0, max_grad_norm=max_grad_norm),
    )
    return max((p.detach() - b).abs().max().item() for p, b in zip(model.parameters(), before, strict=True))


def test_gradient_clipping_scales_the_gradient_down():
    # Adam's first step moves each weight by lr * g / (|g| + eps): about lr for a normal gradient,
    # but about lr * |g| / eps when clipping has made |g| far smaller than eps (1e-6).
    assert largest_first_update(None) > 1e-3
    assert largest_first_update(1e-10) < 1e-6


def test_bf16_autocast_runs_on_cpu_and_stays_close_to_fp32():
    fp32 = pretrain_losses(quick(steps=3), dropout=0.0)
    bf16 = pretrain_losses(quick(steps=3, bf16=True), dropout=0.0)
    assert all(torch.isfinite(torch.tensor(bf16.loss)))
    assert bf16.loss == pytest.approx(fp32.loss, abs=0.05)


def test_config_refuses_uneven_micro_batches():
    with pytest.raises(ValueError, match="not divisible by accumulation_steps"):
        TrainingConfig(batch_size=10, accumulation_steps=4)


def test_compiled_model_trains_like_the_eager_one():
    # aot_eager traces the model and its backward as torch.compile does, without generating code,
    # so the test is quick; on a GPU the default "inductor" backend generates fused kernels.
    eager = pretrain_losses(quick(steps=3), dropout=0.0)
    compiled = pretrain_losses(quick(steps=3, compile=True, compile_backend="aot_eager"), dropout=0.0)
    assert compiled.loss == pytest.approx(eager.loss, abs=1e-5)


def test_fast_path_model_trains_with_fused_adamw_and_tracks_the_plain_run():
    # The fast path's own parity is tests/model/test_fast_path.py; here the Trainer's part of it:
    # it picks AdamW(fused=True) for a fast-path model, and the losses follow the plain run's.
    torch.manual_seed(0)
    plain = BertForPreTraining(tiny_config(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0))
    fast = BertForPreTraining(plain.config.replace(fast_path=True))
    fast.load_state_dict(plain.state_dict())
    trainers = [Trainer(m, pretraining_examples(), PreTrainingObjective(), quick()) for m in (plain, fast)]
    assert [t.optimizer.defaults["fused"] for t in trainers] == [False, True]
    plain_losses, fast_losses = (t.run().loss for t in trainers)
    assert plain_losses[0] != plain_losses[-1]  # it trained
    assert fast_losses == pytest.approx(plain_losses, rel=1e-4)
