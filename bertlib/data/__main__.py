"""`python -m bertlib.data build [--out DIR] [--seed N]` regenerates data/;
`python -m bertlib.data stats [--data DIR]` prints the counts that data/README.md shows."""

from __future__ import annotations

import argparse
from pathlib import Path

from bertlib.data.build import build
from bertlib.data.stats import stats_text
from bertlib.data.world import SEED
from bertlib.paths import DATA_DIR


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bertlib.data", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="write the corpus, the labelled sets and vocab.txt")
    build_parser.add_argument("--out", type=Path, default=DATA_DIR, help=f"the data folder (default: {DATA_DIR})")
    build_parser.add_argument("--seed", type=int, default=SEED, help=f"the world's seed (default: {SEED})")
    stats_parser = commands.add_parser("stats", help="print the counts of every file, as markdown tables")
    stats_parser.add_argument("--data", type=Path, default=DATA_DIR, help=f"the data folder (default: {DATA_DIR})")
    args = parser.parse_args(argv)
    if args.command == "build":
        for path in build(args.out, args.seed):
            print(path)
    else:
        print(stats_text(args.data), end="")


if __name__ == "__main__":
    main()
