"""`python -m bertlib.data build [--out DIR] [--seed N] [--force]` regenerates data/ (never replacing a
file it did not write unless --force);
`python -m bertlib.data stats [--data DIR]` prints the counts that data/README.md shows."""

from __future__ import annotations

import argparse
from pathlib import Path

from bertlib.data.build import build_safely
from bertlib.data.stats import stats_text
from bertlib.data.world import SEED
from bertlib.errors import BertlibInputError
from bertlib.paths import DATA_DIR


def folder(text: str) -> Path:
    """An argparse type: a folder path, not empty (``Path("")`` would be the current folder), with
    ``~`` expanded."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"is empty; give a folder, e.g. {DATA_DIR} (use . for the current folder)")
    return Path(text).expanduser()


def main(argv: list[str] | None = None) -> None:
    """`python -m bertlib.data build|stats`: parse the command line and run the command."""
    parser = argparse.ArgumentParser(prog="python -m bertlib.data", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser(
        "build",
        help="write the corpus, the labelled sets and vocab.txt",
        description="Write the corpus, the labelled sets and vocab.txt into --out. It never replaces a file it "
        "did not write: a file already there that differs from what it would write (your own "
        "vocab.txt, data of another --seed) is refused, naming it, unless --force. Other files in "
        "--out are left alone.",
    )
    build_parser.add_argument("--out", type=folder, default=DATA_DIR, help=f"the data folder (default: {DATA_DIR})")
    build_parser.add_argument(
        "--force", action="store_true", help="replace files in --out that differ from what build writes"
    )
    build_parser.add_argument("--seed", type=int, default=SEED, help=f"the world's seed (default: {SEED})")
    stats_parser = commands.add_parser("stats", help="print the counts of every file, as markdown tables")
    stats_parser.add_argument("--data", type=folder, default=DATA_DIR, help=f"the data folder (default: {DATA_DIR})")
    for command in (build_parser, stats_parser):
        command.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            if args.out.exists() and not args.out.is_dir():
                raise BertlibInputError(f"--out {args.out} is a file; give a folder for the data (default: {DATA_DIR})")
            for path in build_safely(args.out, args.seed, force=args.force):
                print(path)
        else:
            if not args.data.is_dir():
                raise FileNotFoundError(
                    f"--data {args.data} is not a folder; give the data folder (default: {DATA_DIR})"
                )
            print(stats_text(args.data), end="")
    except (BertlibInputError, FileNotFoundError) as error:
        if args.debug:
            raise
        parser.error(str(error))  # argparse's style: usage, the message, exit code 2


if __name__ == "__main__":
    main()
