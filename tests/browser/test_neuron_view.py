"""Real-browser test: notebook 03's neuron view renders in JupyterLab and redraws when a control moves.

It starts JupyterLab on 127.0.0.1, opens the notebook in headless Debian chromium (driven by
playwright; never a downloaded browser), runs all cells, and checks what a student would see:
the widget is drawn (no "Loading widget", no "Error displaying widget"), and choosing another
query token changes the picture. A second test builds the view in a two-cell notebook
(tests/browser/views.py) and chooses another sentence in the real dropdown: the query token's
position is kept, and the dropdown shows the longest sentence whole. Screenshots go to
artifacts/browser/.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.browser.lab import ARTIFACTS, open_notebook, run_all_cells
from tests.browser.views import LONGEST_OPTION_FITS, SENTENCES, run_view_notebook, write_view_notebook

NOTEBOOK = os.environ.get("BERTLIB_BROWSER_NOTEBOOK", "notebooks/03_queries_keys_softmax.ipynb")
LAB_NOTEBOOKS = [Path(NOTEBOOK).name]  # what the jupyter_lab fixture serves
VIEW = ".bertlib-neuron-view"
VIEW_IMAGE = ".bertlib-neuron-view-image"
QUERY_SELECT = ".bertlib-neuron-view .bertlib-control-query select"

pytestmark = pytest.mark.slow


def test_neuron_view_renders_and_redraws(jupyter_lab, page, external_requests):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    open_notebook(page, jupyter_lab, Path(NOTEBOOK).name)
    run_all_cells(page, timeout_s=300)

    view = page.locator(VIEW).first
    view.wait_for(state="attached", timeout=120_000)  # after Run All, a loaded machine may take a while to render it
    view.scroll_into_view_if_needed()
    image = page.locator(f"{VIEW_IMAGE}").first
    image.wait_for(state="visible", timeout=30_000)
    text = page.locator(".jp-Notebook").inner_text()
    assert "Loading widget" not in text, "a widget never finished loading"
    assert "Error displaying widget" not in text, "a widget failed to display"
    assert image.evaluate("img => img.naturalWidth") > 100, "the neuron view's image is empty"
    before = image.screenshot(path=str(ARTIFACTS / "neuron_view_before.png"))

    select = page.locator(QUERY_SELECT).first
    options = select.locator("option").all_inner_texts()
    current = select.input_value()
    values = select.locator("option").evaluate_all("options => options.map(o => o.value)")
    select.select_option(next(value for value in values if value != current))
    deadline = time.monotonic() + 30
    after = before
    while after == before and time.monotonic() < deadline:
        time.sleep(0.5)
        after = image.screenshot()
    (ARTIFACTS / "neuron_view_after.png").write_bytes(after)
    page.screenshot(path=str(ARTIFACTS / "notebook.png"), full_page=False)
    assert after != before, f"the neuron view did not redraw after choosing another query token among {options}"
    assert external_requests == [], f"requests left the machine: {external_requests}"


def _selected_label(select) -> str:
    text = select.evaluate("s => s.options[s.selectedIndex] ? s.options[s.selectedIndex].text : ''")
    return text.replace("\xa0", " ")  # ipywidgets shows spaces in option labels as no-break spaces


def _wait_for_label(select, wanted: str, timeout_s: float = 30) -> str:
    deadline = time.monotonic() + timeout_s
    label = _selected_label(select)
    while label != wanted and time.monotonic() < deadline:
        time.sleep(0.25)
        label = _selected_label(select)
    return label


def test_neuron_view_keeps_the_query_when_another_sentence_is_chosen(jupyter_lab, page, minilm_dir, external_requests):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = write_view_notebook(jupyter_lab.root, "neuron_view.ipynb", "NeuronView")
    run_view_notebook(page, jupyter_lab, name, VIEW)
    view = page.locator(VIEW).first
    sentence = page.locator(f"{VIEW} .bertlib-control-sentence select").first
    query = page.locator(QUERY_SELECT).first

    query.select_option(label="3: ran")  # [CLS] the dog ran ...
    assert _wait_for_label(query, "3: ran") == "3: ran"
    sentence.select_option(label=SENTENCES[1])  # [CLS] the cat sat ...: position 3 is 'sat'
    assert _wait_for_label(query, "3: sat") == "3: sat", "the query did not follow the sentence"
    time.sleep(3)  # the old bug reset the query to [CLS] a moment after the new options arrived
    view.screenshot(path=str(ARTIFACTS / "neuron_view_sentence_changed.png"))
    assert _selected_label(query) == "3: sat", "choosing another sentence reset the query token"

    measured = sentence.evaluate(LONGEST_OPTION_FITS)
    assert measured["fits"], f"the longest sentence needs {measured['widest']:.0f} px, has {measured['room']:.0f}"
    assert external_requests == [], f"requests left the machine: {external_requests}"
