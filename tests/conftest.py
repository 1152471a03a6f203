"""Shared test fixtures.

Tests that need something optional (the MiniLM package, transformers, the browser) skip when it is
missing on a developer's machine, but fail under CI=true: in CI a skip would hide a broken install.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip locally; fail in CI, where every prerequisite must be installed."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so a missing prerequisite is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def require():
    """`require(reason)` from a test or fixture: skip locally, fail under CI=true."""
    return skip_or_fail


@pytest.fixture(autouse=True)
def _fixed_threads_and_seed():
    """Same thread count and seed for every test: CPU results are then bit-reproducible."""
    torch.set_num_threads(2)
    torch.manual_seed(0)
    yield


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    """Directory of the real pretrained all-MiniLM-L6-v2 (config.json, model.safetensors, vocab.txt)."""
    from bertlib.paths import minilm_path

    try:
        return minilm_path()
    except FileNotFoundError as error:
        skip_or_fail(str(error))


@pytest.fixture(scope="session")
def transformers_module():
    """The Hugging Face reference implementation, imported once."""
    try:
        import transformers
    except ImportError:
        skip_or_fail("transformers is not installed; run `python3 course.py setup`")
    return transformers
