"""The evidence script's judging and its table, on rows made by hand (the real sweep takes minutes)."""

from __future__ import annotations

import json

from bertlib.training.evidence import (
    BAG_OF_WORDS,
    EvidenceResult,
    Row,
    check_targets,
    evidence_table,
    load_evidence,
)


def rows(pretrained: list[float], random: list[float], bag: float) -> list[Row]:
    return [
        Row("sentiment", "test_negation", "accuracy", "pre-trained", pretrained, 1e-3),
        Row("sentiment", "test_negation", "accuracy", "random init", random, 2e-3),
        Row("sentiment", "test_negation", "accuracy", BAG_OF_WORDS, [bag] * len(pretrained)),
    ]


def test_targets_hold_when_the_gain_is_large_and_ranges_are_apart():
    checks = check_targets(rows([0.95, 0.97, 0.96], [0.70, 0.80, 0.75], bag=0.55))
    assert [c.holds for c in checks] == [True, True, True]


def test_each_target_can_fail():
    small_gain = check_targets(rows([0.80, 0.84], [0.75, 0.76], bag=0.5))
    assert [c.holds for c in small_gain] == [False, True, True]
    overlap = check_targets(rows([0.95, 0.99, 0.86], [0.70, 0.88], bag=0.5))
    assert [c.holds for c in overlap] == [True, False, True]
    strong_bag = check_targets(rows([0.95, 0.97], [0.70, 0.72], bag=0.96))
    assert [c.holds for c in strong_bag] == [True, True, False]


def test_table_shows_mean_std_and_range_in_percent():
    table = evidence_table(rows([0.95, 0.97], [0.70, 0.80], bag=0.55))
    assert table.splitlines()[0] == "| task | split | metric | pre-trained | random init | bag-of-words |"
    assert "| sentiment | test_negation | accuracy | 96.0 ± 1.4 (95.0–97.0) | 75.0 ± 7.1 (70.0–80.0) |" in table


def test_results_round_trip_through_json(tmp_path):
    result = EvidenceResult(rows([0.9, 0.92], [0.6, 0.7], 0.5), [], command="python -m bertlib evidence", seeds=2)
    result.checks = check_targets(result.rows)
    path = tmp_path / "evidence.json"
    path.write_text(json.dumps(result.to_dict()))
    loaded = load_evidence(path)
    assert loaded.rows == result.rows and loaded.checks == result.checks and loaded.all_hold
