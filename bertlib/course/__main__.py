"""`python -m bertlib.course ...`: tools for instructors and notebook authors.

student NOTEBOOKS_DIR --out DIR   write student / live-coding copies (exercises blanked, no outputs);
                                  refuses an --out that would overwrite a source notebook, and files
                                  in --out it did not write (a student's work) unless --force
clean NOTEBOOK...                 strip per-run metadata and widget state, in place
run NOTEBOOK...                   execute in place (fresh kernel), clean, save, report timings
timings NOTEBOOK...               execute without saving and report each notebook's timings
site NOTEBOOKS_DIR --out DIR      build the offline reading-room website (saved outputs, local MathJax,
                                  student copies under student/); --out is emptied first
figures                           rewrite the figures of README.md and data/README.md from their sources
                                  (data/evidence.json, the data's counts, the checkpoint's record)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from bertlib.course.notebooks import clean_notebook, execute_notebook, read_notebook
from bertlib.course.student import write_student_copies
from bertlib.errors import BertlibInputError


def main(argv: list[str] | None = None) -> int:
    """Parse the command line (`argv`, default sys.argv) and run it; returns the exit code.

    Bad input ends in argparse's usage and message with exit code 2 (the traceback only with --debug);
    the work itself is `run_command`'s.
    """
    parser = argparse.ArgumentParser(
        prog="python -m bertlib.course", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    student = commands.add_parser("student", help="write student / live-coding copies")
    student.add_argument("notebooks", type=Path, help="folder holding the series (notebooks/)")
    student.add_argument(
        "--out", type=Path, required=True, help="folder for the copies (student/); never the notebooks folder"
    )
    student.add_argument(
        "--force",
        action="store_true",
        help="replace files in --out that this command did not write (or that changed since)",
    )
    for name, help_text in [
        ("clean", "strip per-run metadata in place"),
        ("run", "execute, clean and save in place, with timings"),
        ("timings", "execute without saving, with timings"),
    ]:
        command = commands.add_parser(name, help=help_text)
        command.add_argument("paths", type=Path, nargs="+", help="notebook files")
    site = commands.add_parser("site", help="build the offline website of the series (build/site/)")
    site.add_argument("notebooks", type=Path, help="folder holding the series (notebooks/)")
    site.add_argument("--out", type=Path, required=True, help="folder for the site (build/site/), emptied first")
    site.add_argument("--no-student", action="store_true", help="leave out the student copies' section")
    commands.add_parser("figures", help="rewrite the READMEs' figures from their sources")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    for command in commands.choices.values():  # --debug is taken before or after the subcommand
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="show the full traceback of an error"
        )
    args = parser.parse_args(argv)
    try:
        return run_command(args)
    except (BertlibInputError, FileNotFoundError) as error:
        if args.debug:
            raise
        parser.error(str(error))  # argparse's style: usage, the message, exit code 2
    return 2  # not reached: parser.error exits


def run_command(args: argparse.Namespace) -> int:
    """Carry out one parsed command; bad input raises BertlibInputError (or FileNotFoundError)."""
    if args.command == "student":
        for copy in write_student_copies(args.notebooks, args.out, force=args.force):
            print(f"{copy.target}  ({copy.exercises} exercise{'s' if copy.exercises != 1 else ''} blanked)")
        return 0
    if args.command == "site":
        from bertlib.course.site import build_site  # imports nbconvert: only when a site is built

        print(build_site(args.notebooks, args.out, student=not args.no_student).summary())
        return 0
    if args.command == "figures":
        from bertlib.course.figures import DOCUMENTS, refresh

        changed = refresh()
        print(
            f"rewrote {len(changed)} of {len(DOCUMENTS)} files: " + (", ".join(map(str, changed)) or "all up to date")
        )
        return 0
    notebooks = [read_notebook(path) for path in args.paths]  # every file is checked before any work
    if args.command == "clean":
        for path, notebook in zip(args.paths, notebooks, strict=True):
            nbformat.write(clean_notebook(notebook), path)
        return 0
    total = 0.0
    for path in args.paths:
        report = execute_notebook(path, save=args.command == "run")
        print(report.summary(), flush=True)
        total += report.total_seconds
    print(f"total: {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
