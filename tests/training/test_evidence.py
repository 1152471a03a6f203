"""The evidence script's judging and its table, on rows made by hand (the real sweep takes
minutes); and its runs side by side in processes give the numbers of one process."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from bertlib.errors import BertlibInputError
from bertlib.training import evidence
from bertlib.training.evidence import (
    BAG_OF_WORDS,
    EvidencePlan,
    EvidenceResult,
    Row,
    RunRequest,
    check_targets,
    edge_checks,
    evidence_table,
    load_evidence,
    run_requests,
)
from bertlib.training.registry import PRETRAINED_VS_RANDOM, TaskBudget, task_spec
from bertlib.training.trainer import TrainingConfig

GRID = {"0.0005": 0.7, "0.001": 0.9, "0.002": 0.8}  # best in the middle


def rows(pretrained: list[float], random: list[float], bag: float, lr: float = 1e-3) -> list[Row]:
    return [
        Row("sentiment", "test_negation", "accuracy", "pre-trained", pretrained, lr, GRID),
        Row("sentiment", "test_negation", "accuracy", "random init", random, 1e-3, GRID),
        Row("sentiment", "test_negation", "accuracy", BAG_OF_WORDS, [bag] * len(pretrained)),
    ]


def holds(checks) -> dict[str, bool]:
    return {c.target.split(": ", 1)[1]: c.holds for c in checks}


def test_targets_come_from_the_task_entry_and_hold_on_good_rows():
    target = task_spec("sentiment").target
    assert (target.at_least, target.gain_over_random, target.max_std) == (95.0, 10.0, 2.0)
    checks = holds(check_targets(rows([0.96, 0.97, 0.965], [0.70, 0.80, 0.75], bag=0.55)))
    assert checks == {
        "pre-trained accuracy >= 95": True,
        "pre-trained >= random init + 10 points": True,
        "ranges do not overlap": True,
        "pre-trained std <= 2 points": True,
        "chosen rate inside the grid": True,
        "bag-of-words below pre-trained": True,
    }


def test_each_target_can_fail():
    assert not holds(check_targets(rows([0.90, 0.92], [0.60, 0.62], bag=0.5)))["pre-trained accuracy >= 95"]
    assert not holds(check_targets(rows([0.96, 0.97], [0.90, 0.91], bag=0.5)))["pre-trained >= random init + 10 points"]
    assert not holds(check_targets(rows([0.99, 0.99, 0.90], [0.70, 0.91], bag=0.5)))["ranges do not overlap"]
    assert not holds(check_targets(rows([0.99, 0.95, 0.99], [0.70, 0.71], bag=0.5)))["pre-trained std <= 2 points"]
    assert not holds(check_targets(rows([0.96, 0.97], [0.70, 0.72], bag=0.96)))["bag-of-words below pre-trained"]


@pytest.mark.parametrize("lr, inside", [(5e-4, False), (1e-3, True), (2e-3, False)])
def test_a_chosen_rate_at_either_end_of_the_grid_fails(lr, inside):
    [pretrained] = [c for c in edge_checks(rows([0.96], [0.7], bag=0.5, lr=lr)) if "pre-trained" in c.target]
    assert pretrained.holds is inside


def test_table_has_a_line_per_task_split_and_metric():
    extra = Row("sentiment", "test_negation", "recall", "pre-trained", [0.5, 0.7], 1e-3, GRID, headline=False)
    table = evidence_table([*rows([0.95, 0.97], [0.70, 0.80], bag=0.55), extra])
    lines = table.splitlines()
    assert lines[0] == "| task | split | metric | pre-trained | random init | bag-of-words |"
    assert "| sentiment | test_negation | accuracy | 96.0 ± 1.4 (95.0–97.0) | 75.0 ± 7.1 (70.0–80.0) |" in table
    assert lines[-1] == "| sentiment | test_negation | recall | 60.0 ± 14.1 (50.0–70.0) |  |  |"
    # a reported metric has no targets of its own
    assert len(check_targets([*rows([0.96, 0.97], [0.7, 0.8], bag=0.5), extra])) == len(
        check_targets(rows([0.96, 0.97], [0.7, 0.8], bag=0.5))
    )


def test_results_round_trip_through_json(tmp_path):
    result = EvidenceResult(
        rows([0.96, 0.965], [0.6, 0.7], 0.5), [], command="python -m bertlib evidence", seeds=2, seconds=61.0, jobs=2
    )
    result.checks = check_targets(result.rows)
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(result.to_dict()))
    loaded = load_evidence(path)
    assert loaded.rows == result.rows and loaded.checks == result.checks and loaded.all_hold
    assert loaded.run_time == "1 min with 2 processes"


@pytest.mark.parametrize("bad", [{"seeds": 0}, {"first_seed": -1}, {"jobs": 0}, {"jobs": True}, {"tasks": ("nli",)}])
def test_a_bad_plan_is_refused_naming_the_option(bad):
    with pytest.raises(ValueError, match="--" + next(iter(bad)).replace("_", "-")):
        EvidencePlan(**bad)


def test_the_rate_search_keeps_the_best_mean_dev_score_over_its_seeds(monkeypatch):
    ner = task_spec("ner")
    budget = dataclasses.replace(ner.budget, lrs=(1e-3, 2e-3, 4e-3), search_seeds=2)
    spec = dataclasses.replace(ner, budget=budget, contenders=PRETRAINED_VS_RANDOM[:1])
    monkeypatch.setattr(evidence, "task_spec", lambda name: spec)
    # seed 5 alone would keep 2e-3; the mean over seeds 5 and 6 keeps 4e-3
    dev = {(1e-3, 5): 0.5, (1e-3, 6): 0.5, (2e-3, 5): 0.9, (2e-3, 6): 0.2, (4e-3, 5): 0.6, (4e-3, 6): 0.6}
    requests: list[RunRequest] = []

    def fake_runs(plan, batch, progress=True):
        requests.extend(batch)
        return [
            {split: {"f1": dev.get((r.config.lr, r.config.seed), 0.7), "unseen_recall": 0.0} for split in r.splits}
            for r in batch
        ]

    monkeypatch.setattr(evidence, "run_requests", fake_runs)
    found = evidence.contender_rows(EvidencePlan(seeds=3, first_seed=5, tasks=("ner",)), progress=False)
    assert found[0].lr == 4e-3
    assert found[0].dev_by_lr == pytest.approx({"0.001": 0.5, "0.002": 0.55, "0.004": 0.6})
    assert sorted((r.config.lr, r.config.seed) for r in requests if r.splits == ("dev",)) == sorted(dev)
    assert [(r.config.lr, r.config.seed) for r in requests if r.splits == ("test",)] == [
        (4e-3, 5),
        (4e-3, 6),
        (4e-3, 7),
    ]


@pytest.mark.parametrize("bad", [0, -1, 1.5])
def test_a_budget_searching_over_no_whole_seeds_is_refused(bad):
    with pytest.raises(BertlibInputError, match="search_seeds"):
        TaskBudget(steps=10, batch_size=2, lr=1e-3, lrs=(1e-3,), search_seeds=bad)


def test_other_seeds_are_the_next_ones():
    assert EvidencePlan(seeds=3, first_seed=5).seed_list == [5, 6, 7]


def test_runs_in_two_processes_give_the_numbers_of_one():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as each worker: results are bit-identical only at the same thread count
    try:
        check_runs_side_by_side()
    finally:
        torch.set_num_threads(threads)


def check_runs_side_by_side():
    tiny = [
        RunRequest(
            "ner", contender, TrainingConfig(steps=4, batch_size=8, lr=1e-3, seed=seed, progress=False), ("dev",)
        )
        for contender in PRETRAINED_VS_RANDOM
        for seed in (0, 1)
    ]
    alone = run_requests(EvidencePlan(tasks=("ner",), jobs=1, threads=1), tiny, progress=False)
    side_by_side = run_requests(EvidencePlan(tasks=("ner",), jobs=2, threads=1), tiny, progress=False)
    assert side_by_side == alone
    assert set(alone[0]["dev"]) == {"f1", "unseen_recall"}
    assert alone[0] != alone[2]  # pre-trained and random init differ


def test_the_saved_evidence_is_of_todays_budgets_and_sets_the_notebooks_rates():
    evidence = load_evidence()  # data/evidence.json, which the READMEs and notebooks show
    for name, budget in evidence.budgets.items():
        spec = task_spec(name).budget
        assert (budget["steps"], budget["batch_size"], tuple(budget["lrs"]), budget["search_seeds"]) == (
            spec.steps,
            spec.batch_size,
            spec.lrs,
            spec.search_seeds,
        ), f"{name}'s budget changed since data/evidence.json was made: run `python -m bertlib evidence --jobs 2`"
    for row in evidence.rows:
        if row.model == "pre-trained" and row.headline:
            assert task_spec(row.task).budget.lr == row.lr, (
                f"{row.task}: the notebooks' rate is pre-trained's best on dev"
            )
