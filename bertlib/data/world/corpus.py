"""The pre-training corpus: how many stories, from which seed, and the file they are written to.

`generate_corpus` writes `NUM_DOCUMENTS` stories from `random.Random(SEED)`; `corpus_text` lays
them out as Google's `create_pretraining_data.py` reads them (one sentence a line, a blank line
between documents); `write_corpus` saves that text and `load_corpus` reads the committed file back.

Its job ends at the corpus file: the labelled sets made from the same world are
`bertlib/data/tasks.py`'s job, and `bertlib/data/build.py` writes everything.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

from bertlib.data.examples import Document, read_documents
from bertlib.data.world.story import Story
from bertlib.data.world.writer import StoryWriter
from bertlib.paths import data_path

SEED = 2018
NUM_DOCUMENTS = 5200
CORPUS_FILE = Path("corpus") / "stories.txt"


def story_lengths(rng: random.Random) -> tuple[int, bool]:
    """How many outings a corpus story has, and whether it is told in the first person."""
    outings = rng.randint(3, 6) if rng.random() < 0.15 else rng.randint(1, 2)
    return outings, rng.random() < 0.12


def generate_corpus(seed: int = SEED, num_documents: int = NUM_DOCUMENTS) -> list[Story]:
    """The pre-training corpus: `num_documents` stories from `random.Random(seed)`."""
    rng = random.Random(seed)
    writer = StoryWriter(rng)
    return [writer.write(*story_lengths(rng)) for _ in range(num_documents)]


def corpus_text(stories: Iterable[Story]) -> str:
    """Google's create_pretraining_data input: one sentence a line, a blank line between documents."""
    return "\n".join("\n".join(s.text for s in story.sentences) + "\n" for story in stories)


def write_corpus(out_dir: str | Path, stories: Iterable[Story]) -> Path:
    """Write `stories` to OUT_DIR/corpus/stories.txt; returns the path."""
    path = Path(out_dir) / CORPUS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(corpus_text(stories), encoding="utf-8", newline="\n")
    return path


def load_corpus() -> list[Document]:
    """The committed pre-training corpus, data/corpus/stories.txt, as documents of sentences."""
    return read_documents(data_path(*CORPUS_FILE.parts))
