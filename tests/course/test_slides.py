"""Presenter mode's metadata: every cell of every notebook has a slide type, and every notebook
ends with its quiz (3–5 questions, an explanation for every option). No browser needed."""

from __future__ import annotations

import nbformat
import pytest

from bertlib.course.notebooks import clean_notebook, notebook_paths
from bertlib.course.quiz import MAX_QUESTIONS, MIN_QUESTIONS, load_quiz, quiz_start
from bertlib.course.slides import RISE_SETTINGS, SLIDE_TYPES, assign_slide_types, estimated_height
from bertlib.paths import REPO_ROOT

NOTEBOOKS = notebook_paths(REPO_ROOT / "notebooks")


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=lambda path: path.stem)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_every_cell_has_a_slide_type(notebook):
    path, nb = notebook
    missing = [
        i for i, cell in enumerate(nb.cells) if cell.metadata.get("slideshow", {}).get("slide_type") not in SLIDE_TYPES
    ]
    assert not missing, f"{path.name}: cells {missing} have no slide type; run python -m bertlib.course.slides"
    assert nb.cells[0].metadata["slideshow"]["slide_type"] == "slide"
    assert nb.metadata["rise"] == RISE_SETTINGS


def test_the_slide_types_are_up_to_date_with_the_rules(notebook):
    path, nb = notebook
    redone = assign_slide_types(clean_notebook(nb))  # a copy, re-derived from the rules
    stale = [i for i, (a, b) in enumerate(zip(nb.cells, redone.cells, strict=True)) if a.metadata != b.metadata]
    assert not stale, f"{path.name}: cells {stale} differ from the rules; run python -m bertlib.course.slides"


def test_setup_cells_are_skipped_and_headings_start_slides(notebook):
    _, nb = notebook
    for cell in nb.cells:
        kind = cell.metadata["slideshow"]["slide_type"]
        if cell.cell_type == "code" and "setup_notebook()" in cell.source:
            assert kind == "skip"
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            assert kind == "slide"


def test_each_notebook_ends_with_its_quiz(notebook):
    path, nb = notebook
    start = quiz_start(nb)
    assert start is not None, f"{path.name} has no '## Check yourself' quiz"
    quiz = load_quiz(path.stem)
    assert MIN_QUESTIONS <= len(quiz) <= MAX_QUESTIONS
    for question in quiz.questions:
        assert sum(option.correct for option in question.options) == 1
        assert all(option.why.strip() for option in question.options), "every option needs its explanation"
    tail = nb.cells[start:]
    assert f'load_quiz("{path.stem}")' in tail[1].source
    assert [cell.source for cell in tail[2:]] == [f"quiz.question({n})" for n in range(1, len(quiz) + 1)]
    for cell, question in zip(tail[2:], quiz.questions, strict=True):
        saved = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert saved and saved[0].data["text/plain"] == question.text(), "rerun the quiz cells to save their text"


def test_cells_are_laid_out_so_that_no_slide_is_estimated_too_tall():
    cell = nbformat.v4.new_markdown_cell("x" * 20_000)
    assert estimated_height(cell) > 720  # a long markdown cell is estimated as long
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Title"),
            nbformat.v4.new_code_cell("print(1)\n" * 12),
            nbformat.v4.new_code_cell("print(2)\n" * 12),
            nbformat.v4.new_code_cell("print(3)\n" * 12),
        ]
    )
    kinds = [c.metadata["slideshow"]["slide_type"] for c in assign_slide_types(nb).cells]
    assert kinds[0] == "slide" and "subslide" in kinds[1:], kinds


def test_a_manual_slide_type_is_kept():
    cell = nbformat.v4.new_code_cell("print(1)", metadata={"slideshow": {"slide_type": "notes", "manual": True}})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"), cell])
    assert assign_slide_types(nb).cells[1].metadata["slideshow"] == {"slide_type": "notes", "manual": True}
