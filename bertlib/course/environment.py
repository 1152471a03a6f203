"""The first cell of every notebook: the same threads, seeds and figure format everywhere.

`setup_notebook()` makes a notebook's printed numbers reproducible (CPU results change in the last
bits with the thread count), and `environment_report()` is what notebook 00 shows a student to
confirm that everything is installed and the offline data is present. Its job ends there.
"""

from __future__ import annotations

import importlib.metadata
import platform
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from bertlib.errors import BertlibInputError
from bertlib.paths import DATA_DIR, minilm_path

#: Threads every notebook uses. CI runs on 2 cores, and two threads give the same bits everywhere.
NOTEBOOK_THREADS = 2
#: Files the course reads offline; notebook 00 checks they are present.
REQUIRED_DATA = ("corpus/stories.txt", "vocab.txt")
MINILM = "pretrained MiniLM"


def setup_notebook(seed: int = 0, threads: int = NOTEBOOK_THREADS) -> None:
    """Pin threads and seeds, and draw figures as PNG (readable on the web, comparable by nbval)
    on a white background (legible in JupyterLab's dark theme too), each with its alt text."""
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise BertlibInputError(
            f"setup_notebook(threads={threads!r}): threads must be a whole number of at "
            f"least 1; the course uses {NOTEBOOK_THREADS}"
        )
    torch.set_num_threads(threads)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    import matplotlib

    # Opaque white, never transparent: black labels on a transparent PNG vanish in a dark theme.
    matplotlib.rcParams.update({"figure.facecolor": "white", "savefig.facecolor": "white"})
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # outside IPython there is nothing to configure
        return
    shell = get_ipython()
    if shell is None:
        return
    set_matplotlib_formats("png")
    describe_figures(shell.display_formatter.formatters)


def describe_figures(formatters: dict) -> None:
    """Give every displayed matplotlib figure its alt text (`bertlib.viz.describe`): the PNG output
    carries it as `metadata["image/png"]["alt"]`, and its text/plain is the description instead of
    `<Figure size 640x480 with 1 Axes>`. `formatters` is IPython's `display_formatter.formatters`,
    with matplotlib_inline's PNG formatter already registered."""
    from matplotlib.figure import Figure

    from bertlib.viz.describe import figure_description

    png = formatters["image/png"]
    draw_png = png.lookup_by_type(Figure)
    if isinstance(draw_png, PngWithAlt):  # setup_notebook() ran twice: wrap once only
        draw_png = draw_png.draw_png
    png.for_type(Figure, PngWithAlt(draw_png))
    formatters["text/plain"].for_type(Figure, lambda figure, printer, cycle: printer.text(figure_description(figure)))


class PngWithAlt:
    """matplotlib_inline's PNG formatter, returning the figure's alt text as the output's metadata."""

    def __init__(self, draw_png: Callable[[Any], Any]):
        self.draw_png = draw_png

    def __call__(self, figure: Any) -> tuple[Any, dict[str, str]]:
        """(PNG, {"alt": description}): IPython files the dict as the output's image/png metadata."""
        from bertlib.viz.describe import figure_description

        return self.draw_png(figure), {"alt": figure_description(figure)}


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
        """Every package installed and every offline file present."""
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
            lines.append(
                "Course data is missing: it ships in the repository's data/ folder; use a full clone "
                "(or set BERTLIB_DATA to a folder that holds it)."
            )
        return "\n".join(lines)


def environment_report() -> EnvironmentReport:
    """Check the installed versions, the compute device and the offline files (notebook 00 shows it)."""
    versions = {"python": platform.python_version()}
    versions |= {name: _version(name) for name in ("torch", "numpy", "matplotlib", "ipywidgets", "bertlib")}
    files = {f"data/{name}": (DATA_DIR / name).exists() for name in REQUIRED_DATA}
    try:
        files[MINILM] = (minilm_path() / "model.safetensors").exists()
    except FileNotFoundError:
        files[MINILM] = False
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return EnvironmentReport(versions=versions, device=device, threads=torch.get_num_threads(), files=files)
