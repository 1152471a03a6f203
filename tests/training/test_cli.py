"""`python -m bertlib pretrain|finetune|evidence`: every option documented, and tiny runs end to end."""

from __future__ import annotations

import argparse
import json

import pytest

from bertlib.__main__ import build_parser, main

#: A few stories, masked once, in small batches: pre-training on them takes a second.
TINY_CORPUS = ["--batch-size", "8", "--documents", "40", "--held-out-documents", "10", "--dupe-factor", "1"]
TINY_PRETRAIN = ["--steps", "2", *TINY_CORPUS, "--device", "cpu", "--no-progress"]
TINY_FINETUNE = ["--steps", "2", "--batch-size", "8", "--eval-splits", "dev", "--device", "cpu", "--no-progress"]


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", ["pretrain", "finetune", "evidence"])
def test_help_explains_every_option(command):
    parser = subcommands()[command]
    text = " ".join(parser.format_help().split())
    options = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    assert len(options) >= 5
    for action in options:
        assert action.help and len(action.help) > 10, f"{action.option_strings} has no explanation"
        assert action.option_strings[-1] in text


def test_the_issue_options_exist():
    for command in ("pretrain", "finetune"):
        text = subcommands()[command].format_help()
        for option in ("--steps", "--out", "--resume", "--device", "--seed"):
            assert option in text
    assert "--preset" in subcommands()["pretrain"].format_help()
    assert "{sentiment,ner,qa}" in subcommands()["finetune"].format_help()


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    out = tmp_path_factory.mktemp("pretrained")
    main(["pretrain", *TINY_PRETRAIN, "--out", str(out)])
    return out


def test_pretrain_writes_a_loadable_model_and_its_record(pretrained, capsys):
    for name in (
        "config.json",
        "model.safetensors",
        "vocab.txt",
        "history.json",
        "held_out.safetensors",
        "checkpoint/training_state.pt",
    ):
        assert (pretrained / name).is_file(), name
    record = json.loads((pretrained / "pretraining.json").read_text())
    assert record["command"].startswith("python -m bertlib pretrain --steps 2")
    assert record["seed"] == 0 and record["steps_done"] == 2
    assert 0 <= record["held_out"]["mlm_accuracy"] <= 1 and record["held_out"]["masked_tokens"] > 0


@pytest.mark.parametrize("task, metric", [("sentiment", "accuracy"), ("ner", "f1"), ("qa", "f1")])
def test_finetune_each_task_from_a_checkpoint(task, metric, pretrained, tmp_path, capsys):
    main(["finetune", "--task", task, "--checkpoint", str(pretrained), *TINY_FINETUNE, "--out", str(tmp_path)])
    assert f"{task} dev {metric}:" in capsys.readouterr().out
    record = json.loads((tmp_path / "finetuning.json").read_text())
    assert 0 <= record["scores"]["dev"][metric] <= 1
    assert (tmp_path / "model.safetensors").is_file()


def test_finetune_resumes_from_its_checkpoint(pretrained, tmp_path):
    args = ["finetune", "--task", "sentiment", "--checkpoint", str(pretrained), *TINY_FINETUNE]
    main([*args, "--out", str(tmp_path / "a")])
    main([*args, "--out", str(tmp_path / "b"), "--resume", str(tmp_path / "a" / "checkpoint")])
    history = [json.loads((tmp_path / run / "history.json").read_text()) for run in ("a", "b")]
    assert history[0]["loss"] == history[1]["loss"]  # nothing was left to do: the same two steps


def test_fast_path_option_trains_the_same_model(pretrained, tmp_path):
    # --fast-path is a way of computing (BertConfig.fast_path): on a CPU in fp32 the losses are the
    # plain run's, the saved model is a plain BERT, and a resume may switch it on or off.
    main(["pretrain", *TINY_PRETRAIN, "--out", str(tmp_path / "fast"), "--fast-path"])
    plain, fast = (json.loads((folder / "history.json").read_text()) for folder in (pretrained, tmp_path / "fast"))
    assert fast["loss"] == pytest.approx(plain["loss"], rel=1e-5)
    assert "fast_path" not in (tmp_path / "fast" / "config.json").read_text()
    args = ["finetune", "--task", "sentiment", "--checkpoint", str(pretrained), *TINY_FINETUNE]
    main([*args, "--out", str(tmp_path / "a"), "--fast-path"])
    main([*args, "--out", str(tmp_path / "b"), "--resume", str(tmp_path / "a" / "checkpoint")])
    assert json.loads((tmp_path / "b" / "history.json").read_text())["steps"] == [1, 2]
