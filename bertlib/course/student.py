"""Student and live-coding copies: the same notebooks with every exercise blanked and no outputs.

Exercises follow nbgrader's convention. In a code cell, everything between a line
`### BEGIN SOLUTION` and a line `### END SOLUTION` is the solution; the copy replaces it, at the
same indentation, with a `raise NotImplementedError()` so that the exercise's check reports
"not done yet" until the student writes their own code. Its job ends at writing the copies: the
checks that judge a student's answer live in `bertlib.course.checks`.

Writing is safe for the instructor's files: every notebook is read and blanked before anything is
written; `--out` may not be the source folder, nor hold (or link to) a source notebook; each copy
is written to a temporary name and renamed, so a link in `--out` is replaced, never written
through; and a file in `--out` that this command did not write (or that changed since: a student's
work) is not overwritten unless `force=True`. What it wrote is listed, with hashes, in
`--out/.student-copies.json`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from bertlib.course.notebooks import clean_notebook, notebook_paths, read_notebook
from bertlib.errors import BertlibInputError
from bertlib.paths import file_sha256

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
PLACEHOLDER = ("# YOUR CODE HERE", "raise NotImplementedError()")
_SOLUTION = re.compile(
    rf"^(?P<indent>[ \t]*){re.escape(BEGIN)}[^\n]*\n.*?^[ \t]*{re.escape(END)}[^\n]*(?:\n|$)",
    flags=re.MULTILINE | re.DOTALL,
)
#: In `--out`: the copies this command wrote and their SHA-256, so that a re-run may replace them
#: but never a file it did not write, or one a student has changed since.
MANIFEST = ".student-copies.json"
#: Files beside the notebooks that the copies need too (presenter mode's slide stylesheet).
COMPANION_FILES = ("rise.css",)


class SolutionMarkerError(BertlibInputError):
    """Solution markers out of order: an END before its BEGIN, a BEGIN without END, or nested."""


def check_markers(source: str, where: str = "this cell") -> int:
    """The number of solution regions in `source`; markers out of order are an error naming
    `where` (the notebook and cell), the line and the fix."""
    regions, open_line = 0, None
    fix = f"each solution needs a '{BEGIN}' line, then the solution, then a '{END}' line"
    for number, line in enumerate(source.splitlines(), start=1):
        has_begin, has_end = BEGIN in line, END in line
        if not (has_begin or has_end):
            continue
        marker = BEGIN if has_begin else END
        if has_begin and has_end:
            raise SolutionMarkerError(
                f"{where}, line {number}: '{BEGIN}' and '{END}' share a line; {fix}, each on a line of its own."
            )
        if not line.lstrip(" \t").startswith(marker):
            raise SolutionMarkerError(
                f"{where}, line {number}: a '{marker}' line must start its line (only indentation before it)."
            )
        if has_begin and open_line is not None:
            raise SolutionMarkerError(
                f"{where}, line {number}: a second '{BEGIN}' before the '{END}' of the one "
                f"on line {open_line}; solutions cannot nest: {fix}."
            )
        if has_end and open_line is None:
            raise SolutionMarkerError(
                f"{where}, line {number}: '{END}' without a '{BEGIN}' above it; Unbalanced solution markers: {fix}."
            )
        if has_begin:
            open_line = number
        else:
            regions, open_line = regions + 1, None
    if open_line is not None:
        raise SolutionMarkerError(
            f"{where}, line {open_line}: '{BEGIN}' has no '{END}' after it; Unbalanced solution markers: {fix}."
        )
    return regions


def blank_solutions(source: str, where: str = "this cell") -> str:
    """Replace each solution region of a cell's source with the placeholder, keeping indentation.
    `where` names the cell in the error for markers out of order."""
    check_markers(source, where)

    def placeholder(match: re.Match) -> str:
        indent = match.group("indent")
        return "".join(f"{indent}{line}\n" for line in PLACEHOLDER)

    blanked = _SOLUTION.sub(placeholder, source)
    return blanked.rstrip("\n") if not source.endswith("\n") else blanked


@dataclass
class StudentCopy:
    """One student copy that was written: from which notebook, to where, with how many exercises."""

    source: Path  # the full notebook
    target: Path  # where its copy was written
    exercises: int  # how many solution regions were blanked


def count_exercises(notebook: nbformat.NotebookNode) -> int:
    """How many solution regions (BEGIN markers) the notebook's code cells hold; it does not check them."""
    return sum(cell.source.count(BEGIN) for cell in notebook.cells if cell.cell_type == "code")


def cell_name(name: str, index: int, source: str) -> str:
    """How an error names a cell: its notebook, its position counting from 1, and its first line."""
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return f"{name}, cell {index + 1} (the one starting {first[:50]!r})"


def make_student_notebook(notebook: nbformat.NotebookNode, name: str = "the notebook") -> nbformat.NotebookNode:
    """A cleaned copy with every solution blanked and every output cleared. `name` (the notebook's
    file name) goes into the error for solution markers out of order."""
    copy = clean_notebook(notebook)
    for index, cell in enumerate(copy.cells):
        if cell.cell_type == "code":
            cell.source = blank_solutions(cell.source, cell_name(name, index, cell.source))
            cell.outputs = []
            cell.execution_count = None
    return copy


# ----------------------------------------------------------------------------- writing safely


def check_out_folder(sources: list[Path], out: Path) -> Path:
    """`out`, resolved, if copies may be written there: it is not a file, not the source folder
    (through any link or `..`), and none of its copies' names is, or links to, a source notebook."""
    folder = sources[0].parent.resolve()
    resolved = out.resolve()
    if resolved == folder:
        raise BertlibInputError(
            f"--out {out} is the notebooks folder itself ({folder}); the copies would overwrite the full "
            "notebooks with blanked ones. Choose another folder, e.g. --out student/"
        )
    if resolved.exists() and not resolved.is_dir():
        raise BertlibInputError(f"--out {out} is a file, not a folder; choose a folder, e.g. --out student/")
    originals = {source.resolve() for source in sources}
    for source in sources:
        target = resolved / source.name
        if target.resolve() in originals or (target.exists() and any(target.samefile(o) for o in originals)):
            raise BertlibInputError(
                f"--out {out}: writing {target} would overwrite the source notebook {target.resolve()}; "
                "choose a folder that holds no source notebook and no link to one, e.g. --out student/"
            )
    return resolved


def read_manifest(out: Path) -> dict[str, str]:
    """File name -> SHA-256 of the copies an earlier run wrote to `out` (empty if none)."""
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
        return {str(name): str(digest) for name, digest in listed.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # no manifest, or a damaged one: then no file counts as ours


def refuse_foreign_files(out: Path, names: list[str], force: bool) -> None:
    """Refuse, before writing anything, to replace files in `out` that this command did not write, or
    that changed since it did (a student's work), unless `force`; a folder in the way is always refused."""
    for name in names:
        if (out / name).is_dir():
            raise BertlibInputError(
                f"--out {out} holds a folder named {name}, where a copy would go; move it away or choose another --out"
            )
    if force:
        return
    ours = read_manifest(out)
    foreign = [
        name
        for name in names
        if (out / name).is_symlink() or ((out / name).exists() and ours.get(name) != file_sha256(out / name))
    ]
    if foreign:
        raise BertlibInputError(
            f"--out {out} already holds {', '.join(foreign)}, which this command did not write or which "
            "changed since (perhaps a student's work). Choose an empty folder, move those files away, "
            "or pass --force to replace them."
        )


def write_atomically(target: Path, text: str) -> None:
    """Write `text` to a temporary file beside `target`, then rename it over `target`: a reader
    never sees half a file, and a link at `target` is replaced rather than written through."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.unlink(missing_ok=True)
        with open(temporary, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_manifest(out: Path, manifest: dict[str, str]) -> None:
    """Write MANIFEST in `out` atomically: each copy's file name and SHA-256, sorted by name."""
    text = json.dumps(
        {"written_by": "python -m bertlib.course student", "files": dict(sorted(manifest.items()))}, indent=1
    )
    write_atomically(out / MANIFEST, text + "\n")


def write_student_copies(folder: str | Path, out: str | Path, force: bool = False) -> list[StudentCopy]:
    """Write a blanked copy of every notebook of the series in `folder` to `out`.

    Nothing is written unless every notebook reads and blanks cleanly and `out` is safe (see the
    module's docstring); only the copies and `out/.student-copies.json` are written. A folder or
    disk that cannot be written is an error naming `out`."""
    sources = notebook_paths(folder)
    out_path = Path(out)
    resolved = check_out_folder(sources, out_path)
    copies = []  # every notebook is read and blanked before anything is written
    for path in sources:
        notebook = read_notebook(path)
        text = nbformat.writes(make_student_notebook(notebook, path.name))
        copies.append((path, text if text.endswith("\n") else text + "\n", count_exercises(notebook)))
    # Files the notebooks use beside them (presenter mode's stylesheet), copied as they are.
    companions = [path for path in (Path(folder) / name for name in COMPANION_FILES) if path.is_file()]
    written = []
    try:
        resolved.mkdir(parents=True, exist_ok=True)
        refuse_foreign_files(resolved, [path.name for path in sources + companions], force)
        manifest = read_manifest(resolved)
        for path in companions:
            write_atomically(resolved / path.name, path.read_text(encoding="utf-8"))
            manifest[path.name] = file_sha256(resolved / path.name)
        for path, text, exercises in copies:
            write_atomically(resolved / path.name, text)
            manifest[path.name] = file_sha256(resolved / path.name)
            write_manifest(resolved, manifest)  # after each copy: a later failure leaves an accurate list
            written.append(StudentCopy(source=path, target=out_path / path.name, exercises=exercises))
    except OSError as error:
        raise BertlibInputError(
            f"could not write the student copies to --out {out} ({error.strerror or error}); choose a folder "
            "you can write to, on a disk with free space"
        ) from error
    return written
