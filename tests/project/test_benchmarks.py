"""The GPU benchmarks run on the CPU too (tiny sizes), so that CI keeps them working: the H200
figures in the README come from these very scripts (see benchmarks/GPU.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_bench_model_times_the_fast_path_against_transformers():
    pytest.importorskip("transformers")
    result = run_script(
        "benchmarks/bench_model.py",
        *("--preset", "tiny", "--batch", "4", "--seq", "32", "--mask", "none", "--repeats", "10"),
        *("--only", "bertlib fast path", "transformers sdpa"),
    )
    assert result.returncode == 0, result.stderr
    assert "attention mask: none" in result.stdout
    assert "bertlib fast path / transformers (sdpa, the faster timed):" in result.stdout
    assert "MFU" not in result.stdout  # no datasheet peak on a CPU


@pytest.mark.slow
def test_track_fast_path_compares_two_runs_step_by_step():
    result = run_script(
        "benchmarks/track_fast_path.py",
        *("--device", "cpu", "--preset", "tiny", "--steps", "4", "--batch", "8", "--documents", "40"),
        *("--no-bf16", "--no-compile"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "compared: plain and fast" in result.stdout
    assert "largest difference: 0.000%" in result.stdout  # fp32 on a CPU: the same numbers
