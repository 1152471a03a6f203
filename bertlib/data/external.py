"""Real data, for students with a network, and their own files, as the course's examples.

- Converters from Hugging Face `datasets` records (plain dicts; a `datasets.Dataset` iterates as
  such) to the course's examples: SST-2 (glue/sst2), CoNLL-2003, SQuAD v1.1 and WikiText.
- `load_user_file`: a student's own `.txt` (documents separated by blank lines), `.jsonl`
  (sentiment or NER) or SQuAD `.json`.
- `load_real_dataset`: fetches one of the four with `datasets.load_dataset` when the package is
  installed and the network works; otherwise it raises `RealDataUnavailable`, which says why and
  names the embedded default that works offline.
- `download`: one file from a URL into a cache folder, checked against its SHA-256.

Nothing here runs at import time, and the course never downloads anything unless asked. Its job
ends at examples; features for a model are `features.py`'s job.
"""

from __future__ import annotations

import os
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from itertools import dropwhile
from pathlib import Path

from bertlib.data.examples import (
    Document,
    NerExample,
    QAAnswer,
    QAExample,
    SentimentExample,
    read_documents,
    read_ner_jsonl,
    read_sentiment_jsonl,
    read_squad_json,
)
from bertlib.errors import BertlibInputError
from bertlib.paths import file_sha256

#: CoNLL-2003's `ner_tags` names, in the order of the Hugging Face dataset's ClassLabel.
CONLL2003_LABELS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC")


class RealDataUnavailable(RuntimeError):
    """Real data could not be fetched (no `datasets` package, or no network)."""


# ----------------------------------------------------------------------------- converters


def sst2_examples(records: Iterable[Mapping]) -> list[SentimentExample]:
    """glue/sst2 records (`sentence`, `label` 0/1, `idx`) as sentiment examples."""
    examples = []
    for record in records:
        if record["label"] == -1:
            raise ValueError(
                f"SST-2 record {record['idx']} has label -1: GLUE's test split has no labels. "
                "Use the 'train' or 'validation' split."
            )
        examples.append(SentimentExample(f"sst2-{record['idx']}", record["sentence"].strip(), int(record["label"])))
    return examples


def conll2003_examples(records: Iterable[Mapping], label_names: tuple[str, ...] = CONLL2003_LABELS) -> list[NerExample]:
    """CoNLL-2003 records (`id`, `tokens`, `ner_tags` as ids into `label_names`) as NER examples."""
    examples = []
    for record in records:
        tags = []
        for tag in record["ner_tags"]:
            if not 0 <= tag < len(label_names):
                raise ValueError(f"CoNLL-2003 record {record['id']} has tag id {tag}, outside {label_names}")
            tags.append(label_names[tag])
        examples.append(NerExample(f"conll2003-{record['id']}", tuple(record["tokens"]), tuple(tags)))
    return examples


def squad_examples(records: Iterable[Mapping]) -> list[QAExample]:
    """SQuAD v1.1 records (`id`, `title`, `context`, `question`, `answers` with lists `text` and
    `answer_start`) as QA examples."""
    examples = []
    for record in records:
        answers = record["answers"]
        if len(answers["text"]) != len(answers["answer_start"]):
            raise BertlibInputError(
                f"SQuAD record {record['id']!r} has {len(answers['text'])} answer texts but "
                f"{len(answers['answer_start'])} answer_start values; give one start per text"
            )
        pairs = zip(answers["text"], answers["answer_start"], strict=True)
        examples.append(
            QAExample(
                str(record["id"]),
                record["title"],
                record["context"],
                record["question"],
                tuple(QAAnswer(text, int(start)) for text, start in pairs),
            )
        )
    return examples


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def heading_level(line: str) -> int:
    """1 for WikiText's " = Title = ", 2 for " = = Section = = ", and so on; 0 for other lines."""
    words = line.split()
    if len(words) < 3 or words[0] != "=" or words[-1] != "=":
        return 0
    return len(words) - len(list(dropwhile(lambda w: w == "=", words)))


def wikitext_documents(records: Iterable[Mapping | str]) -> list[Document]:
    """WikiText lines (records with `text`, or plain strings) as documents: each " = Title = " line
    starts an article; section headings and blank lines are dropped; each paragraph is split into
    sentences after ". ", "! " and "? " (WikiText is tokenized, so this is a fair sentence split)."""
    documents: list[Document] = []
    sentences: list[str] = []
    for record in records:
        line = (record if isinstance(record, str) else record["text"]).rstrip("\n")
        level = heading_level(line)
        if level == 1:
            if sentences:
                documents.append(Document(tuple(sentences)))
            sentences = []
        elif line.strip() and level == 0:
            sentences += [s for s in SENTENCE_END.split(line.strip()) if s]
    if sentences:
        documents.append(Document(tuple(sentences)))
    return documents


# ----------------------------------------------------------------------------- a student's own files

USER_FILE_KINDS: dict[tuple[str, str], Callable[[Path], list]] = {
    ("documents", ".txt"): read_documents,
    ("sentiment", ".jsonl"): read_sentiment_jsonl,
    ("ner", ".jsonl"): read_ner_jsonl,
    ("qa", ".json"): read_squad_json,
}


def load_user_file(path: str | Path, task: str) -> list:
    """Examples from your own file. `task` and the file's suffix must be one of:
    documents/.txt (one sentence a line, blank lines between documents), sentiment/.jsonl
    ({"text", "label"} a line), ner/.jsonl ({"tokens", "tags"} a line) or qa/.json (SQuAD v1.1).

    The file must be UTF-8. A malformed record is an error naming the file, the line (or, in a
    SQuAD file, the place such as `data[0].paragraphs[1].qas[2]`), the field and the fix; NER tags
    must be BIO ('O', 'B-X', 'I-X'; an I-X after O starts an entity, as conlleval reads it)."""
    if not isinstance(path, (str, os.PathLike)):
        raise BertlibInputError(
            f"load_user_file got path={path!r} (type {type(path).__name__}); give the path "
            "of your file as a string or Path, e.g. load_user_file('my_data/train.jsonl', "
            f"{task!r})"
        )
    path = Path(path).expanduser()
    reader = USER_FILE_KINDS.get((task, path.suffix.lower()))
    if reader is None:
        kinds = ", ".join(f"{t}: {s}" for t, s in USER_FILE_KINDS)
        raise BertlibInputError(f"cannot read {path.name} for task {task!r}; supported are {kinds}")
    if path.is_dir():
        raise BertlibInputError(f"{path} is a folder; give the path of the {path.suffix} file itself")
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    examples = reader(path)
    if not examples:
        layout = {
            "documents": "one sentence a line",
            "sentiment": 'one {"text": ..., "label": 0 or 1} a line',
            "ner": 'one {"tokens": [...], "tags": [...]} a line',
            "qa": "SQuAD v1.1's layout",
        }[task]
        raise BertlibInputError(f"{path} holds no examples (it is empty or blank); it should hold {layout}")
    return examples


# ----------------------------------------------------------------------------- fetching real data

#: name -> (arguments of datasets.load_dataset, converter, the embedded default that works offline)
REAL_DATASETS: dict[str, tuple[tuple[str, ...], Callable, str]] = {
    "sst2": (("glue", "sst2"), sst2_examples, "bertlib.data.load_sentiment(split)"),
    "conll2003": (("conll2003",), conll2003_examples, "bertlib.data.load_ner(split)"),
    "squad": (("squad",), squad_examples, "bertlib.data.load_qa(split)"),
    "wikitext": (("wikitext", "wikitext-2-raw-v1"), wikitext_documents, "bertlib.data.load_corpus()"),
}


def load_real_dataset(name: str, split: str = "train") -> list:
    """One split of a real data set as the course's examples, via Hugging Face `datasets`."""
    if name not in REAL_DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {list(REAL_DATASETS)}")
    arguments, convert, default = REAL_DATASETS[name]
    try:
        import datasets
    except ImportError as error:
        raise RealDataUnavailable(
            f"Loading {name} needs the `datasets` package, which is not installed "
            f"(`pip install datasets`, and a network). Offline, use the embedded default: {default}."
        ) from error
    try:
        records = datasets.load_dataset(*arguments, split=split)
    except Exception as error:  # no network, a proxy, an offline hub: all end the same way
        raise RealDataUnavailable(
            f"Could not load {name} ({', '.join(arguments)}, split {split!r}) with `datasets`: "
            f"{type(error).__name__}: {error}. Without a network, use the embedded default: {default}."
        ) from error
    return convert(records)


def download(url: str, cache_dir: str | Path, sha256: str, filename: str | None = None, timeout: float = 30) -> Path:
    """The file at `url`, kept in `cache_dir`: fetched only if the cache lacks a copy with the
    expected SHA-256, and checked before it is kept (a mismatch is an error, and nothing is kept)."""
    target = Path(cache_dir) / (filename or url.rstrip("/").rsplit("/", 1)[-1])
    if target.is_file() and file_sha256(target) == sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
    except (urllib.error.URLError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise RealDataUnavailable(f"Could not download {url}: {error}. Are you offline?") from error
    digest = file_sha256(partial)
    if digest != sha256:
        partial.unlink()
        raise ValueError(
            f"{url} has SHA-256 {digest}, not the expected {sha256}: the file changed or the download "
            "is damaged, so it was not kept."
        )
    partial.replace(target)
    return target
