"""Real-browser test: notebook 03's neuron view renders in JupyterLab and redraws when a control moves.

It starts JupyterLab on 127.0.0.1, opens the notebook in headless Debian chromium (driven by
playwright; never a downloaded browser), runs all cells, and checks what a student would see:
the widget is drawn (no "Loading widget", no "Error displaying widget"), and choosing another
query token changes the picture. Screenshots go to artifacts/browser/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = os.environ.get("BERTLIB_BROWSER_NOTEBOOK", "notebooks/03_queries_keys_softmax.ipynb")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "artifacts" / "browser"
TOKEN = "bertlib-browser-test"
VIEW = ".bertlib-neuron-view"
VIEW_IMAGE = ".bertlib-neuron-view-image"
QUERY_SELECT = ".bertlib-neuron-view .bertlib-control-query select"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyter_lab(tmp_path_factory, require):
    if not Path(CHROMIUM).exists():
        require(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    port = free_port()
    home = tmp_path_factory.mktemp("jupyter")
    # JupyterLab autosaves what it runs: serve a copy, so the committed notebook is never touched.
    served = home / "served"
    served.mkdir()
    shutil.copy(ROOT / NOTEBOOK, served / Path(NOTEBOOK).name)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"))
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={served}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}", f"--LabApp.user_settings_dir={home / 'settings'}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root otherwise (CI runs as root)
    log = open(home / "lab.log", "w")
    server = subprocess.Popen(command, cwd=served, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start; its log:\n{(home / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
    yield url
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def page(jupyter_lab, require):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require("playwright is not installed; run `python3 course.py setup`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        yield page
        browser.close()


def wait_until_idle(page, timeout_s: float) -> None:
    """Wait until no cell shows the busy prompt [*] (all cells have run)."""
    deadline = time.monotonic() + timeout_s
    page.wait_for_selector(".jp-InputPrompt", timeout=60_000)
    while time.monotonic() < deadline:
        busy = page.eval_on_selector_all(".jp-InputPrompt", "els => els.filter(e => e.textContent.includes('*')).length")
        if busy == 0:
            return
        time.sleep(1)
    pytest.fail(f"The notebook was still running after {timeout_s:.0f} s.")


def dismiss_dialogs(page) -> None:
    """Accept any start-up dialog (e.g. kernel selection) the way a student would, with its default."""
    time.sleep(2)
    for dialog in page.locator(".jp-Dialog").all():
        dialog.locator(".jp-Dialog-button.jp-mod-accept").first.click()


def test_neuron_view_renders_and_redraws(jupyter_lab, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{jupyter_lab}/lab/tree/{Path(NOTEBOOK).name}?token={TOKEN}&reset", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    dismiss_dialogs(page)
    page.locator(".jp-Notebook").first.click()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    time.sleep(2)
    wait_until_idle(page, timeout_s=300)

    view = page.locator(VIEW).first
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
