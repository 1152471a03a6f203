"""`python -m bertlib.course ...`: tools for instructors and notebook authors.

    student NOTEBOOKS_DIR --out DIR   write student / live-coding copies (exercises blanked, no outputs)
    clean NOTEBOOK...                 strip per-run metadata and widget state, in place
    run NOTEBOOK...                   execute in place (fresh kernel), clean, save, report timings
    timings NOTEBOOK...               execute without saving and report each notebook's timings
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from bertlib.course.notebooks import clean_notebook, execute_notebook
from bertlib.course.student import write_student_copies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bertlib.course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    student = commands.add_parser("student", help="write student / live-coding copies")
    student.add_argument("notebooks", type=Path, help="folder holding the series (notebooks/)")
    student.add_argument("--out", type=Path, required=True, help="folder for the copies (student/)")
    for name, help_text in [("clean", "strip per-run metadata in place"),
                            ("run", "execute, clean and save in place, with timings"),
                            ("timings", "execute without saving, with timings")]:
        command = commands.add_parser(name, help=help_text)
        command.add_argument("paths", type=Path, nargs="+", help="notebook files")
    args = parser.parse_args(argv)

    if args.command == "student":
        for copy in write_student_copies(args.notebooks, args.out):
            print(f"{copy.target}  ({copy.exercises} exercise{'s' if copy.exercises != 1 else ''} blanked)")
        return 0
    if args.command == "clean":
        for path in args.paths:
            nbformat.write(clean_notebook(nbformat.read(path, as_version=4)), path)
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
