"""The student-copy writer blanks every solution and nothing else."""

from __future__ import annotations

import nbformat
import pytest

from bertlib.course.student import (
    ExerciseLayoutError,
    blank_solutions,
    find_exercises,
    make_student_notebook,
    solution_regions,
    write_student_copies,
)

SOLVED = '''def softmax(x):
    """Turn scores into probabilities."""
    ### BEGIN SOLUTION
    shifted = x - x.max(dim=-1, keepdim=True).values
    return shifted.exp() / shifted.exp().sum(dim=-1, keepdim=True)
    ### END SOLUTION

print("defined")'''


def test_solution_becomes_placeholder_at_its_indentation():
    blanked = blank_solutions(SOLVED)
    assert "shifted" not in blanked
    assert "    # YOUR CODE HERE\n    raise NotImplementedError()\n" in blanked
    assert blanked.startswith('def softmax(x):\n    """Turn scores into probabilities."""\n')
    assert blanked.endswith('\nprint("defined")')


def test_blanked_code_still_defines_the_function():
    namespace: dict = {}
    exec(blank_solutions(SOLVED), namespace)
    with pytest.raises(NotImplementedError):
        namespace["softmax"](None)


def test_two_solutions_in_one_cell_are_both_blanked():
    source = (
        "def a():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n\n"
        "def b():\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n"
    )
    blanked = blank_solutions(source)
    assert blanked.count("raise NotImplementedError()") == 2
    assert "return" not in blanked


def test_unbalanced_markers_are_a_clear_error():
    with pytest.raises(ValueError, match="Unbalanced solution markers"):
        blank_solutions("### BEGIN SOLUTION\nx = 1\n")


def test_source_without_solution_is_unchanged():
    assert blank_solutions("x = 1\nprint(x)") == "x = 1\nprint(x)"


def test_student_notebook_has_no_outputs_and_no_solutions(tmp_path):
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(SOLVED)
    cell.outputs = [nbformat.v4.new_output("stream", text="defined\n")]
    cell.execution_count = 1
    notebook.cells = [nbformat.v4.new_markdown_cell("# Title"), cell]
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(notebook, folder / "01_demo.ipynb")

    [copy] = write_student_copies(folder, tmp_path / "student")

    assert copy.exercises == 1
    student = nbformat.read(copy.target, as_version=4)
    assert student.cells[1].outputs == [] and student.cells[1].execution_count is None
    assert "NotImplementedError" in student.cells[1].source
    assert student.cells[0].source == "# Title"
    assert make_student_notebook(student) == student  # idempotent


def test_presenter_stylesheet_travels_with_the_copies(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOLVED)]), folder / "01_demo.ipynb")
    (folder / "rise.css").write_text(".reveal { font-size: 20px; }\n", encoding="utf-8")

    write_student_copies(folder, tmp_path / "student")

    assert (tmp_path / "student" / "rise.css").read_text(encoding="utf-8") == ".reveal { font-size: 20px; }\n"
    write_student_copies(folder, tmp_path / "student")  # its own unchanged copy is no foreign file


# -- reading the exercises: find_exercises ----------------------------------------------------------


def notebook_of(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])


EXERCISE = "def softmax(x):\n    ### BEGIN SOLUTION\n    return x.softmax(-1)\n    ### END SOLUTION\n"


def test_an_exercise_is_its_def_and_the_check_cell_after_it():
    notebook = notebook_of("import torch", EXERCISE, "from m import check_softmax\n\nsoftmax = check_softmax(softmax)")
    [exercise] = find_exercises(notebook, "02_demo.ipynb")
    assert (exercise.name, exercise.kind, exercise.cell, exercise.check_cell, exercise.check) == (
        "softmax",
        "function",
        1,
        2,
        "check_softmax",
    )


def test_a_class_with_solutions_in_two_methods_is_one_exercise():
    source = (
        "class Attention(nn.Module):\n"
        "    def __init__(self, d):\n        super().__init__()\n"
        "        ### BEGIN SOLUTION\n        self.query = nn.Linear(d, d)\n        ### END SOLUTION\n\n"
        "    def forward(self, x):\n"
        "        ### BEGIN SOLUTION\n        return self.query(x)\n        ### END SOLUTION\n"
    )
    [exercise] = find_exercises(notebook_of(source, "Attention = check_attention_module(Attention)"))
    assert (exercise.name, exercise.kind, exercise.check) == ("Attention", "class", "check_attention_module")


@pytest.mark.parametrize(
    "cells, message",
    [
        ((EXERCISE, "check_softmax(softmax)"), r"02_demo.ipynb, cell 1 .*`softmax = check_softmax\(softmax\)`"),
        ((EXERCISE,), r"the next cell must check the exercise"),
        ((EXERCISE, "# a comment", "softmax = check_softmax(softmax)"), "the next cell must check"),
        ((EXERCISE, "result = check_softmax(softmax)"), "keep what the check returns"),
        (("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "x = check_x(x)"), "line 1: .*not inside the body"),
        (
            ("class A:\n    ### BEGIN SOLUTION\n    size = 3\n    ### END SOLUTION\n", "A = check_a(A)"),
            "line 2: .*not inside the body of a function or method",
        ),
        ((EXERCISE + "\nprint(softmax(1))", "softmax = check_softmax(softmax)"), "the cell calls softmax itself"),
        (("def f(:\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n", "f = check_f(f)"), "not valid Python"),
    ],
    ids=[
        "old check form",
        "no check cell",
        "a cell in between",
        "another name",
        "at top level",
        "in a class body",
        "called too early",
        "syntax error",
    ],
)
def test_an_exercise_a_student_copy_cannot_run_past_is_a_clear_error(cells, message):
    with pytest.raises(ExerciseLayoutError, match=message):
        find_exercises(notebook_of(*cells), "02_demo.ipynb")


def test_solution_regions_are_what_the_copy_blanks():
    regions = solution_regions(SOLVED)
    assert len(regions) == 1 and regions[0].startswith("    ### BEGIN SOLUTION\n")
    assert regions[0].rstrip("\n").endswith("### END SOLUTION") and "shifted = x" in regions[0]
    assert (
        blank_solutions(SOLVED).replace("    # YOUR CODE HERE\n    raise NotImplementedError()\n", regions[0]) == SOLVED
    )
