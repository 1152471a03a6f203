"""The committed notebooks keep the course's conventions: clean, set up alike, exercises with checks.

These tests read the .ipynb files only (nbval runs them); they fail with the notebook and the cell
that break a convention, so that an author knows what to fix.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from bertlib.course import checks
from bertlib.course.notebooks import notebook_paths, problems
from bertlib.course.student import BEGIN, END, make_student_notebook
from bertlib.paths import REPO_ROOT

NOTEBOOKS = notebook_paths(REPO_ROOT / "notebooks")
WITH_EXERCISES = [path for path in NOTEBOOKS if not path.name.startswith("00_")]
#: Notebook 00 introduces the machinery with one warm-up exercise; from 01 on each has at least two.
MIN_EXERCISES = 2
CHECK_CALL = re.compile(r"^\s*(?:\w+\s*=\s*)?(check_\w+)\((\w+)\)\s*$", flags=re.MULTILINE)


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(notebook: nbformat.NotebookNode) -> list[tuple[int, nbformat.NotebookNode]]:
    return [(i, cell) for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and cell.source.strip()]


def exercise_cells(notebook: nbformat.NotebookNode) -> list[int]:
    return [i for i, cell in code_cells(notebook) if BEGIN in cell.source]


def defined_functions(source: str) -> list[str]:
    return [node.name for node in ast.parse(source).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]


def notebook_ids(paths) -> list[str]:
    return [path.name for path in paths]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_notebook_is_clean(path):
    assert problems(read(path)) == [], f"{path.name}: {problems(read(path))}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_first_code_cell_sets_up_the_notebook(path):
    _, first = code_cells(read(path))[0]
    assert "setup_notebook()" in first.source, (
        f"{path.name}: the first code cell must call setup_notebook() (threads, seeds, PNG figures), "
        f"but it is:\n{first.source}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_outputs_have_no_errors_warnings_or_svg(path):
    for index, cell in code_cells(read(path)):
        for output in cell.outputs:
            where = f"{path.name}, cell {index}"
            assert output.output_type != "error", f"{where} was saved with an error: {output.get('ename')}"
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                f"{where} writes to stderr (a warning or a progress bar?): {output.text[:200]!r}"
            )
            assert "image/svg+xml" not in output.get("data", {}), f"{where} has an SVG output; figures are PNG"


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=notebook_ids(WITH_EXERCISES))
def test_enough_exercises(path):
    found = len(exercise_cells(read(path)))
    assert found >= MIN_EXERCISES, f"{path.name} has {found} exercises; every notebook from 01 on needs {MIN_EXERCISES}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_each_exercise_is_one_function_followed_by_its_check(path):
    notebook = read(path)
    cells = notebook.cells
    for index in exercise_cells(notebook):
        source = cells[index].source
        where = f"{path.name}, cell {index}"
        regions = source.count(BEGIN)
        assert regions == source.count(END) and (regions == 1 or "class " in source), (
            f"{where}: one solution region per exercise cell (a class may have one in each method)"
        )
        functions = defined_functions(source)
        assert len(functions) == 1, f"{where}: an exercise cell defines exactly one function, not {functions}"
        following = cells[index + 1] if index + 1 < len(cells) else None
        assert following is not None and following.cell_type == "code", (
            f"{where}: the exercise must be followed immediately by a code cell that checks it"
        )
        calls = CHECK_CALL.findall(following.source)
        assert [name for _, name in calls] == [functions[0]], (
            f"{where}: the next cell should call a check on {functions[0]}, e.g. check_xxx({functions[0]}); "
            f"it is:\n{following.source}"
        )
        check_name = calls[0][0]
        assert check_name in checks.__all__, f"{where}: {check_name} is not a check in bertlib.course.checks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_ids(NOTEBOOKS))
def test_student_copy_blanks_every_exercise_and_still_parses(path):
    notebook = read(path)
    student = make_student_notebook(notebook)
    for index in exercise_cells(notebook):
        blanked = student.cells[index].source
        assert "### BEGIN SOLUTION" not in blanked and "raise NotImplementedError()" in blanked
        assert defined_functions(blanked) == defined_functions(notebook.cells[index].source)
    for _index, cell in code_cells(student):
        if not cell.source.lstrip().startswith(("%", "!")):
            ast.parse(cell.source)  # a blanked cell must still be valid Python
        assert cell.outputs == []
