"""Real-browser test: "Restart Kernel and Run All Cells" on a student copy reaches the last cell.

A student gets the copies that `python -m bertlib.course student` writes (every solution blanked,
no outputs), opens one in JupyterLab and runs everything before writing a line. Every check after an
unwritten exercise must then say "not written yet" in one line and hand back bertlib's version, so
that Run All goes on: the last cell runs (its prompt shows the last execution count, and it shows
the output the instructor's notebook saved), and no cell shows a traceback. This was the bug of
issue 13: on notebook 02 Run All stopped at `check_softmax` with a 30-line traceback.

The copies run in headless Debian chromium against a local JupyterLab (see conftest.py); no request
may leave 127.0.0.1. `BERTLIB_RUN_ALL_NOTEBOOKS=all` (or a comma-separated list of file names) runs
more copies than the default two; each takes about as long as its notebook.
"""

from __future__ import annotations

import json
import os
import re
import time

import nbformat
import pytest

from bertlib.course.student import find_exercises, write_student_copies
from tests.browser.lab import ARTIFACTS, ROOT, dismiss_dialogs

NOTEBOOKS = ROOT / "notebooks"
#: 02 is the notebook of the issue; 01 is quick and has two exercises of another kind.
DEFAULT = "02_attention_as_weighted_sum.ipynb,01_words_as_vectors.ipynb"
_CHOSEN = os.environ.get("BERTLIB_RUN_ALL_NOTEBOOKS", DEFAULT)
RUN_ALL = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) if _CHOSEN == "all" else _CHOSEN.split(",")
LAB_NOTEBOOKS = RUN_ALL  # the jupyter_lab fixture serves these; the student copies go beside them
RUN_SECONDS = 600

pytestmark = pytest.mark.slow

#: Every code cell's prompt ("[7]:", "[*]:" or "[ ]:") and its outputs' text, in order.
CODE_CELLS = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')].map(cell => ({
  prompt: (cell.querySelector('.jp-InputArea-prompt') || {}).textContent || '',
  empty: ((cell.querySelector('.jp-InputArea-editor') || {}).textContent || '').trim() === '',
  outputs: [...cell.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText),
  stderr: cell.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').length,
}))"""


@pytest.fixture(scope="module")
def student_folder(jupyter_lab):
    """The student copies, written where JupyterLab serves them (student/), as a class would get them.

    JupyterLab is told to keep every cell in the page (windowing off); by default it leaves out the
    cells scrolled out of view, and this test reads every cell's prompt and outputs."""
    write_student_copies(NOTEBOOKS, jupyter_lab.root / "student")
    settings = jupyter_lab.root.parent / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}), encoding="utf-8")
    return "student"


def restart_and_run_all(page) -> None:
    """Kernel > Restart Kernel and Run All Cells…, then confirm the restart, as a student would."""
    page.locator(".jp-Notebook").first.click()
    page.get_by_role("menuitem", name="Kernel", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Restart Kernel and Run All Cells")).click()
    page.locator(".jp-Dialog .jp-mod-accept").first.click()


def wait_for_last_cell(page, timeout_s: float) -> list[dict]:
    """Wait until no cell is busy ([*]) for a few seconds in a row: every code cell's state then.

    Run All queues every cell at once (all show [*]); an error would clear the queue. So a notebook
    that stays idle has either reached its last cell or stopped, which the caller tells apart."""
    deadline, idle_since = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        cells = page.evaluate(CODE_CELLS)
        if any("*" in cell["prompt"] for cell in cells):
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since > 5:
            return cells
        time.sleep(1)
    page.screenshot(path=str(ARTIFACTS / "student_run_all_timeout.png"), full_page=True)  # what it hung on
    busy = [i for i, cell in enumerate(page.evaluate(CODE_CELLS)) if "*" in cell["prompt"]]
    pytest.fail(
        f"The student copy was still running after {timeout_s:.0f} s; busy code cells: {busy} "
        f"(screenshot: {ARTIFACTS / 'student_run_all_timeout.png'})."
    )


def expected_last_output(name: str) -> str:
    """The first line of what the instructor's notebook printed in its last code cell."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    last = [cell for cell in notebook.cells if cell.cell_type == "code"][-1]
    for output in last.outputs:
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        if text.strip():
            return text.strip().splitlines()[0]
    pytest.fail(f"{name}: the last code cell of the instructor's notebook has no text output to compare with")


@pytest.mark.parametrize("name", RUN_ALL)
def test_run_all_on_a_student_copy_reaches_the_last_cell(jupyter_lab, page, external_requests, student_folder, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(jupyter_lab.url_for(f"lab/tree/{student_folder}/{name}", reset=""), wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    dismiss_dialogs(page)
    restart_and_run_all(page)
    time.sleep(3)  # the restart clears the prompts before the first cell starts
    cells = wait_for_last_cell(page, RUN_SECONDS)
    page.screenshot(path=str(ARTIFACTS / f"student_run_all_{name[:2]}.png"), full_page=True)

    ran = [cell for cell in cells if not cell["empty"]]
    stopped = next((i for i, cell in enumerate(ran) if not re.search(r"\[\d+\]", cell["prompt"])), None)
    assert stopped is None, (
        f"{name}: Run All stopped before code cell {stopped} of {len(ran)}; outputs of the cell before: "
        f"{ran[stopped - 1]['outputs'] if stopped else []}"
    )
    counts = [int(re.search(r"\[(\d+)\]", cell["prompt"]).group(1)) for cell in ran]
    assert counts == list(range(1, len(ran) + 1)), f"{name}: cells ran out of order or twice: {counts}"
    assert expected_last_output(name) in "\n".join(cells[-1]["outputs"]), (
        f"{name}: the last cell shows {cells[-1]['outputs']}, not the instructor's {expected_last_output(name)!r}"
    )
    for index, cell in enumerate(cells):
        shown = "\n".join(cell["outputs"])
        assert "Traceback" not in shown and cell["stderr"] == 0, f"{name}, code cell {index} shows: {shown[:400]}"
    exercises = find_exercises(nbformat.read(NOTEBOOKS / name, as_version=4), name)
    said = [line for cell in cells for out in cell["outputs"] for line in out.splitlines() if "not written yet" in line]
    assert len(said) == len(exercises), f"{name}: {len(exercises)} exercises, but the checks said {said}"
    assert external_requests == [], f"requests left the machine: {external_requests}"
