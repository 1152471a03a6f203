"""Every exercise in the notebooks, found by reading them: its layout, its check's fallback, and its solution.

Nothing here lists the exercises: they are read from the `### BEGIN SOLUTION` regions and the check
cell after each (`bertlib.course.student.find_exercises`), so an exercise added to a notebook is
covered at once. Each check's typical wrong answers are tested beside it (tests/course/test_checks*.py).

- the layout: every solution region sits in a function body and the next cell is `x = check_x(x)`;
- the check's `fallback` (what a student copy uses until the exercise is written) has the exercise's
  signature: the same parameters, in the same order, with defaults in the same places;
- the notebook's own solution passes its check. Only the cells the exercise needs run (found by the
  names it reads, cell by cell back to where each is defined), so this takes seconds per exercise,
  not a run of the notebook; an exercise that needs a cell tagged `training` is marked slow.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import symtable
from dataclasses import dataclass

import nbformat
import pytest

from bertlib.course import checks
from bertlib.course.notebooks import TRAINING_TAG, notebook_paths
from bertlib.course.student import Exercise, find_exercises
from bertlib.paths import REPO_ROOT

NOTEBOOKS = notebook_paths(REPO_ROOT / "notebooks")


@dataclass(frozen=True)
class Found:
    """One exercise of one notebook, with the notebook it came from."""

    notebook: str
    exercise: Exercise

    def __str__(self) -> str:
        return f"{self.notebook[:2]}-{self.exercise.name}"


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(REPO_ROOT / "notebooks" / name, as_version=4)


def every_exercise() -> list[Found]:
    found = []
    for path in NOTEBOOKS:
        with contextlib.suppress(ValueError):  # test_every_exercise_is_checked_in_its_own_cell names what is wrong
            found += [Found(path.name, exercise) for exercise in find_exercises(read(path.name), path.name)]
    return found


EXERCISES = every_exercise()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_every_exercise_is_checked_in_its_own_cell(path):
    exercises = find_exercises(read(path.name), path.name)  # raises ExerciseLayoutError naming the fix
    for exercise in exercises:
        assert exercise.check in checks.__all__, (
            f"{path.name}, cell {exercise.cell}: {exercise.check} is not exported by bertlib.course.checks"
        )
    regions = sum(cell.source.count("### BEGIN SOLUTION") for cell in read(path.name).cells if cell.cell_type == "code")
    assert regions == 0 or exercises, f"{path.name} has solution regions but no exercise"


# -- the fallback has the exercise's signature ----------------------------------------------------------


def parameters_of(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[str, bool]]:
    """(name, has a default) for each parameter of a def in a notebook, in order."""
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    defaults = [False] * (len(positional) - len(arguments.defaults)) + [True] * len(arguments.defaults)
    named = [(a.arg, d) for a, d in zip(positional, defaults, strict=True)]
    named += [(a.arg, d is not None) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)]
    return named


def signature_of(function) -> list[tuple[str, bool]]:
    """(name, has a default) for each parameter of bertlib's callable, in order (self included)."""
    return [
        (name, parameter.default is not inspect.Parameter.empty)
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]


def accepts(fallback: list[tuple[str, bool]], exercise: list[tuple[str, bool]]) -> bool:
    """bertlib's version takes the exercise's parameters, in order, defaults alike; any more are optional."""
    return fallback[: len(exercise)] == exercise and all(default for _, default in fallback[len(exercise) :])


def definition(found: Found) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef:
    tree = ast.parse(read(found.notebook).cells[found.exercise.cell].source)
    return next(node for node in tree.body if getattr(node, "name", None) == found.exercise.name)


@pytest.mark.parametrize("found", EXERCISES, ids=str)
def test_the_fallback_has_the_exercises_signature(found):
    fallback = getattr(checks, found.exercise.check).fallback
    node = definition(found)
    where = f"{found.notebook}: {found.exercise.check}'s fallback {fallback.__qualname__}"
    if isinstance(node, ast.ClassDef):
        assert isinstance(fallback, type), f"{where} should be a class, as the exercise {node.name} is"
        methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for method in methods:
            if method.name.startswith("_") and method.name != "__init__":
                continue
            assert hasattr(fallback, method.name), f"{where} has no method {method.name}"
            assert accepts(signature_of(getattr(fallback, method.name)), parameters_of(method)), (
                f"{where}.{method.name} takes {signature_of(getattr(fallback, method.name))}, "
                f"the exercise's takes {parameters_of(method)}"
            )
    else:
        assert accepts(signature_of(fallback), parameters_of(node)), (
            f"{where} takes {signature_of(fallback)}; the exercise {node.name} takes {parameters_of(node)}"
        )


# -- the notebook's own solution passes its check ---------------------------------------------------------


def globals_read(source: str) -> set[str]:
    """The global names a cell reads: at its top level, and inside its functions and classes."""
    try:
        table = symtable.symtable(source, "<cell>", "exec")
    except SyntaxError:  # an IPython magic: it defines nothing the exercises use
        return set()
    names = {symbol.get_name() for symbol in table.get_symbols() if symbol.is_referenced()}
    pending = list(table.get_children())
    while pending:
        scope = pending.pop()
        names |= {symbol.get_name() for symbol in scope.get_symbols() if symbol.is_global()}
        pending += scope.get_children()
    return names


def globals_defined(source: str) -> set[str]:
    try:
        table = symtable.symtable(source, "<cell>", "exec")
    except SyntaxError:
        return set()
    return {symbol.get_name() for symbol in table.get_symbols() if symbol.is_assigned() or symbol.is_imported()} | {
        child.get_name() for child in table.get_children()
    }


def cells_needed(notebook: nbformat.NotebookNode, exercise: Exercise) -> list[int]:
    """The code cells before the exercise that define what it reads, transitively, plus the set-up cell."""
    code = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and i < exercise.cell]
    needed = {code[0]}  # setup_notebook(): threads and seeds as in the notebook
    wanted = globals_read(notebook.cells[exercise.cell].source) | globals_read(
        notebook.cells[exercise.check_cell].source
    )
    seen: set[str] = set()
    while wanted - seen:
        name = (wanted - seen).pop()
        seen.add(name)
        for index in reversed(code):  # the latest cell that defines it, and earlier ones if it rebinds it
            source = notebook.cells[index].source
            if name not in globals_defined(source):
                continue
            if index not in needed:
                needed.add(index)
                wanted |= globals_read(source)
            if name not in globals_read(source):  # `x = check_x(x)` reads the x of an earlier cell
                break
    return sorted(needed)


def solution_case(found: Found):
    notebook = read(found.notebook)
    trains = any(
        TRAINING_TAG in notebook.cells[i].metadata.get("tags", []) for i in cells_needed(notebook, found.exercise)
    )
    return pytest.param(found, id=str(found), marks=[pytest.mark.slow] if trains else [])


@pytest.mark.parametrize("found", [solution_case(found) for found in EXERCISES])
def test_the_notebooks_own_solution_passes_its_check(found, monkeypatch, capsys):
    notebook = read(found.notebook)
    monkeypatch.chdir(REPO_ROOT / "notebooks")  # where the notebook runs
    namespace: dict = {"__name__": "__main__"}
    try:
        for index in [*cells_needed(notebook, found.exercise), found.exercise.cell, found.exercise.check_cell]:
            exec(compile(notebook.cells[index].source, f"{found.notebook}, cell {index}", "exec"), namespace)
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")  # figures the cells drew
    printed = capsys.readouterr().out
    assert "✔ " in printed and "not written yet" not in printed, (
        f"{found.notebook}: {found.exercise.check} on the notebook's own {found.exercise.name} printed {printed!r}"
    )
    assert namespace[found.exercise.name] is not getattr(checks, found.exercise.check).fallback
