"""The course's example types, and the plain files they are stored in.

One dataclass per kind of example: a `Document` for pre-training, a `SentimentExample`, an
`NerExample` and a `QAExample`. The embedded data (`tasks.py`), the real-data converters
(`external.py`) and a student's own files all end up as these, so everything downstream
(features, training, metrics) has one input format.

Files: documents are Google's text format (one sentence a line, a blank line between documents);
sentiment and NER are JSON lines; QA is SQuAD v1.1 JSON. Its job ends at reading and writing
examples; making them is `tasks.py`'s job, and turning them into tensors is `features.py`'s.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: Sentiment labels, as SST-2 numbers them.
NEGATIVE_LABEL = 0
POSITIVE_LABEL = 1


@dataclass(frozen=True)
class Document:
    """A pre-training document: its sentences (or lines), in order."""

    sentences: tuple[str, ...]


@dataclass(frozen=True)
class SentimentExample:
    id: str
    text: str
    label: int  # 0 = negative, 1 = positive (SST-2's convention)
    form: str = ""  # how the embedded set built the judgement: "plain", "negated", ...

    def __post_init__(self) -> None:
        if self.label not in (NEGATIVE_LABEL, POSITIVE_LABEL):
            raise ValueError(
                f"sentiment example {self.id!r} has label {self.label!r}; use 0 (negative) or 1 (positive)"
            )


@dataclass(frozen=True)
class Entity:
    label: str  # "PER", "LOC", ...
    start: int  # first word
    end: int  # one past the last word
    text: str  # the words, joined by spaces


@dataclass(frozen=True)
class NerExample:
    """A sentence as words, with one BIO tag per word ("B-PER", "I-LOC", "O", ...)."""

    id: str
    tokens: tuple[str, ...]
    tags: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.tags):
            raise ValueError(
                f"NER example {self.id!r} has {len(self.tokens)} tokens but {len(self.tags)} tags; "
                "give exactly one tag per token"
            )

    def entities(self) -> list[Entity]:
        """The tagged entities. An I- tag that does not continue an entity of its type starts one,
        as conlleval reads it."""
        spans: list[list] = []  # [label, start, end]
        for i, tag in enumerate(self.tags):
            if tag == "O":
                continue
            label = tag[2:]
            if tag.startswith("I-") and spans and spans[-1][0] == label and spans[-1][2] == i:
                spans[-1][2] = i + 1
            else:
                spans.append([label, i, i + 1])
        return [Entity(label, start, end, " ".join(self.tokens[start:end])) for label, start, end in spans]


@dataclass(frozen=True)
class QAAnswer:
    text: str
    answer_start: int  # character offset of `text` in the context


@dataclass(frozen=True)
class QAExample:
    id: str
    title: str
    context: str
    question: str
    answers: tuple[QAAnswer, ...]

    def __post_init__(self) -> None:
        for answer in self.answers:
            found = self.context[answer.answer_start : answer.answer_start + len(answer.text)]
            if found != answer.text:
                raise ValueError(
                    f"QA example {self.id!r}: answer {answer.text!r} is not at character "
                    f"{answer.answer_start} of its context (found {found!r})"
                )


# ----------------------------------------------------------------------------- documents


def read_documents(path: str | Path) -> list[Document]:
    """Documents from a text file: one sentence a line, blank lines between documents."""
    text = Path(path).read_text(encoding="utf-8")
    documents, sentences = [], []
    for line in text.splitlines():
        if line.strip():
            sentences.append(line.strip())
        elif sentences:
            documents.append(Document(tuple(sentences)))
            sentences = []
    if sentences:
        documents.append(Document(tuple(sentences)))
    return documents


# ----------------------------------------------------------------------------- JSON lines


def write_jsonl(path: str | Path, records: Iterable[dict]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    path.write_text("".join(lines), encoding="utf-8", newline="\n")


def read_jsonl(path: str | Path, from_record: Callable[[dict, str], T]) -> list[T]:
    """One example per non-empty line, made by `from_record(record, where)`; a line that is not
    JSON, or lacks a field, is an error that names the file and the line."""
    examples = []
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {number}: not valid JSON ({error.msg})") from error
            if not isinstance(record, dict):
                raise ValueError(f"{path}, line {number}: expected a JSON object {{...}}, got {type(record).__name__}")
            record.setdefault("id", str(number))  # examples without an id are named by their line
            examples.append(from_record(record, f"{path}, line {number}"))
    return examples


def field_of(record: dict, name: str, where: str):
    if name not in record:
        raise KeyError(f"{where}: the record has no {name!r} field (it has {sorted(record)})")
    return record[name]


def sentiment_record(example: SentimentExample) -> dict:
    return {"id": example.id, "text": example.text, "label": example.label, "form": example.form}


def sentiment_from_record(record: dict, where: str) -> SentimentExample:
    return SentimentExample(
        id=str(record["id"]),
        text=field_of(record, "text", where),
        label=field_of(record, "label", where),
        form=record.get("form", ""),
    )


def read_sentiment_jsonl(path: str | Path) -> list[SentimentExample]:
    """Sentiment examples from JSON lines with `text` and `label` (0/1), and optional `id`, `form`."""
    return read_jsonl(path, sentiment_from_record)


def ner_record(example: NerExample) -> dict:
    return {"id": example.id, "tokens": list(example.tokens), "tags": list(example.tags)}


def ner_from_record(record: dict, where: str) -> NerExample:
    return NerExample(
        id=str(record["id"]),
        tokens=tuple(field_of(record, "tokens", where)),
        tags=tuple(field_of(record, "tags", where)),
    )


def read_ner_jsonl(path: str | Path) -> list[NerExample]:
    """NER examples from JSON lines with `tokens` and `tags` (lists of strings), and optional `id`."""
    return read_jsonl(path, ner_from_record)


# ----------------------------------------------------------------------------- SQuAD JSON


def squad_json(examples: Iterable[QAExample]) -> dict:
    """SQuAD v1.1's layout: articles (by title) of paragraphs (by context) of questions."""
    articles: dict[str, dict[str, list[dict]]] = {}
    for example in examples:
        paragraphs = articles.setdefault(example.title, {})
        paragraphs.setdefault(example.context, []).append(
            {
                "id": example.id,
                "question": example.question,
                "answers": [{"text": a.text, "answer_start": a.answer_start} for a in example.answers],
            }
        )
    data = [
        {"title": title, "paragraphs": [{"context": c, "qas": qas} for c, qas in paragraphs.items()]}
        for title, paragraphs in articles.items()
    ]
    return {"version": "1.1", "data": data}


def write_squad_json(path: str | Path, examples: Iterable[QAExample]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(squad_json(examples), ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def examples_from_squad(squad: dict, where: str = "SQuAD data") -> list[QAExample]:
    """QA examples from SQuAD v1.1's layout (a parsed JSON file)."""
    examples = []
    for article in field_of(squad, "data", where):
        title = article.get("title", "")
        for paragraph in field_of(article, "paragraphs", f"{where}, article {title!r}"):
            context = field_of(paragraph, "context", f"{where}, article {title!r}")
            for qa in field_of(paragraph, "qas", f"{where}, article {title!r}"):
                listed = field_of(qa, "answers", f"{where}, question {qa.get('id')!r}")
                answers = tuple(QAAnswer(a["text"], a["answer_start"]) for a in listed)
                examples.append(QAExample(str(qa["id"]), title, context, qa["question"], answers))
    return examples


def read_squad_json(path: str | Path) -> list[QAExample]:
    """QA examples from a SQuAD v1.1 JSON file."""
    try:
        squad = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error.msg}, line {error.lineno})") from error
    return examples_from_squad(squad, where=str(path))
