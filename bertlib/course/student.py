"""Student and live-coding copies: the same notebooks with every exercise blanked and no outputs.

Exercises follow nbgrader's convention. In a code cell, everything between a line
`### BEGIN SOLUTION` and a line `### END SOLUTION` is the solution; the copy replaces it, at the
same indentation, with a `raise NotImplementedError()`. Every solution region sits inside the body of
a function or method, so the blanked cell still runs; the cell after it checks the exercise and
rebinds its name, `softmax = check_softmax(softmax)`: until the student writes their own code the
check says "not written yet" in one line and hands back bertlib's version, so that "Run All" goes on
to the last cell. `find_exercises` reads that layout (and says what is wrong with one that breaks
it). Its job ends at writing the copies: the checks that judge a student's answer live in
`bertlib.course.checks`.

Writing is safe for the instructor's files: every notebook is read and blanked before anything is
written; `--out` may not be the source folder, nor hold (or link to) a source notebook; each copy
is written to a temporary name and renamed, so a link in `--out` is replaced, never written
through; and a file in `--out` that this command did not write (or that changed since: a student's
work) is not overwritten unless `force=True`. What it wrote is listed, with hashes, in
`--out/.student-copies.json`.
"""

from __future__ import annotations

import ast
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


class ExerciseLayoutError(BertlibInputError):
    """An exercise a student copy could not run past: a solution outside a function body, or an
    exercise not followed by its check cell `name = check_name(name)`."""


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


def solution_regions(source: str) -> list[str]:
    """The solution regions of a cell's source, each from its BEGIN line to its END line (inclusive)."""
    return [match.group(0) for match in _SOLUTION.finditer(source)]


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


# ----------------------------------------------------------------------------- the exercises


@dataclass(frozen=True)
class Exercise:
    """One exercise of a notebook: what the student writes, where, and the cell that checks it."""

    name: str  # the function or class the student completes, e.g. "softmax"
    kind: str  # "function" or "class"
    cell: int  # index in notebook.cells of the cell that defines it
    check_cell: int  # index of the cell right after it, which reads `name = check(name)`
    check: str  # the check's name in bertlib.course.checks, e.g. "check_softmax"


def _solution_lines(source: str) -> list[int]:
    """The line numbers (from 1) of the BEGIN markers in `source`."""
    return [number for number, line in enumerate(source.splitlines(), start=1) if BEGIN in line]


def _owner(tree: ast.Module, line: int, where: str) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef:
    """The top-level def or class whose function body holds `line`; a region elsewhere is an error."""
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if not node.lineno <= line <= (node.end_lineno or node.lineno):
            continue
        in_function = any(
            isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef))
            and inner.lineno < line <= (inner.end_lineno or inner.lineno)  # below the `def` line
            for inner in ast.walk(node)
        )
        if in_function:
            return node
    raise ExerciseLayoutError(
        f"{where}, line {line}: the solution region is not inside the body of a function or method. "
        "In a student copy it becomes `raise NotImplementedError()`, which would stop the cell when it runs; "
        "put the solution inside the body of the def that the student writes."
    )


def check_assignments(source: str) -> dict[str, str]:
    """Exercise name -> check name, for each statement `name = check_something(name)` in `source`."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Call)):
            continue
        target, call = node.targets[0], node.value
        if not (isinstance(target, ast.Name) and isinstance(call.func, ast.Name)) or call.keywords:
            continue
        if call.func.id.startswith("check_") and [getattr(a, "id", None) for a in call.args] == [target.id]:
            found[target.id] = call.func.id
    return found


def _called_at_top_level(tree: ast.Module, name: str) -> bool:
    """Whether a statement of the cell outside every def and class calls `name`."""
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
                return True
    return False


def find_exercises(notebook: nbformat.NotebookNode, name: str = "the notebook") -> list[Exercise]:
    """The notebook's exercises in order, read from its solution regions and the cells after them.

    Each region must sit in the body of a function or method (the top-level def or class around it
    is the exercise), the cell must not call the exercise, and the very next cell must check it with
    `exercise = check_exercise(exercise)`: so a student copy runs past an unwritten exercise. A
    notebook that breaks this is an ExerciseLayoutError naming `name`, the cell and the fix."""
    exercises = []
    cells = notebook.cells
    for index, cell in enumerate(cells):
        if cell.cell_type != "code" or BEGIN not in cell.source:
            continue
        where = cell_name(name, index, cell.source)
        check_markers(cell.source, where)
        try:
            tree = ast.parse(cell.source)
        except SyntaxError as error:
            raise ExerciseLayoutError(f"{where}: the exercise cell is not valid Python ({error.msg})") from None
        owners = []
        for line in _solution_lines(cell.source):
            owner = _owner(tree, line, where)
            if owner not in owners:
                owners.append(owner)
        following = cells[index + 1] if index + 1 < len(cells) else None
        checked = check_assignments(following.source) if following is not None and following.cell_type == "code" else {}
        for owner in owners:
            if _called_at_top_level(tree, owner.name):
                raise ExerciseLayoutError(
                    f"{where}: the cell calls {owner.name} itself; in a student copy that call would stop "
                    f"the cell. Call it only after its check, `{owner.name} = check_...({owner.name})`."
                )
            if owner.name not in checked:
                called = re.search(rf"\b(check_\w+)\(\s*{owner.name}\s*\)", following.source if following else "")
                check = called.group(1) if called else "check_..."
                raise ExerciseLayoutError(
                    f"{where}: the next cell must check the exercise and keep what the check returns, "
                    f"`{owner.name} = {check}({owner.name})`; then a student copy goes on with bertlib's "
                    "version while the exercise is unwritten."
                )
            kind = "class" if isinstance(owner, ast.ClassDef) else "function"
            exercises.append(Exercise(owner.name, kind, index, index + 1, checked[owner.name]))
    return exercises


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
