"""Two evidence runs with other seeds, compared row by row (bertlib/training/seed_stability.py), on
runs made by hand."""

from __future__ import annotations

import json

import pytest

from bertlib.errors import BertlibInputError
from bertlib.paths import DATA_DIR
from bertlib.training.evidence import EvidenceResult, Row, load_evidence
from bertlib.training.seed_stability import SECOND_RUN_FILE, main, pair_rows, stability_checks, stability_table


def run(pretrained: list[float], random: list[float], first_seed: int = 0, tasks=("sentiment",)) -> EvidenceResult:
    rows = []
    for task in tasks:
        rows += [
            Row(task, "test", "accuracy", "pre-trained", pretrained, 1e-3),
            Row(task, "test", "accuracy", "random init", random, 1e-3),
        ]
    return EvidenceResult(rows, [], "python -m bertlib evidence", len(pretrained), {}, first_seed, 60.0, 2)


def test_means_within_the_tolerance_hold_and_one_that_moved_fails():
    first = run([0.96, 0.98], [0.70, 0.72])  # means 97.0 and 71.0
    second = run([0.95, 0.97], [0.66, 0.68], first_seed=5)  # 96.0 (-1.0) and 67.0 (-4.0)
    checks = stability_checks(first, second)
    assert [check.holds for check in checks] == [True, False]
    assert "97.0 then 96.0 (-1.0)" in checks[0].detail and "(-4.0)" in checks[1].detail
    assert [check.holds for check in stability_checks(first, second, tolerance=5.0)] == [True, True]


def test_the_table_gives_both_means_and_the_difference():
    table = stability_table(run([0.9], [0.5]), run([0.93], [0.5004], first_seed=1))
    lines = table.splitlines()
    assert lines[0] == "| task | split | metric | model | seeds 0–0 | seeds 1–1 | difference | within 2 points |"
    assert lines[2] == "| sentiment | test | accuracy | pre-trained | 90.0 | 93.0 | +3.0 | no |"
    assert lines[3].endswith("| 50.0 | 50.0 | +0.0 | yes |")
    # A difference that rounds to the tolerance but exceeds it says so.
    edge = stability_table(run([0.9], [0.5]), run([0.9204], [0.5], first_seed=1)).splitlines()[2]
    assert edge.endswith("| +2.0 | no |")


def test_runs_sharing_a_seed_or_rows_are_refused():
    with pytest.raises(BertlibInputError, match=r"seeds \[3, 4\].*--first-seed 5"):
        pair_rows(run([0.9] * 5, [0.5] * 5), run([0.9] * 5, [0.5] * 5, first_seed=3))
    with pytest.raises(BertlibInputError, match="same rows.*ner / test / accuracy / pre-trained.*--tasks"):
        pair_rows(run([0.9], [0.5], tasks=("sentiment", "ner")), run([0.9], [0.5], first_seed=1))


def test_the_command_exits_1_when_a_mean_moved(tmp_path, capsys):
    def save(result: EvidenceResult, name: str) -> str:
        path = tmp_path / name
        path.write_text(json.dumps(result.to_dict()))
        return str(path)

    first = save(run([0.96, 0.98], [0.70, 0.72]), "first.json")
    close = save(run([0.97, 0.97], [0.70, 0.73], first_seed=2), "close.json")
    far = save(run([0.90, 0.90], [0.70, 0.72], first_seed=2), "far.json")
    assert main([first, close]) == 0
    assert "Every mean holds" in capsys.readouterr().out
    assert main([first, far]) == 1
    assert "[ ] sentiment / test / accuracy / pre-trained" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main([first, str(tmp_path / "missing.json")])
    assert exit_info.value.code == 2 and "missing.json not found" in capsys.readouterr().err


def test_the_shipped_second_run_is_the_evidence_with_other_seeds():
    first, second = load_evidence(), load_evidence(DATA_DIR / SECOND_RUN_FILE)
    assert second.budgets == first.budgets, "the second run's budgets differ: rerun it with the evidence's code"
    assert (second.seeds, second.first_seed) == (first.seeds, first.first_seed + first.seeds)
    assert "--first-seed" in second.command and len(pair_rows(first, second)) == len(first.rows)
