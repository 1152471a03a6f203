"""The first cell of every notebook: the same threads, seeds and figure format everywhere.

`setup_notebook()` makes a notebook's printed numbers reproducible (CPU results change in the last
bits with the thread count), and `environment_report()` is what notebook 00 shows a student to
confirm that everything is installed and the offline data is present. Its job ends there.
"""

from __future__ import annotations

import importlib.metadata
import platform
import random
from dataclasses import dataclass, field

import numpy as np
import torch

from bertlib.paths import DATA_DIR, minilm_path

#: Threads every notebook uses. CI runs on 2 cores, and two threads give the same bits everywhere.
NOTEBOOK_THREADS = 2
#: Files the course reads offline; notebook 00 checks they are present.
REQUIRED_DATA = ("corpus/stories.txt", "vocab.txt")
MINILM = "pretrained MiniLM"


def setup_notebook(seed: int = 0, threads: int = NOTEBOOK_THREADS) -> None:
    """Pin threads and seeds, and draw figures as PNG (readable on the web, comparable by nbval)."""
    torch.set_num_threads(threads)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except ImportError:  # outside IPython there is nothing to configure
        pass


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@dataclass
class EnvironmentReport:
    """What notebook 00 checks: versions, the compute device, and the offline files."""

    versions: dict[str, str]  # package -> installed version
    device: str  # where the notebooks run their models
    threads: int  # torch's CPU threads
    files: dict[str, bool] = field(default_factory=dict)  # offline file -> present?

    @property
    def ready(self) -> bool:
        return all(self.files.values()) and "not installed" not in self.versions.values()

    def __str__(self) -> str:
        lines = [f"{name:<26} {version}" for name, version in self.versions.items()]
        lines.append(f"{'device':<26} {self.device} ({self.threads} threads)")
        lines += [f"{name:<26} {'present' if ok else 'MISSING'}" for name, ok in self.files.items()]
        if self.ready:
            lines.append("Everything is in place.")
        if any(version == "not installed" for version in self.versions.values()) or not self.files.get(MINILM, True):
            lines.append("A package is missing: run `python3 course.py setup` from the repository root.")
        if not all(ok for name, ok in self.files.items() if name != MINILM):
            lines.append("Course data is missing: it ships in the repository's data/ folder; use a full clone "
                         "(or set BERTLIB_DATA to a folder that holds it).")
        return "\n".join(lines)


def environment_report() -> EnvironmentReport:
    versions = {"python": platform.python_version()}
    versions |= {name: _version(name) for name in ("torch", "numpy", "matplotlib", "ipywidgets", "bertlib")}
    files = {f"data/{name}": (DATA_DIR / name).exists() for name in REQUIRED_DATA}
    try:
        files[MINILM] = (minilm_path() / "model.safetensors").exists()
    except FileNotFoundError:
        files[MINILM] = False
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return EnvironmentReport(versions=versions, device=device, threads=torch.get_num_threads(), files=files)
