"""The student-copy writer blanks every solution and nothing else."""

from __future__ import annotations

import nbformat
import pytest

from bertlib.course.student import blank_solutions, make_student_notebook, write_student_copies

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
