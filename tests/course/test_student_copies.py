"""Student copies run to the end, and with every exercise written they are the instructor's notebooks.

- A fresh student copy (every solution blanked) runs top to bottom in a fresh kernel with errors NOT
  allowed: its last cell runs. Each check cell after an unwritten exercise prints the one line
  "✎ <exercise> is not written yet: until it is, this notebook uses bertlib's version." and nothing
  else, and no output holds a traceback or anything on stderr.
- With every exercise written (each placeholder filled back with the instructor's solution, as a
  student who solved it would), the copy's cells are the instructor notebook's cells, source for
  source. So strict nbval on the instructor notebook is a run of the solved copy; for the notebooks
  that train nothing the solved copy is also executed here and its text outputs compared with the
  instructor's saved ones (after tests/nbval_sanitize.cfg). `BERTLIB_SOLVED_COPIES=all` (the default
  under CI=true) runs every notebook's solved copy, the training ones too.

Cost (slow tests): a fresh copy runs about as long as its notebook, so the ten copies take about as long
as the series (the copies of 06, 07 and 09 train, ~45 s each on a quiet machine); the solved copies of
the notebooks without training take under a minute together.
"""

from __future__ import annotations

import configparser
import os
import re
from pathlib import Path

import nbformat
import pytest

from bertlib.course.notebooks import TRAINING_TAG, notebook_paths
from bertlib.course.student import PLACEHOLDER, find_exercises, solution_regions, write_student_copies
from bertlib.paths import REPO_ROOT

NOTEBOOKS = notebook_paths(REPO_ROOT / "notebooks")
NOT_WRITTEN = re.compile(r"✎ \S+ is not written yet: until it is, this notebook uses bertlib's version\.")
_PLACEHOLDER = re.compile(
    rf"^(?P<indent>[ \t]*){re.escape(PLACEHOLDER[0])}\n(?P=indent){re.escape(PLACEHOLDER[1])}[ \t]*(?:\n|$)",
    flags=re.MULTILINE,
)
SANITIZE = REPO_ROOT / "tests" / "nbval_sanitize.cfg"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(notebook: nbformat.NotebookNode) -> list[tuple[int, nbformat.NotebookNode]]:
    return [(index, cell) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]


def execute(notebook: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel in `folder`; the first error fails (errors are NOT allowed)."""
    from nbclient import NotebookClient

    NotebookClient(
        notebook, timeout=600, kernel_name="python3", allow_errors=False, resources={"metadata": {"path": str(folder)}}
    ).execute()
    return notebook


def output_text(output: nbformat.NotebookNode) -> str:
    """What nbval compares of one output: the printed text, or the plain-text form of a value."""
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return "\n".join(output.traceback)
    return output.get("data", {}).get("text/plain", "")


def trains(notebook: nbformat.NotebookNode) -> bool:
    return any(TRAINING_TAG in cell.metadata.get("tags", []) for _, cell in code_cells(notebook))


def solved(copy: nbformat.NotebookNode, instructor: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The copy with each placeholder replaced by the instructor's solution, region for region."""
    solved_copy = nbformat.from_dict(copy)
    for (index, cell), (_, original) in zip(code_cells(solved_copy), code_cells(instructor), strict=True):
        regions = iter(solution_regions(original.source))
        cell.source = _PLACEHOLDER.sub(lambda _, regions=regions: next(regions), cell.source)
        assert next(regions, None) is None, f"cell {index}: more solutions than placeholders"
    return solved_copy


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> Path:
    """The folder `python -m bertlib.course student` writes, as a student gets it."""
    out = tmp_path_factory.mktemp("student")
    write_student_copies(REPO_ROOT / "notebooks", out)
    return out


def test_solved_copy_is_the_instructor_notebook(copies):
    """Fast: each copy, its exercises written, has the instructor's cells (type and source) in order."""
    for path in NOTEBOOKS:
        instructor, copy = read(path), read(copies / path.name)
        assert [c.cell_type for c in copy.cells] == [c.cell_type for c in instructor.cells], path.name
        for index, (ours, theirs) in enumerate(zip(solved(copy, instructor).cells, instructor.cells, strict=True)):
            assert ours.source == theirs.source, f"{path.name}, cell {index}: the solved copy differs"
            assert ours.metadata.get("tags", []) == theirs.metadata.get("tags", []), f"{path.name}, cell {index}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_student_copy_runs_to_its_last_cell(path, copies):
    exercises = find_exercises(read(path), path.name)
    student = execute(read(copies / path.name), copies)  # raises CellExecutionError at the first error

    cells = code_cells(student)
    assert all(cell.execution_count is not None for _, cell in cells if cell.source.strip()), (
        f"{path.name}: not every cell ran"
    )
    for exercise in exercises:
        lines = "".join(output_text(o) for o in student.cells[exercise.check_cell].outputs).splitlines()
        assert len(lines) == 1 and NOT_WRITTEN.fullmatch(lines[0]), (
            f"{path.name}, cell {exercise.check_cell}: the check of the unwritten {exercise.name} should print "
            f"one 'not written yet' line, not {lines}"
        )
    for index, cell in cells:
        for output in cell.outputs:
            text = output_text(output)
            assert "Traceback" not in text, f"{path.name}, cell {index} shows an error: {text[:300]!r}"
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                f"{path.name}, cell {index} writes to stderr: {output.text[:300]!r}"
            )


def sanitizers() -> list[tuple[re.Pattern, str]]:
    """tests/nbval_sanitize.cfg's (regex, replacement) pairs, as nbval applies them."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(SANITIZE, encoding="utf-8")
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


def sanitized(text: str) -> str:
    for pattern, replacement in sanitizers():
        text = pattern.sub(replacement, text)
    return text


def outputs_of(notebook: nbformat.NotebookNode) -> list[list[str]]:
    """Each code cell's outputs as text, sanitized; consecutive prints to one stream count as one (as in nbval)."""
    cells = []
    for _, cell in code_cells(notebook):
        texts: list[str] = []
        previous = None
        for output in cell.outputs:
            stream = output.get("name") if output.output_type == "stream" else None
            if stream is not None and stream == previous:
                texts[-1] += output.text
            else:
                texts.append(output_text(output))
            previous = stream
        cells.append([sanitized(text) for text in texts])
    return cells


#: CI runs every solved copy; locally the training ones are opt-in (nbval runs the same cells).
SOLVED_RUN = os.environ.get("BERTLIB_SOLVED_COPIES", "all" if os.environ.get("CI") == "true" else "")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_solved_copy_prints_what_the_instructor_notebook_printed(path, copies, tmp_path):
    instructor = read(path)
    if trains(instructor) and SOLVED_RUN != "all":
        pytest.skip(
            f"{path.name} trains: its solved copy is its own cells (test_solved_copy_is_the_instructor_notebook), "
            "which strict nbval runs; BERTLIB_SOLVED_COPIES=all runs it here too"
        )
    run = execute(solved(read(copies / path.name), instructor), copies)
    for (index, _), ours, theirs in zip(code_cells(run), outputs_of(run), outputs_of(instructor), strict=True):
        assert ours == theirs, f"{path.name}, cell {index}: the solved copy printed {ours!r}, the notebook {theirs!r}"
