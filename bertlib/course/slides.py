"""Presenter mode: every cell's slide type for RISE (jupyterlab-rise), assigned by rules.

An instructor presents a notebook as live reveal.js slides inside JupyterLab (View > Render as Reveal
Slideshow, or Alt+R): the code cells run in the slides, widgets included. RISE reads each cell's
`metadata.slideshow.slide_type`:

    slide      starts a new slide (left/right)        subslide   a new slide below it (up/down)
    fragment   appears on the same slide on a key press   -      continues the current slide
    skip       never shown                                notes  speaker notes (the T key)

Writing ~400 of those by hand would rot with the first edit, so `assign_slide_types` derives them:

1. a cell whose `slideshow` metadata has `"manual": true` keeps its type (the per-cell override);
2. the set-up cell (`setup_notebook()`) is skipped: it only pins threads and seeds;
3. a markdown cell opening with `#` or `##` starts a slide, one opening with `###` a subslide;
4. each quiz question (`quiz.question(N)`) gets a subslide of its own;
5. any other cell continues the current slide, unless its estimated height would push the slide
   past `SLIDE_BUDGET_PX` of the 720 pixels of a 1280 × 720 screen: then it starts a subslide.
   Heights are estimated from the source's lines and the saved outputs (text lines, PNG height).

`apply_slides(path)` rewrites one notebook's slide metadata (and the notebook's `rise` settings)
and touches nothing else; rerun it after editing a notebook:

    python -m bertlib.course.slides notebooks/*.ipynb

A cell that still overflows (the browser test walks every slide at 1280 × 720) gets an override
in the notebook, e.g. `{"slideshow": {"slide_type": "subslide", "manual": true}}`.
"""

from __future__ import annotations

import base64
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import nbformat

SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
#: RISE's settings for the series, stored in each notebook's metadata (RISE reads `metadata.rise`).
#: "white" is a reveal.js theme whose fonts ship with the extension (the default theme, "simple",
#: would fetch Google Fonts); slides start at the beginning; a slide that is still too tall scrolls.
RISE_SETTINGS = {
    "theme": "white",
    "transition": "none",
    "start_slideshow_at": "beginning",
    "scroll": True,
    "enable_chalkboard": False,
}
SLIDE_WIDTH_PX, SLIDE_HEIGHT_PX = 1280, 720
#: Height a slide's cells may fill; the rest is RISE's margins, controls and progress bar.
SLIDE_BUDGET_PX = 560
#: Estimates of rendered heights in RISE at 1280 px wide (measured in chromium, rounded up).
LINE_PX = {"markdown": 26, "heading": 44, "code": 20, "output": 20}
CELL_PADDING_PX = 18
CHARS_PER_LINE = {"markdown": 110, "code": 120, "output": 125}
IMAGE_WIDTH_PX = 1100  # the widest a figure is drawn in a slide
#: notebooks/rise.css caps one cell's parts (as shares of the 720-pixel height): a figure at 42vh,
#: an output area at 45vh and a code editor at 40vh; longer ones scroll inside their box.
IMAGE_MAX_PX, OUTPUT_MAX_PX, CODE_MAX_PX = 302, 324, 288
WIDGET_PX = 300  # a live widget whose saved output has no size (quiz questions, attention views)
SETUP_CALL = re.compile(r"^\s*setup_notebook\(", re.MULTILINE)
QUIZ_QUESTION = re.compile(r"^\s*quiz\.question\(\d+\)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class SlideStats:
    """What `apply_slides` did to one notebook."""

    path: Path
    slides: int  # cells that start a slide
    subslides: int
    skipped: int
    manual: int  # cells whose type an author fixed by hand


def _wrapped_lines(text: str, width: int) -> int:
    return sum(max(1, -(-len(line) // width)) for line in text.splitlines()) if text else 0


def _png_height(data: str) -> int:
    """Height in pixels a base64 PNG is drawn at in a slide (scaled down to the slide's width)."""
    raw = base64.b64decode(data[:64] + "=" * (-len(data[:64]) % 4))
    width, height = struct.unpack(">II", raw[16:24])  # the IHDR chunk: width, height
    return min(IMAGE_MAX_PX, round(height * min(1.0, IMAGE_WIDTH_PX / max(width, 1))))


def _output_height(output: nbformat.NotebookNode) -> int:
    if output.output_type == "stream":
        return LINE_PX["output"] * _wrapped_lines(output.text, CHARS_PER_LINE["output"])
    data = output.get("data", {})
    if "image/png" in data:
        return _png_height(data["image/png"])
    if "application/vnd.jupyter.widget-view+json" in data:
        return WIDGET_PX
    if "text/html" in data:
        return LINE_PX["output"] * min(30, _wrapped_lines(str(data["text/html"]), CHARS_PER_LINE["output"]))
    text = data.get("text/plain", output.get("evalue", ""))
    return LINE_PX["output"] * _wrapped_lines(str(text), CHARS_PER_LINE["output"])


def estimated_height(cell: nbformat.NotebookNode) -> int:
    """Roughly how many pixels the cell takes on a 1280-pixel-wide slide."""
    if cell.cell_type == "markdown":
        lines = cell.source.splitlines()
        headings = sum(line.startswith("#") for line in lines)
        body = "\n".join(line for line in lines if not line.startswith("#") and line.strip())
        # Markdown paragraphs reflow: count characters, not source lines; display maths is tall.
        text_lines = -(-len(body) // CHARS_PER_LINE["markdown"]) + body.count("- ") + 2 * body.count("$$")
        return CELL_PADDING_PX + headings * LINE_PX["heading"] + text_lines * LINE_PX["markdown"]
    if cell.cell_type != "code":
        return CELL_PADDING_PX
    source = min(CODE_MAX_PX, LINE_PX["code"] * _wrapped_lines(cell.source, CHARS_PER_LINE["code"]))
    outputs = min(OUTPUT_MAX_PX, sum(_output_height(o) for o in cell.get("outputs", [])))
    return 2 * CELL_PADDING_PX + source + outputs


def rule_slide_type(cell: nbformat.NotebookNode, used_px: int, first: bool) -> str:
    """The slide type rules 2–5 give `cell`, when the current slide already holds `used_px`."""
    source = cell.source.lstrip()
    if cell.cell_type == "code" and SETUP_CALL.search(cell.source):
        return "skip"
    if cell.cell_type == "markdown" and (source.startswith("# ") or source.startswith("## ")):
        return "slide"
    if cell.cell_type == "markdown" and source.startswith("### "):
        return "subslide"
    if cell.cell_type == "code" and QUIZ_QUESTION.search(cell.source):
        return "subslide"
    if first:
        return "slide"
    if used_px > 0 and used_px + estimated_height(cell) > SLIDE_BUDGET_PX:
        return "subslide"
    return "-"


def is_manual(cell: nbformat.NotebookNode) -> bool:
    """Whether the author fixed this cell's slide type by hand (`slideshow.manual`), so the rules leave it."""
    return bool(cell.metadata.get("slideshow", {}).get("manual"))


def assign_slide_types(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Set `metadata.slideshow.slide_type` on every cell (rules above), in place; returns the notebook."""
    used_px, first = 0, True
    for cell in notebook.cells:
        if is_manual(cell):
            kind = cell.metadata["slideshow"]["slide_type"]
            if kind not in SLIDE_TYPES:
                raise ValueError(f"Slide type {kind!r} is not one of {SLIDE_TYPES} (cell {cell.get('id')}).")
        else:
            kind = rule_slide_type(cell, used_px, first)
            cell.metadata["slideshow"] = {"slide_type": kind}
        if kind in ("slide", "subslide"):
            used_px, first = estimated_height(cell), False
        elif kind in ("-", "fragment"):
            used_px += estimated_height(cell)
    notebook.metadata["rise"] = dict(RISE_SETTINGS)
    return notebook


def apply_slides(path: str | Path) -> SlideStats:
    """Assign slide types to the notebook at `path` and save it; outputs and sources are untouched."""
    path = Path(path)
    notebook = assign_slide_types(nbformat.read(path, as_version=4))
    nbformat.write(notebook, path)
    kinds = [cell.metadata["slideshow"]["slide_type"] for cell in notebook.cells]
    return SlideStats(
        path=path,
        slides=kinds.count("slide"),
        subslides=kinds.count("subslide"),
        skipped=kinds.count("skip"),
        manual=sum(is_manual(c) for c in notebook.cells),
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m bertlib.course.slides NOTEBOOK...`: (re)assign the slide types, in place."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m bertlib.course.slides",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", type=Path, nargs="+", help="notebook files")
    for path in parser.parse_args(argv).paths:
        stats = apply_slides(path)
        print(
            f"{path.name}: {stats.slides} slides, {stats.subslides} subslides, {stats.skipped} skipped, "
            f"{stats.manual} set by hand"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
