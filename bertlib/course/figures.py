"""The figures that README.md and data/README.md show, written from their one source each.

A figure in a README sits between two markers, `<!-- NAME: begin -->` and `<!-- NAME: end -->`, and
is never typed in: `python -m bertlib.course figures` rewrites every marked block from its source,
and `tests/course/test_figures.py` fails when a block differs from what it would write. The sources:

- `stats`: the data's counts (`python -m bertlib.data stats`);
- `evidence`: the evidence table, its seeds, command and run time (data/evidence.json);
- `evidence-checks`: the evidence's target checks (data/evidence.json);
- `evidence-second-run`: each mean of the evidence next to a second run's with other seeds
  (data/evidence-second-run.json, `bertlib/training/seed_stability.py`);
- `checkpoint`: the shipped checkpoint's command and held-out scores (its pretraining.json);
- `bag-of-words`: the bag-of-words baseline's sentiment accuracies (`python -m bertlib.training.baselines`).

Its job ends at the text of those blocks; what the numbers mean is the prose around them.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bertlib.assets import shipped_checkpoint
from bertlib.data.stats import stats_text
from bertlib.errors import BertlibInputError
from bertlib.paths import DATA_DIR, REPO_ROOT
from bertlib.training.baselines import sentiment_baseline
from bertlib.training.evidence import checks_text, evidence_table, load_evidence
from bertlib.training.seed_stability import SECOND_RUN_FILE, TOLERANCE, stability_checks, stability_table

#: The files whose marked blocks this module writes.
DOCUMENTS = (REPO_ROOT / "README.md", DATA_DIR / "README.md")


def evidence_block() -> str:
    """The evidence table, with how it was made: seeds, command and run time."""
    evidence = load_evidence()
    return (
        f"{evidence_table(evidence.rows)}\n\n"
        f"Test splits; mean ± std (min–max) over {evidence.seeds} fine-tuning {evidence.seed_range}, in %. "
        f"Made by `{evidence.command}` in {evidence.run_time} on 2 CPU cores."
    )


def evidence_checks_block() -> str:
    """The evidence's target checks, as a checklist."""
    return checks_text(load_evidence().checks)


def second_run_block() -> str:
    """Every mean of the evidence next to the second run's (other seeds), and whether each held."""
    first, second = load_evidence(), load_evidence(DATA_DIR / SECOND_RUN_FILE)
    checks = stability_checks(first, second)
    held = sum(check.holds for check in checks)
    targets_held = sum(check.holds for check in second.checks)
    return (
        f"{stability_table(first, second)}\n\n"
        f"Means in %, differences in points. The second run: `{second.command}` ({second.run_time}), "
        f"its own rate search included; {targets_held} of its {len(second.checks)} target checks hold. "
        f"{held} of {len(checks)} means lie within {TOLERANCE:g} points of the first run's."
    )


def checkpoint_block() -> str:
    """The shipped checkpoint's command, time and held-out scores, from its pretraining.json."""
    record = json.loads((shipped_checkpoint() / "pretraining.json").read_text(encoding="utf-8"))
    command = " \\\n    ".join(textwrap.wrap(record["command"], 96, break_on_hyphens=False))
    held_out = record["held_out"]
    return (
        f"```\n{command}\n```\n\n"
        f"It took {record['seconds'] / 60:.1f} min ({record['steps']:,} steps, torch threads: {record['threads']}). "
        f"Held-out scores: MLM accuracy {held_out['mlm_accuracy']:.3f} (perplexity "
        f"{held_out['mlm_perplexity']:.2f}) over {held_out['masked_tokens']:,} masked tokens, NSP accuracy "
        f"{held_out['nsp_accuracy']:.3f} over {held_out['pairs']:,} pairs."
    )


def bag_of_words_block() -> str:
    """The bag-of-words baseline's accuracy on every sentiment split (`python -m bertlib.training.baselines`)."""
    accuracy = sentiment_baseline().accuracy
    return "\n".join(
        [
            "| split | " + " | ".join(accuracy) + " |",
            "|---" * (len(accuracy) + 1) + "|",
            "| accuracy | " + " | ".join(f"{value:.3f}" for value in accuracy.values()) + " |",
        ]
    )


#: Each block's name and the function that writes it.
SOURCES: dict[str, Callable[[], str]] = {
    "stats": lambda: stats_text(DATA_DIR).strip(),
    "evidence": evidence_block,
    "evidence-checks": evidence_checks_block,
    "evidence-second-run": second_run_block,
    "checkpoint": checkpoint_block,
    "bag-of-words": bag_of_words_block,
}


@dataclass(frozen=True)
class Block:
    """One marked block of a document: its name, and the text between its markers (stripped)."""

    name: str
    text: str


#: One marked block: `<!-- name: begin -->`, a new line, its text, `<!-- name: end -->`.
BLOCK = re.compile(r"<!-- ([\w-]+): begin -->\n(.*?)<!-- \1: end -->", re.DOTALL)


def _matches(text: str) -> list[re.Match[str]]:
    """The marked blocks of `text`, in order; an unknown name is refused."""
    found = list(BLOCK.finditer(text))
    unknown = [m.group(1) for m in found if m.group(1) not in SOURCES]
    if unknown:
        raise BertlibInputError(f"Unknown figure blocks {unknown}; the known ones are {', '.join(SOURCES)}.")
    return found


def blocks(text: str) -> list[Block]:
    """Every marked block of a document's text, in order; an unknown name is refused."""
    return [Block(m.group(1), m.group(2).strip()) for m in _matches(text)]


def refreshed(text: str) -> str:
    """The document's text with every marked block rewritten from its source."""
    for m in reversed(_matches(text)):  # from the end, so that earlier offsets stay valid
        text = text[: m.start(2)] + SOURCES[m.group(1)]().strip() + "\n" + text[m.end(2) :]
    return text


def stale(path: Path) -> list[str]:
    """The names of the blocks of `path` that differ from their source (empty: all up to date)."""
    text = path.read_text(encoding="utf-8")
    return [block.name for block in blocks(text) if block.text != SOURCES[block.name]().strip()]


def refresh(paths: tuple[Path, ...] = DOCUMENTS) -> list[Path]:
    """Rewrite the marked blocks of each document in place; returns the files that changed."""
    changed = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new = refreshed(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed
