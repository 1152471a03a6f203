"""Shared fixtures for the real-browser tests: a JupyterLab server and an offline chromium page.

Every browser test runs headless Debian chromium (`/usr/bin/chromium`, driven by playwright; never a
downloaded browser: do not run `playwright install`). Both prerequisites skip locally when missing
and fail under CI=true (the `require` fixture of tests/conftest.py).

Fixtures (all module-scoped: one server and one browser per test file):

`page`
    A playwright `Page` in a fresh chromium context, viewport 1500 × 1000 (change it with
    `page.set_viewport_size(...)`). Every request to a host other than 127.0.0.1 / localhost is
    BLOCKED (aborted, so nothing leaves the machine) and COUNTED in `external_requests`.

`external_requests`
    The list of URLs `page` blocked, in order. The course works offline, so a test ends with
    `assert external_requests == []` (a CDN font or script would show up here).

`jupyter_lab`
    A `LabServer`: JupyterLab on 127.0.0.1 with a fixed token and throw-away config, serving a temp
    copy of the notebooks the test module names in `LAB_NOTEBOOKS` (a list of file names in
    notebooks/; default: all of them), plus notebooks/*.css (RISE's slide styles). JupyterLab
    autosaves, so the committed notebooks are never touched. `jupyter_lab.url_for("lab/tree/X")`
    gives a URL with the token.

Example, for a page that needs no server (e.g. the static site, served by a local HTTP server):

    def test_landing_page(page, external_requests):
        page.goto("http://127.0.0.1:8000/index.html")
        assert page.locator("h1").count() == 1
        assert external_requests == []

Helpers that drive JupyterLab (open a notebook, run all cells) are in tests/browser/lab.py;
screenshots go to `lab.ARTIFACTS` (artifacts/browser/).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest

from tests.browser.lab import ROOT

NOTEBOOKS = ROOT / "notebooks"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "bertlib-browser-test"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: URL schemes that never reach a network (inline data, the page's own objects).
LOCAL_SCHEMES = {"data", "blob", "about"}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_external(url: str) -> bool:
    """True when loading `url` would leave this machine."""
    parsed = urlparse(url)
    if parsed.scheme in LOCAL_SCHEMES:
        return False
    return parsed.hostname not in LOCAL_HOSTS


@pytest.fixture(scope="module")
def external_requests() -> list[str]:
    """URLs the `page` fixture blocked because they were not on 127.0.0.1 / localhost."""
    return []


@pytest.fixture(scope="module")
def page(external_requests, require):
    """Headless chromium page; requests outside 127.0.0.1 are aborted and listed in `external_requests`."""
    if not Path(CHROMIUM).exists():
        require(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require("playwright is not installed; run `python3 course.py setup`")

    def block_external(route):
        if is_external(route.request.url):
            external_requests.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1000})
        context.route("**/*", block_external)  # every frame, popup and worker of the context
        page = context.new_page()
        yield page
        context.close()
        browser.close()


@dataclass
class LabServer:
    """A running JupyterLab: where it listens, its token, and the folder it serves."""

    url: str  # http://127.0.0.1:PORT
    token: str
    root: Path  # the temp folder holding the served copies
    log: Path  # the server's output, shown when something fails

    def url_for(self, path: str, **query: str) -> str:
        """`url_for("lab/tree/03_x.ipynb", reset="")` -> the full URL, with the token."""
        return f"{self.url}/{path.lstrip('/')}?{urlencode({'token': self.token, **query})}"


def _lab_command(port: int, home: Path, served: Path) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--ServerApp.token={TOKEN}",
        f"--ServerApp.root_dir={served}",
        f"--LabApp.workspaces_dir={home / 'workspaces'}",
        f"--LabApp.user_settings_dir={home / 'settings'}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses root otherwise (CI runs as root)
    return command


@pytest.fixture(scope="module")
def jupyter_lab(request, tmp_path_factory, require):
    """JupyterLab on 127.0.0.1 serving copies of the module's `LAB_NOTEBOOKS` (default: the series)."""
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        require("JupyterLab is not installed; run `python3 course.py setup`")
    names = getattr(request.module, "LAB_NOTEBOOKS", None) or [p.name for p in sorted(NOTEBOOKS.glob("*.ipynb"))]
    home = tmp_path_factory.mktemp("jupyter")
    served = home / "served"
    served.mkdir()
    for name in names:
        shutil.copy(NOTEBOOKS / name, served / name)
    for style in NOTEBOOKS.glob("*.css"):  # rise.css: the slides' own styles
        shutil.copy(style, served / style.name)
    port = free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"))
    log_path = home / "lab.log"
    with open(log_path, "w") as log:  # the server holds its own copy of the file descriptor
        server = subprocess.Popen(
            _lab_command(port, home, served), cwd=served, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    lab = LabServer(url=f"http://127.0.0.1:{port}", token=TOKEN, root=served, log=log_path)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(lab.url_for("api/status"), timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start; its log:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
    yield lab
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
