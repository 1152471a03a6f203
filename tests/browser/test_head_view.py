"""Real-browser test: the head view in JupyterLab at 1400 × 900, as a student's laptop shows it.

A two-cell notebook builds `HeadView` on the real MiniLM (tests/browser/views.py); headless Debian
chromium runs it. The test checks what the issue found broken: the picture is shown at its own size
(not stretched, so not blurred), the controls and the legend are in sight together, all 12 heads
are listed without a scroll bar, and the sentence dropdown shows its longest sentence whole.
Screenshots go to artifacts/browser/head_view.png.
"""

from __future__ import annotations

import pytest

from tests.browser.lab import ARTIFACTS
from tests.browser.views import LONGEST_OPTION_FITS, inside_viewport, run_view_notebook, write_view_notebook

pytestmark = pytest.mark.slow

LAB_NOTEBOOKS = ["00_start_here.ipynb"]  # the fixture serves a folder; the view's notebook is written into it
WIDTH, HEIGHT = 1400, 900
VIEW = ".bertlib-head-view"


@pytest.fixture(scope="module")
def head_view(jupyter_lab, page, minilm_dir):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    name = write_view_notebook(jupyter_lab.root, "head_view.ipynb", "HeadView")
    run_view_notebook(page, jupyter_lab, name, VIEW)
    view = page.locator(VIEW).first
    image = page.locator(f"{VIEW}-image").first
    image.wait_for(state="visible", timeout=30_000)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    # A student scrolls the view to the top of the notebook panel.
    view.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(ARTIFACTS / "head_view.png"))
    text = page.locator(".jp-Notebook").inner_text()
    assert "Error displaying widget" not in text and "Loading widget" not in text
    return view


def test_picture_is_shown_at_its_own_size(head_view):
    image = head_view.page.locator(f"{VIEW}-image").first
    natural = image.evaluate("img => img.naturalWidth")
    shown = image.bounding_box()["width"]
    assert natural > 300
    assert abs(shown - natural) <= 0.02 * natural, f"PNG {natural} px wide shown at {shown:.0f} px"


def test_controls_and_legend_are_in_sight_together(head_view):
    page = head_view.page
    boxes = {
        name: page.locator(selector).first.bounding_box()
        for name, selector in {
            "sentence": f"{VIEW} .bertlib-control-sentence",
            "layer": f"{VIEW} .bertlib-control-layer",
            "heads": f"{VIEW} .bertlib-control-heads",
            "query": f"{VIEW} .bertlib-control-query",
            "legend": f"{VIEW} .bertlib-head-view-legend",
        }.items()
    }
    outside = {name: box for name, box in boxes.items() if not inside_viewport(box, WIDTH, HEIGHT)}
    assert outside == {}, f"not in the {WIDTH}×{HEIGHT} window: {outside}"
    assert "head 0" in page.locator(f"{VIEW} .bertlib-head-view-legend").first.inner_text()


def test_all_twelve_heads_are_listed_without_scrolling(head_view):
    select = head_view.page.locator(f"{VIEW} .bertlib-control-heads select").first
    assert select.locator("option").count() == 12
    sizes = select.evaluate("s => ({scroll: s.scrollHeight, client: s.clientHeight})")
    assert sizes["scroll"] <= sizes["client"], f"the heads list scrolls: {sizes}"


def test_sentence_dropdown_shows_the_longest_sentence_whole(head_view, external_requests):
    select = head_view.page.locator(f"{VIEW} .bertlib-control-sentence select").first
    measured = select.evaluate(LONGEST_OPTION_FITS)
    assert measured["fits"], f"the longest sentence needs {measured['widest']:.0f} px, has {measured['room']:.0f}"
    assert external_requests == [], f"requests left the machine: {external_requests}"


def test_still_in_sight_with_every_head_and_the_longest_sentence(head_view):
    page = head_view.page
    page.locator(f"{VIEW} .bertlib-control-sentence select").first.select_option(index=2)
    heads = page.locator(f"{VIEW} .bertlib-control-heads select").first
    heads.select_option(label=heads.locator("option").all_inner_texts())
    legend = page.locator(f"{VIEW} .bertlib-head-view-legend").first
    page.wait_for_function("el => el.innerText.includes('head 11')", arg=legend.element_handle(), timeout=60_000)
    image = page.locator(f"{VIEW}-image").first
    page.wait_for_function(
        "img => img.complete && Math.abs(img.naturalWidth - img.getBoundingClientRect().width)"
        " <= 0.02 * img.naturalWidth",
        arg=image.element_handle(),
        timeout=30_000,
    )
    head_view.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(ARTIFACTS / "head_view_all_heads.png"))
    for name in ("heads", "query"):
        assert inside_viewport(page.locator(f"{VIEW} .bertlib-control-{name}").first.bounding_box(), WIDTH, HEIGHT)
    assert inside_viewport(legend.bounding_box(), WIDTH, HEIGHT)
