"""Real-browser test of a quiz: a wrong answer gets its explanation, the right one says so.

JupyterLab on 127.0.0.1 runs notebook 00 (it is quick) in headless chromium; its quiz is a small
ipywidgets form per question (bertlib/course/quiz.py). No request may leave 127.0.0.1.
"""

from __future__ import annotations

import pytest

from bertlib.course.quiz import load_quiz
from tests.browser.lab import ARTIFACTS, open_notebook, run_all_cells

NOTEBOOK = "00_start_here.ipynb"
LAB_NOTEBOOKS = [NOTEBOOK]  # what the jupyter_lab fixture serves

pytestmark = pytest.mark.slow


def feedback_after_click(page, question, option_index: int) -> str:
    """Click option `option_index` of the question form and return the feedback it shows."""
    feedback = question.locator(".bertlib-quiz-feedback")
    before = feedback.inner_text()
    question.locator(".bertlib-quiz-option").nth(option_index).click()
    page.wait_for_function(
        "([el, before]) => el.innerText.trim() && el.innerText !== before",
        arg=[feedback.element_handle(), before],
        timeout=10_000,
    )
    return feedback.inner_text()


def test_quiz_answers_get_their_feedback(jupyter_lab, page, external_requests):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expected = load_quiz("00_start_here").question(1)
    wrong = next(i for i, option in enumerate(expected.options) if not option.correct)

    open_notebook(page, jupyter_lab, NOTEBOOK)
    run_all_cells(page, timeout_s=120)
    question = page.locator(".bertlib-quiz-question").first
    question.scroll_into_view_if_needed()
    question.wait_for(state="visible", timeout=30_000)
    assert expected.prompt.split("`")[0] in question.inner_text()

    shown = feedback_after_click(page, question, wrong)
    assert shown.startswith("✘ Not quite."), shown
    assert expected.options[wrong].why.split("`")[0].strip() in shown, "the wrong answer's explanation is missing"
    shown = feedback_after_click(page, question, expected.correct_index)
    assert shown.startswith("✔ Correct."), shown
    question.screenshot(path=str(ARTIFACTS / "quiz_feedback.png"))
    assert external_requests == [], f"requests left the machine: {external_requests}"
