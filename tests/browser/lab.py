"""Helpers for driving JupyterLab in the browser tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"  # screenshots


def wait_until_idle(page, timeout_s: float) -> None:
    """Wait until no cell shows the busy prompt [*] (all cells have run)."""
    deadline = time.monotonic() + timeout_s
    page.wait_for_selector(".jp-InputPrompt", timeout=60_000)
    while time.monotonic() < deadline:
        busy = page.eval_on_selector_all(
            ".jp-InputPrompt", "els => els.filter(e => e.textContent.includes('*')).length"
        )
        if busy == 0:
            return
        time.sleep(1)
    pytest.fail(f"The notebook was still running after {timeout_s:.0f} s.")


def dismiss_dialogs(page) -> None:
    """Accept any start-up dialog (e.g. kernel selection) the way a student would, with its default."""
    time.sleep(2)
    for dialog in page.locator(".jp-Dialog").all():
        dialog.locator(".jp-Dialog-button.jp-mod-accept").first.click()


def open_notebook(page, lab, name: str) -> None:
    """Open notebook `name` in JupyterLab (fresh workspace) and wait until its kernel is idle."""
    page.goto(lab.url_for(f"lab/tree/{name}", reset=""), wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
    dismiss_dialogs(page)


def run_all_cells(page, timeout_s: float = 300) -> None:
    """Run > Run All Cells, as a student would, and wait until every cell has run."""
    page.locator(".jp-Notebook").first.click()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    time.sleep(2)
    wait_until_idle(page, timeout_s=timeout_s)
