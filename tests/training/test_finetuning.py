"""Fine-tuning wiring: models built from a checkpoint or from scratch, per-run options, and scoring."""

from __future__ import annotations

import pytest
import torch

from bertlib.assets import course_tokenizer
from bertlib.model import BertForPreTraining
from bertlib.training.finetuning import FinetuneOptions, build_model, finetune, make_task
from bertlib.training.pretraining import PretrainRunOptions, model_config
from bertlib.training.registry import task_spec
from bertlib.training.trainer import TrainingConfig


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A (random) pre-trained model folder with the course vocabulary."""
    directory = tmp_path_factory.mktemp("checkpoint")
    torch.manual_seed(0)
    tokenizer = course_tokenizer()
    BertForPreTraining(model_config(PretrainRunOptions(), len(tokenizer.vocab))).save_pretrained(directory)
    tokenizer.vocab.save(directory / "vocab.txt")
    return directory


def test_pretrained_init_copies_the_encoder_and_random_init_does_not(checkpoint):
    task = make_task(FinetuneOptions(task="ner", checkpoint=checkpoint))
    reference = BertForPreTraining.from_pretrained(checkpoint).bert.encoder.layer[0].output.dense.weight
    for init, same in (("pretrained", True), ("random", False)):
        model = build_model(task, FinetuneOptions(task="ner", init=init, checkpoint=checkpoint))
        assert torch.equal(model.bert.encoder.layer[0].output.dense.weight, reference) == same
        assert model.config.num_labels == 7 and model.config.hidden_size == 128


def test_each_run_gets_its_own_pooling_even_with_a_shared_task(checkpoint):
    task = make_task(FinetuneOptions(task="sentiment", checkpoint=checkpoint))
    for pooling in ("mean", "cls"):
        model = build_model(task, FinetuneOptions(task="sentiment", checkpoint=checkpoint, pooling=pooling))
        assert model.config.classifier_pooling == pooling


def test_a_task_object_made_for_other_options_is_refused(checkpoint):
    task = make_task(FinetuneOptions(task="sentiment", checkpoint=checkpoint))
    with pytest.raises(ValueError, match="make it with make_task"):
        finetune(FinetuneOptions(task="ner", checkpoint=checkpoint), TrainingConfig(steps=1), task=task)


def test_sentiment_scores_come_with_every_split_asked_for(checkpoint):
    options = FinetuneOptions(task="sentiment", checkpoint=checkpoint, eval_splits=("dev", "test_negation"))
    run = finetune(options, TrainingConfig(steps=2, batch_size=8, progress=False, device="cpu"))
    assert set(run.scores) == {"dev", "test_negation"}
    assert run.scores["test_negation"].confusion and sum(map(sum, run.scores["dev"].confusion)) == 300
    assert run.headline("dev") == run.scores["dev"].accuracy
    assert run.history.evaluation_steps == [2] and "dev_accuracy" in run.history.final_metrics


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="Unknown task"):
        FinetuneOptions(task="pos")
    with pytest.raises(ValueError, match="init="):
        FinetuneOptions(init="scratch")


def test_dropout_left_out_is_the_tasks_budget_and_is_what_the_model_gets(checkpoint):
    assert FinetuneOptions(task="sentiment").dropout == task_spec("sentiment").budget.dropout == 0.0
    assert FinetuneOptions(task="ner").dropout == task_spec("ner").budget.dropout == 0.1
    assert FinetuneOptions(task="sentiment", dropout=0.25).dropout == 0.25  # given: kept
    options = FinetuneOptions(task="ner", checkpoint=checkpoint)
    model = build_model(make_task(options), options)
    assert model.config.hidden_dropout_prob == model.config.attention_probs_dropout_prob == 0.1
