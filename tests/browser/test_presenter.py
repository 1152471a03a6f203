"""Real-browser test of presenter mode: a notebook as live reveal.js slides (jupyterlab-rise).

In JupyterLab, Alt+R (View > Render as Reveal Slideshow) opens the slides beside the notebook; the
same slides open full-page at /rise/<notebook>. The test walks every slide of notebook 00 at 1280 × 720,
checking that the slide index moves and that each slide fits the screen, then runs a code cell and
a quiz widget inside the slides. No request may leave 127.0.0.1.

To check the fit of other notebooks' slides too (each takes 10–20 s), name them:
`BERTLIB_PRESENTER_NOTEBOOKS=all` or `BERTLIB_PRESENTER_NOTEBOOKS=03_queries_keys_softmax.ipynb,...`.
"""

from __future__ import annotations

import os
import time

import pytest

from bertlib.course.slides import SLIDE_HEIGHT_PX, SLIDE_WIDTH_PX
from tests.browser.lab import ARTIFACTS, ROOT, open_notebook

NOTEBOOK = "00_start_here.ipynb"
_CHOSEN = os.environ.get("BERTLIB_PRESENTER_NOTEBOOKS", NOTEBOOK)
PRESENTED = (
    [p.name for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    if _CHOSEN == "all"
    else sorted(set(_CHOSEN.split(",")) | {NOTEBOOK})
)
LAB_NOTEBOOKS = PRESENTED  # what the jupyter_lab fixture serves
#: The slide on screen: reveal.js marks it `present` (a vertical subslide sits inside its column).
CURRENT_SLIDE = """() => {
  const slide = document.querySelector('.reveal .slides > section.present > section.present')
             || document.querySelector('.reveal .slides > section.present');
  if (!slide) return null;
  const box = slide.getBoundingClientRect();
  return {id: slide.id, top: box.top, bottom: box.bottom, left: box.left, right: box.right,
          scrollHeight: slide.scrollHeight, clientHeight: slide.clientHeight, text: slide.innerText};
}"""

pytestmark = pytest.mark.slow


def open_slides(page, lab, notebook: str = NOTEBOOK) -> None:
    """The full-page slideshow of `notebook`, as RISE's "open in a new tab" command shows it."""
    page.set_viewport_size({"width": SLIDE_WIDTH_PX, "height": SLIDE_HEIGHT_PX})
    page.goto(lab.url_for(f"rise/{notebook}"), wait_until="domcontentloaded")
    page.wait_for_selector(".reveal .slides section.present", timeout=90_000)
    page.wait_for_function("() => document.querySelector('.jp-Notebook') !== null", timeout=60_000)
    time.sleep(2)  # reveal.js lays the slides out after the notebook renders


def walk_slides(page) -> list[dict]:
    """Press Space (next slide or subslide) until the last slide; the slides seen, in order."""
    seen = [page.evaluate(CURRENT_SLIDE)]
    for _ in range(200):
        page.keyboard.press("Space")
        page.wait_for_timeout(250)
        slide = page.evaluate(CURRENT_SLIDE)
        if slide["id"] == seen[-1]["id"]:
            return seen
        seen.append(slide)
    pytest.fail("The slideshow never reached its last slide after 200 steps.")


def test_alt_r_opens_the_slides_inside_jupyterlab(jupyter_lab, page, external_requests):
    open_notebook(page, jupyter_lab, NOTEBOOK)
    page.locator(".jp-Notebook").first.click()
    page.keyboard.press("Escape")  # command mode: the shortcut belongs to the notebook, not a cell
    page.keyboard.press("Alt+r")
    frame = page.frame_locator("iframe[src*='/rise/']")
    frame.locator(".reveal .slides section.present").first.wait_for(timeout=90_000)
    assert "start here" in frame.locator(".reveal .slides section.present").first.inner_text().lower()
    page.screenshot(path=str(ARTIFACTS / "presenter_in_lab.png"))
    assert external_requests == [], f"requests left the machine: {external_requests}"


@pytest.mark.parametrize("notebook", PRESENTED)
def test_slides_move_and_each_fits_1280_by_720(jupyter_lab, page, external_requests, notebook):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    open_slides(page, jupyter_lab, notebook)
    page.screenshot(path=str(ARTIFACTS / f"presenter_first_slide_{notebook[:2]}.png"))
    slides = walk_slides(page)
    ids = [slide["id"] for slide in slides]
    assert len(ids) >= 8 and len(set(ids)) == len(ids), f"the slide index did not move through the slides: {ids}"
    too_big = [
        {**slide, "text": slide["text"][:60]}
        for slide in slides
        if slide["top"] < 0
        or slide["bottom"] > SLIDE_HEIGHT_PX
        or slide["right"] > SLIDE_WIDTH_PX
        or slide["scrollHeight"] > slide["clientHeight"] + 1
    ]
    assert not too_big, f"{notebook}: slides that do not fit {SLIDE_WIDTH_PX} × {SLIDE_HEIGHT_PX}: {too_big}"
    assert external_requests == [], f"requests left the machine: {external_requests}"


def run_cell_on_slide(page, slide_text: str) -> None:
    """Go to the first slide that shows `slide_text`, select its code cell and run it.

    Ctrl+Enter runs the cell and stays on its slide (Shift+Enter would also move on, as in a notebook).
    """
    page.keyboard.press("Escape")  # command mode, so that the keys move slides instead of typing
    page.keyboard.press("Home")
    for _ in range(60):
        if slide_text in page.evaluate(CURRENT_SLIDE)["text"]:
            break
        page.keyboard.press("Space")
        page.wait_for_timeout(250)
    else:
        pytest.fail(f"No slide shows {slide_text!r}.")
    cell = page.locator(".reveal section.present .jp-CodeCell").filter(has_text=slide_text).first
    cell.locator(".jp-InputPrompt").click()  # selects the cell without entering its editor
    page.keyboard.press("Control+Enter")


def test_a_code_cell_and_a_widget_run_in_the_slides(jupyter_lab, page, external_requests):
    open_slides(page, jupyter_lab)
    run_cell_on_slide(page, "print(environment_report())")
    cell = page.locator(".jp-CodeCell").filter(has_text="print(environment_report())").first
    # The saved output is replaced by the live one: a fresh kernel numbers this run [1].
    cell.locator(".jp-InputPrompt", has_text="[1]").wait_for(timeout=60_000)
    assert "device" in cell.locator(".jp-OutputArea").inner_text()

    run_cell_on_slide(page, "quiz = load_quiz(")
    run_cell_on_slide(page, "quiz.question(1)")
    question = page.locator(".reveal section.present .bertlib-quiz-question").first
    try:
        question.wait_for(timeout=30_000)
    finally:
        page.screenshot(path=str(ARTIFACTS / "presenter_quiz.png"))
    question.locator(".bertlib-quiz-option").first.click()
    feedback = question.locator(".bertlib-quiz-feedback")
    page.wait_for_function("el => el.innerText.trim().length > 0", arg=feedback.element_handle(), timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "presenter_quiz.png"))
    slide = page.evaluate(CURRENT_SLIDE)
    assert slide["bottom"] <= SLIDE_HEIGHT_PX and slide["scrollHeight"] <= slide["clientHeight"] + 1
    assert external_requests == [], f"requests left the machine: {external_requests}"
