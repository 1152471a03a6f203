"""Does the evidence hang on its seeds? Two evidence runs made with different seeds, row by row.

`python -m bertlib evidence` runs seeds 0-4 (data/evidence.json); the same command with
`--first-seed 5 --out data/evidence-second-run.json` runs seeds 5-9, its own rate search included.
For every row both runs have (same task, split, metric and model), the second run's mean must lie
within `tolerance` points (2 by default) of the first's:

    |mean_second - mean_first| <= tolerance        (in points, i.e. percent)

    python -m bertlib.training.seed_stability data/evidence.json data/evidence-second-run.json

prints the comparison and its checks. Its job ends at comparing two saved runs; making them is
`evidence.py`'s.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from bertlib.errors import BertlibInputError
from bertlib.paths import DATA_DIR
from bertlib.training.evidence import EVIDENCE_FILE, EvidenceResult, Row, TargetCheck, checks_text, load_evidence

SECOND_RUN_FILE = "evidence-second-run.json"  # data/: the evidence with seeds 5-9
TOLERANCE = 2.0  # points: how far the second run's mean may lie from the first's


@dataclass(frozen=True)
class RowPair:
    """One row of both runs: the same task, split, metric and model."""

    first: Row
    second: Row

    @property
    def difference(self) -> float:
        """second mean - first mean, in points."""
        return 100 * (self.second.mean - self.first.mean)

    def within(self, tolerance: float) -> bool:
        """Whether the second run's mean lies within `tolerance` points of the first's."""
        return abs(self.difference) <= tolerance


def _key(row: Row) -> tuple[str, str, str, str]:
    return (row.task, row.split, row.metric, row.model)


def pair_rows(first: EvidenceResult, second: EvidenceResult) -> list[RowPair]:
    """Every row of `first` with its twin in `second`, in `first`'s order; refuses runs that do not
    have the same rows, or that share a seed (the point is other seeds)."""
    seeds = set(first.seed_list)
    shared = seeds & set(second.seed_list)
    if shared:
        raise BertlibInputError(
            f"Both runs used seeds {sorted(shared)}: make the second with others, e.g. "
            f"`python -m bertlib evidence --first-seed {max(seeds) + 1} --out data/{SECOND_RUN_FILE}`."
        )
    twins = {_key(row): row for row in second.rows}
    missing = [" / ".join(_key(row)) for row in first.rows if _key(row) not in twins]
    extra = sorted(set(twins) - {_key(row) for row in first.rows})
    if missing or extra:
        raise BertlibInputError(
            f"The two runs do not have the same rows (missing from the second: {missing or 'none'}; "
            f"only in the second: {[' / '.join(key) for key in extra] or 'none'}): run both with the same --tasks."
        )
    return [RowPair(row, twins[_key(row)]) for row in first.rows]


def stability_table(first: EvidenceResult, second: EvidenceResult, tolerance: float = TOLERANCE) -> str:
    """A markdown table: each row's mean in both runs (in %), their difference in points, and whether
    it lies within `tolerance` (said in words: a difference of 2.04 prints as +2.0 but does not)."""
    lines = [
        f"| task | split | metric | model | {first.seed_range} | {second.seed_range} | difference "
        f"| within {tolerance:g} points |",
        "|---" * 8 + "|",
    ]
    for pair in pair_rows(first, second):
        task, split, metric, model = _key(pair.first)
        lines.append(
            f"| {task} | {split} | {metric} | {model} | {100 * pair.first.mean:.1f} | "
            f"{100 * pair.second.mean:.1f} | {pair.difference:+.1f} | "
            f"{'yes' if pair.within(tolerance) else 'no'} |"
        )
    return "\n".join(lines)


def stability_checks(first: EvidenceResult, second: EvidenceResult, tolerance: float = TOLERANCE) -> list[TargetCheck]:
    """One check per row: the second run's mean within `tolerance` points of the first's."""
    return [
        TargetCheck(
            f"{' / '.join(_key(pair.first))}: second run's mean within {tolerance:g} points",
            pair.within(tolerance),
            f"{100 * pair.first.mean:.1f} then {100 * pair.second.mean:.1f} ({pair.difference:+.1f})",
        )
        for pair in pair_rows(first, second)
    ]


def main(argv: list[str] | None = None) -> int:
    """Print the comparison and its checks; exit 1 if a mean moved more than the tolerance."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("first", nargs="?", default=str(DATA_DIR / EVIDENCE_FILE), help="the first run's JSON")
    parser.add_argument(
        "second", nargs="?", default=str(DATA_DIR / SECOND_RUN_FILE), help="the run with other seeds' JSON"
    )
    parser.add_argument("--tolerance", type=float, default=TOLERANCE, help="points (default 2)")
    args = parser.parse_args(argv)
    try:
        first, second = load_evidence(args.first), load_evidence(args.second)
        checks = stability_checks(first, second, args.tolerance)
    except (BertlibInputError, FileNotFoundError) as error:
        parser.exit(2, f"error: {error}\n")
    print(stability_table(first, second, args.tolerance))
    print(checks_text(checks))
    held = all(check.holds for check in checks)
    print("Every mean holds within the tolerance." if held else "Some means moved more than the tolerance.")
    return 0 if held else 1


if __name__ == "__main__":
    raise SystemExit(main())
