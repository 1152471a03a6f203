"""Student copies behave: every exercise's check says "not written yet", and nothing else breaks.

Each notebook's student copy runs top to bottom in a fresh kernel with errors allowed. A cell may
fail only because an exercise is unsolved: its check raises ExerciseNotDone, a cell that calls the
unsolved function raises NotImplementedError, and a cell that uses a name an earlier failed cell
should have defined raises NameError. Any other error is a bug in the notebook.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from bertlib.course.notebooks import notebook_paths
from bertlib.course.student import BEGIN, make_student_notebook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = notebook_paths(ROOT / "notebooks")
CHECK_CALL = re.compile(r"^\s*check_\w+\(", flags=re.MULTILINE)
UNSOLVED = {"NotImplementedError", "ExerciseNotDone"}

pytestmark = pytest.mark.slow


def assigned_names(source: str) -> set[str]:
    """Names a cell would have defined, had it not failed."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics; such cells define nothing we track
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def run_allowing_errors(notebook: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return notebook


def error_of(cell) -> dict | None:
    return next((o for o in cell.get("outputs", []) if o.output_type == "error"), None)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_student_copy_fails_only_on_unsolved_exercises(path):
    full = nbformat.read(path, as_version=4)
    exercises = sum(cell.source.count(BEGIN) for cell in full.cells if cell.cell_type == "code")
    student = run_allowing_errors(make_student_notebook(full), path.parent)

    unset: set[str] = set()  # names that failed cells should have defined
    checks_not_done = 0
    for index, cell in enumerate(c for c in student.cells if c.cell_type == "code"):
        error = error_of(cell)
        if error is None:
            continue
        unset |= assigned_names(cell.source)
        where = f"{path.name}, code cell {index}: {cell.source.strip().splitlines()[0][:70]!r}"
        if CHECK_CALL.search(cell.source) and error.ename == "ExerciseNotDone":
            assert "not written yet" in error.evalue, where
            checks_not_done += 1
            continue
        if error.ename == "NameError":
            missing = re.search(r"name '(\w+)' is not defined", error.evalue)
            assert missing and missing.group(1) in unset, f"{where} fails with {error.evalue}"
            continue
        assert error.ename in UNSOLVED, f"{where} fails with {error.ename}: {error.evalue}"
    assert checks_not_done == exercises, (
        f"{path.name} has {exercises} exercises but {checks_not_done} checks said 'not written yet'"
    )
