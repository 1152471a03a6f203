"""The house's tidiness checks, run by the README's test command so that CI enforces them.

ruff lints and checks the formatting of every Python file, and mypy type-checks bertlib; each must
report nothing. Their rules live in pyproject.toml ([tool.ruff], [tool.mypy]). A failure prints
every finding, with the command that shows them again (and `--fix` / `ruff format` mends many).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
#: What ruff checks: the package, the tests, the benchmarks and the quickstart script.
RUFF_PATHS = ["bertlib", "tests", "benchmarks", "course.py"]


def run_tool(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m MODULE ARGS...` from the repository root, with this interpreter (the venv's)."""
    if importlib.util.find_spec(module) is None:
        skip_or_fail(f"{module} is not installed; run `python3 course.py setup` (it is in the `test` extra)")
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def assert_clean(result: subprocess.CompletedProcess[str], command: str) -> None:
    """Zero findings, or a failure that prints every one of them."""
    findings = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, f"`{command}` found problems (exit code {result.returncode}):\n{findings}"


@pytest.mark.slow
def test_ruff_finds_nothing_to_lint():
    result = run_tool("ruff", "check", "--no-cache", "--output-format", "concise", *RUFF_PATHS)
    assert_clean(result, "ruff check " + " ".join(RUFF_PATHS))


@pytest.mark.slow
def test_every_file_is_formatted_as_ruff_formats_it():
    result = run_tool("ruff", "format", "--check", "--no-cache", "--output-format", "concise", *RUFF_PATHS)
    assert_clean(result, "ruff format --check " + " ".join(RUFF_PATHS))


@pytest.mark.slow
def test_mypy_finds_no_type_errors_in_bertlib():
    # The cache lives outside the tree, so that the check neither litters the clone nor trusts stale results.
    result = run_tool("mypy", "--no-incremental", "--cache-dir", "/dev/null", "bertlib")
    assert_clean(result, "mypy bertlib")
