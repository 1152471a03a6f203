"""The errors bertlib raises for bad input, and safe loading of pickled files. Sits at the bottom of
the import graph beside `paths`: every layer may raise these, and the command line turns them into
argparse-style messages (exit code 2, no traceback unless --debug).

Its job ends at naming what went wrong and how to fix it; detecting the problem belongs to the
module that understands the input.
"""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path
from typing import Any


class BertlibInputError(ValueError):
    """Input that bertlib cannot use: a bad value, option, file or record. The message names the
    bad value (and the file, line or option where there is one) and says how to fix it."""


class UnsafeFileError(BertlibInputError):
    """A pickled file (.pt / .bin) that holds more than tensors and plain containers. Loading it
    could run code, so it is refused; the message never suggests `weights_only=False`."""


def decode_utf8(data: bytes, where: str | Path, fix: str) -> str:
    """`data` as text (a leading UTF-8 byte-order mark is dropped). A byte that is not UTF-8 raises
    BertlibInputError naming `where`, the byte's position in the file and its value, then `fix`."""
    bom = b"\xef\xbb\xbf"  # Windows editors' UTF-8 signature: not part of the text
    start = len(bom) if data.startswith(bom) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        at = start + error.start
        raise BertlibInputError(f"{where} is not UTF-8 text (byte {at} is 0x{data[at]:02x}); {fix}") from None


def parse_json(text: str, where: str | Path, fix: str) -> Any:
    """`json.loads(text)`. Text that is not JSON raises BertlibInputError naming `where`, the line
    and column of the first mistake and what is wrong there, then `fix`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BertlibInputError(
            f"{where} is not valid JSON ({error.msg}, line {error.lineno}, column {error.colno}); {fix}"
        ) from None


def read_json(path: str | Path, fix: str) -> Any:
    """The JSON value in the UTF-8 file `path`; a file that is not UTF-8 or not JSON raises
    BertlibInputError naming the file, the place (byte, or line and column) and `fix`."""
    return parse_json(decode_utf8(Path(path).read_bytes(), path, fix), path, fix)


def safe_torch_load(path: str | Path, what: str) -> Any:
    """`torch.load(path, weights_only=True)` with bertlib's own messages.

    `what` says what the file is for ("the training state", "the model weights"). A pickle that
    would run code raises UnsafeFileError; an unreadable or truncated file raises
    BertlibInputError naming the file. Neither message advises turning the safety check off."""
    import torch  # here, not at the top: this module sits below everything and stays light

    path = Path(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except pickle.UnpicklingError as error:
        # torch's own text advises `weights_only=False`, the unsafe option: never show it. Tell a
        # pickle that names a forbidden Python object apart from bytes that are no pickle at all.
        blocked = re.search(r"GLOBAL ([\w.]+)", str(error))
        if blocked is None:
            raise _damaged(path, what, "torch could not unpickle it") from None
        raise UnsafeFileError(
            f"Refused {path} ({what}): it names the Python object {blocked.group(1)}, not just tensors "
            "and plain containers, and loading such a file could run code, so bertlib does not. Use a file "
            "written by bertlib or a model.safetensors version of it; if you made this file yourself, "
            "write it again from a trusted run."
        ) from None
    except (EOFError, RuntimeError, OSError, IndexError, KeyError, TypeError, ValueError) as error:
        # torch's first sentence says what failed; the rest is advice for torch's own developers.
        detail = str(error).strip().split(". ")[0].splitlines()[0] if str(error).strip() else type(error).__name__
        raise _damaged(path, what, detail) from None


def _damaged(path: Path, what: str, detail: str) -> BertlibInputError:
    """The error for a file that is truncated, empty or not a PyTorch file at all."""
    return BertlibInputError(
        f"Could not read {path} ({what}): the file is damaged, truncated or not a PyTorch file "
        f"({detail}). Write it again (re-run the step that made it), or point at another copy."
    )
