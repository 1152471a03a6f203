"""Student and live-coding copies: the same notebooks with every exercise blanked and no outputs.

Exercises follow nbgrader's convention. In a code cell, everything between a line
`### BEGIN SOLUTION` and a line `### END SOLUTION` is the solution; the copy replaces it, at the
same indentation, with a `raise NotImplementedError()` so that the exercise's check reports
"not done yet" until the student writes their own code. Its job ends at writing the copies: the
checks that judge a student's answer live in `bertlib.course.checks`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from bertlib.course.notebooks import clean_notebook, notebook_paths

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
PLACEHOLDER = ("# YOUR CODE HERE", "raise NotImplementedError()")
_SOLUTION = re.compile(
    rf"^(?P<indent>[ \t]*){re.escape(BEGIN)}[^\n]*\n.*?^[ \t]*{re.escape(END)}[^\n]*(?:\n|$)",
    flags=re.MULTILINE | re.DOTALL,
)


def blank_solutions(source: str) -> str:
    """Replace each solution region of a cell's source with the placeholder, keeping indentation."""
    if source.count(BEGIN) != source.count(END):
        raise ValueError(
            f"Unbalanced solution markers: {source.count(BEGIN)} '{BEGIN}' but {source.count(END)} "
            f"'{END}'. Every solution needs both lines, each on a line of its own."
        )

    def placeholder(match: re.Match) -> str:
        indent = match.group("indent")
        return "".join(f"{indent}{line}\n" for line in PLACEHOLDER)

    blanked = _SOLUTION.sub(placeholder, source)
    if BEGIN in blanked:
        raise ValueError(f"A '{BEGIN}' line must start its line (only indentation before it).")
    return blanked.rstrip("\n") if not source.endswith("\n") else blanked


@dataclass
class StudentCopy:
    source: Path  # the full notebook
    target: Path  # where its copy was written
    exercises: int  # how many solution regions were blanked


def count_exercises(notebook: nbformat.NotebookNode) -> int:
    return sum(cell.source.count(BEGIN) for cell in notebook.cells if cell.cell_type == "code")


def make_student_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A cleaned copy with every solution blanked and every output cleared."""
    copy = clean_notebook(notebook)
    for cell in copy.cells:
        if cell.cell_type == "code":
            cell.source = blank_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
    return copy


def write_student_copies(folder: str | Path, out: str | Path) -> list[StudentCopy]:
    """Write a blanked copy of every notebook of the series in `folder` to `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebook_paths(folder):
        notebook = nbformat.read(path, as_version=4)
        target = out / path.name
        nbformat.write(make_student_notebook(notebook), target)
        written.append(StudentCopy(source=path, target=target, exercises=count_exercises(notebook)))
    return written
