"""Encode throughput of bertlib's BertTokenizer against Hugging Face's, on the same lines.

    .venv/bin/python benchmarks/bench_tokenizer.py [--repeats 5]

Three tokenizers over the real uncased vocabulary of all-MiniLM-L6-v2: ours (`encode`), Hugging Face's
pure-Python tokenizer (`BertTokenizerLegacy` in transformers 5, `BertTokenizer` in 4) and, for
information, its Rust-backed `BertTokenizerFast`; each turns one line at a time into [CLS] ... [SEP]
input ids (ours also computes offsets and word ids). Two samples: the varied lines of the parity test
(tests/tokenization/parity_support.py) and English-like prose. The tokenizers take turns within each
repeat, in one process, and the median over repeats is printed, with lines/s, tokens/s and the ratio
ours / slow (target: at least 1.0).

Ours caches the WordPiece pieces of recent words (see wordpiece.py), so after the first pass repeated
words cost a look-up; the "first pass" column times a fresh tokenizer's first pass over each sample.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import transformers

from bertlib.paths import minilm_path
from bertlib.tokenization import BertTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "tokenization"))
from parity_support import english_lines, reference_tokenizers, varied_lines  # noqa: E402


@dataclass
class Timing:
    """One tokenizer's speed over the lines."""

    name: str
    first_pass_s: float
    median_s: float
    tokens: int


def encode_all(encode, lines: list[str]) -> int:
    """Encode every line; return the number of tokens produced."""
    return sum(len(encode(line)) for line in lines)


def time_once(encode, lines: list[str]) -> tuple[float, int]:
    """Seconds to encode every line once, and the tokens made."""
    start = time.perf_counter()
    tokens = encode_all(encode, lines)
    return time.perf_counter() - start, tokens


def benchmark(lines: list[str], repeats: int) -> list[Timing]:
    """Time each tokenizer's encode over `lines`, taking turns; fresh tokenizers for the first pass."""
    vocab_file = minilm_path() / "vocab.txt"
    reference = reference_tokenizers(transformers, vocab_file)
    ours = BertTokenizer.from_pretrained(minilm_path())
    encoders = {
        "bertlib": lambda line: ours.encode(line).input_ids,
        "HF slow": lambda line: reference.slow(line)["input_ids"],
        "HF fast": lambda line: reference.fast(line)["input_ids"],
    }
    runs: dict[str, list[float]] = {name: [] for name in encoders}
    tokens: dict[str, int] = {}
    for _ in range(repeats + 1):
        for name, encode in encoders.items():
            seconds, tokens[name] = time_once(encode, lines)
            runs[name].append(seconds)
    return [Timing(name, times[0], statistics.median(times[1:]), tokens[name]) for name, times in runs.items()]


def report(title: str, lines: list[str], timings: list[Timing]) -> None:
    """Print the timings as a table."""
    print(f"\n{title}: {len(lines)} lines, {sum(map(len, lines))} characters")
    print(f"{'tokenizer':<10} {'lines/s':>10} {'tokens/s':>11} {'first pass lines/s':>19}")
    for t in timings:
        print(
            f"{t.name:<10} {len(lines) / t.median_s:>10.0f} {t.tokens / t.median_s:>11.0f} "
            f"{len(lines) / t.first_pass_s:>19.0f}"
        )
    by_name = {t.name: t for t in timings}
    ratio = by_name["HF slow"].median_s / by_name["bertlib"].median_s
    first = by_name["HF slow"].first_pass_s / by_name["bertlib"].first_pass_s
    print(f"ratio bertlib / HF slow: {ratio:.2f}x (first pass: {first:.2f}x)")


def main() -> None:
    """Time our tokenizer against Hugging Face's on the same lines."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats after the first pass")
    args = parser.parse_args()
    print(f"transformers {transformers.__version__}, Python {sys.version.split()[0]}, {args.repeats} repeats")
    samples = {"varied lines (parity sample)": varied_lines(), "English-like prose": english_lines()}
    for title, lines in samples.items():
        report(title, lines, benchmark(lines, args.repeats))


if __name__ == "__main__":
    main()
