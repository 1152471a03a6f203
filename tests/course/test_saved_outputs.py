"""Saved outputs tell the truth: no wall-clock time, and no character the course's fonts cannot draw.

The notebooks save no durations at all: a time saved from one run says nothing true about the next
(an overloaded run once saved 466.8 s for a 45 s cell), so the README's run-time table is the only
timing. And every character of an output, of the prose or of the code must be in DejaVu Sans and DejaVu Sans Mono
(the fonts matplotlib ships, and Debian's default): a missing one, such as an emoji, shows as an empty
box in Debian's chromium.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import matplotlib
import nbformat
import pytest
from fontTools.ttLib import TTFont

from bertlib.course.notebooks import notebook_paths
from bertlib.paths import REPO_ROOT

NOTEBOOKS = notebook_paths(REPO_ROOT / "notebooks")
FONTS = ("DejaVuSans.ttf", "DejaVuSansMono.ttf")
#: A wall-clock duration as a notebook or tqdm would print it: the stopwatch emoji, tqdm's rates and its
#: "[00:41<00:00" times, or a number followed by a unit of time ("12.3 s", "45 seconds", "2 min").
DURATION = re.compile(
    r"⏱|\bs/it\b|\bit/s\b|\[\d+:\d\d"
    r"|(?<![\w.])\d+(?:[.,]\d+)*\s*(?:s|secs?|seconds?|ms|mins?|minutes?|hours?)\b(?![-'’])",
    flags=re.IGNORECASE,
)
WHITESPACE = set("\n\r\t")


def output_texts(output: nbformat.NotebookNode) -> list[str]:
    """The text a reader sees of one output: a stream, or every text/* form of a display or result."""
    if output.output_type == "stream":
        return [output.text]
    if output.output_type == "error":
        return [output.get("evalue", "")]
    return [value for key, value in output.get("data", {}).items() if key.startswith("text/")]


def saved_texts(path: Path, *, sources: bool) -> list[tuple[int, str]]:
    """(cell index, text) for every output of every code cell, and every cell's source if asked."""
    found = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if sources:
            found.append((index, cell.source))
        if cell.cell_type == "code":
            found += [(index, text) for output in cell.outputs for text in output_texts(output)]
    return found


@cache
def drawable(font: str) -> frozenset[int]:
    """The code points that `font` (one of matplotlib's bundled TTFs) has a glyph for."""
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / font
    return frozenset(TTFont(path).getBestCmap())


@pytest.mark.parametrize(
    "text",
    ["⏱ 12.3 s", "0/800 [00:41<00:00, 19.3it/s]", "3.20 s/it", "took 12 seconds", "in 2 min", "about 1,749 s"],
)
def test_the_detector_finds_a_duration(text):
    assert DURATION.search(text), text


@pytest.mark.parametrize(
    "text",
    [
        "300 steps of 32 sentences",
        "H -> 4H -> H",
        "2 heads",
        "pre-training: 100%|██████████| 800/800",
        "7 s-shaped",
        "0.5",
    ],
)
def test_the_detector_leaves_other_numbers_alone(text):
    assert not DURATION.search(text), text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_no_saved_output_holds_a_wall_clock_time(path):
    found = [
        f"cell {index}: {text[max(0, match.start() - 40) : match.end() + 10]!r}"
        for index, text in saved_texts(path, sources=False)
        for match in DURATION.finditer(text)
    ]
    assert not found, (
        f"{path.name} saved a wall-clock time (the README's run-time table is the only timing; print no "
        "duration, and run the notebook with `python -m bertlib.course run`, which saves progress bars "
        "without their times): " + "; ".join(found)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_every_character_is_in_the_dejavu_fonts(path):
    missing = {
        f"{char!r} (U+{ord(char):04X}) in cell {index}, missing from {font}"
        for index, text in saved_texts(path, sources=True)
        for char in set(text) - WHITESPACE
        for font in FONTS
        if ord(char) not in drawable(font)
    }
    assert not missing, (
        f"{path.name} shows characters that Debian's fonts cannot draw (an empty box in chromium); use words or "
        "a character both DejaVu fonts have: " + "; ".join(sorted(missing))
    )
