"""Regenerate every file of data/ that this package makes: the corpus, the labelled sets and the
course vocabulary. The output is byte-identical on every run and every Python from 3.10 on.

    python -m bertlib.data build --out data/      # what the committed files were made with
    python -m bertlib.data stats                  # counts of the committed files, for data/README.md

Its job ends at writing files; reading them back is `tasks.py`'s and `examples.py`'s job.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

from bertlib.data.tasks import generate_tasks, write_tasks
from bertlib.data.world import SEED, generate_corpus, write_corpus
from bertlib.errors import BertlibInputError
from bertlib.tokenization import Vocab, count_words, train_wordpiece

VOCAB_FILE = Path("vocab.txt")
#: The course vocabulary's size. Every word of the world is whole with fewer tokens (the trainer
#: stops by itself when nothing is left to merge, about 830 tokens); the rest are [unusedN] slots, as in
#: Google's vocabularies, where a student can put words of a new task without resizing embeddings.
#: 1,000 keeps the embedding matrix (1000 x hidden) tiny next to the encoder.
VOCAB_SIZE = 1000


def course_vocab(corpus: Sequence[str], labelled: Sequence[str] = (), size: int = VOCAB_SIZE) -> Vocab:
    """WordPiece trained on the `corpus` sentences until every word is whole (or `size` is reached),
    padded with [unusedN] tokens to exactly `size`. A word that only the `labelled` texts use counts
    once, so that it is whole too; the corpus' own words keep their corpus counts, so that resizing
    a labelled split (which can bring a corpus word into it, or take one out) leaves the merges, and
    so the pre-trained checkpoint's token ids, as they were."""
    counts = count_words(corpus)
    counts.update({word for word in count_words(labelled) if word not in counts})
    with warnings.catch_warnings():
        # The trainer warns when every word is whole before `size`: that is what we want here.
        warnings.filterwarnings("ignore", message="Every word of the corpus is a single token")
        learned = train_wordpiece(counts, size)
    unused = [f"[unused{i}]" for i in range(size - len(learned))]
    return Vocab([*learned.tokens, *unused], source="the course vocabulary")


def build_safely(out_dir: str | Path, seed: int = SEED, force: bool = False) -> list[Path]:
    """`build` that never replaces a file it did not write: everything is built in a scratch folder
    first; a file already in `out_dir` whose bytes differ (e.g. your own vocab.txt, or data of another
    seed) is refused, naming it, unless `force`. Identical files are left as they are, and nothing
    else in `out_dir` is touched. Each file is moved into place by an atomic rename."""
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="bertlib-data-") as scratch:
        staged = build(scratch, seed)
        targets = [out_dir / path.relative_to(scratch) for path in staged]
        clashes = [
            target
            for path, target in zip(staged, targets, strict=True)
            if target.exists() and (not target.is_file() or target.read_bytes() != path.read_bytes())
        ]
        if clashes and not force:
            raise BertlibInputError(
                f"build would replace {len(clashes)} file(s) in --out {out_dir} that it did not write (or that "
                f"differ from what it writes): {', '.join(map(str, clashes[:5]))}"
                f"{' ...' if len(clashes) > 5 else ''}. Choose an empty or new --out, or pass --force to "
                "replace them."
            )
        for path, target in zip(staged, targets, strict=True):
            _place(path, target)
    return targets


def _place(path: Path, target: Path) -> None:
    """Copy `path` to `target` under a temporary name beside it, then rename (never half written)."""
    if target.is_file() and target.read_bytes() == path.read_bytes():
        return  # already there, byte for byte
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.partial")
    try:
        shutil.copyfile(path, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def build(out_dir: str | Path, seed: int = SEED) -> list[Path]:
    """Write the corpus, the labelled sets and vocab.txt under `out_dir`; returns the paths."""
    out_dir = Path(out_dir)
    stories = generate_corpus(seed)
    corpus = write_corpus(out_dir, stories)
    sentences = [sentence.text for story in stories for sentence in story.sentences]
    sets = generate_tasks(seed, corpus_sentences=set(sentences))
    written = write_tasks(out_dir, sets)
    course_vocab(sentences, sets.texts()).save(out_dir / VOCAB_FILE)
    return [corpus, *written, out_dir / VOCAB_FILE]
