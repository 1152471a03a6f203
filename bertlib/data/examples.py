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
import numbers
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bertlib.errors import BertlibInputError, parse_json

T = TypeVar("T")

#: Sentiment labels, as SST-2 numbers them.
NEGATIVE_LABEL = 0
POSITIVE_LABEL = 1
#: A BIO tag: "O", or "B-" / "I-" and an entity type without spaces ("B-PER", "I-LOC").
BIO_TAG = re.compile(r"O|[BI]-\S+")
SAVE_AS_UTF8 = "save the file as UTF-8 (in most editors: Save As, encoding UTF-8)"


class MissingFieldError(BertlibInputError, KeyError):
    """A record lacks a field it needs. A KeyError too, as it always was, but printed as a sentence."""

    __str__ = BertlibInputError.__str__  # KeyError would print the message in quotes


def bio_problem(tags: Iterable[Any]) -> str | None:
    """Why `tags` are not BIO tags (naming the first bad one and its position), or None if they are.
    An I- tag after O or after another type is accepted: it starts an entity, as conlleval reads
    CoNLL-2003's original IOB1 tags."""
    for position, tag in enumerate(tags):
        if not isinstance(tag, str):
            return f"tag {position} is {tag!r} ({type(tag).__name__}), not a string like 'B-PER' or 'O'"
        if not BIO_TAG.fullmatch(tag):
            return (
                f"tag {position} is {tag!r}, which is not a BIO tag: use 'O', or 'B-' / 'I-' and the "
                f"entity type (e.g. 'B-PER', 'I-PER')"
            )
    return None


@dataclass(frozen=True)
class Document:
    """A pre-training document: its sentences (or lines), in order."""

    sentences: tuple[str, ...]


@dataclass(frozen=True)
class SentimentExample:
    """One labelled sentence: 0 = negative, 1 = positive."""

    id: str
    text: str
    label: int  # 0 = negative, 1 = positive (SST-2's convention)
    form: str = ""  # how the embedded set built the judgement: "plain", "negated", ...

    def __post_init__(self) -> None:
        """Refuse a label that is not 0 or 1, naming the example."""
        whole = isinstance(self.label, numbers.Integral) and not isinstance(self.label, bool)
        if not whole or self.label not in (NEGATIVE_LABEL, POSITIVE_LABEL):
            raise BertlibInputError(
                f"sentiment example {self.id!r} has label {self.label!r}; use 0 (negative) or 1 (positive)"
            )


@dataclass(frozen=True)
class Entity:
    """A named entity: its label and its span of words [start, end)."""

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
        """Refuse tokens or tags given as one string, of different lengths, or not valid BIO, naming the example."""
        for name in ("tokens", "tags"):
            if isinstance(getattr(self, name), str):
                raise BertlibInputError(
                    f"NER example {self.id!r}: {name} is the string {getattr(self, name)!r}; give a list "
                    "with one entry per word (a string would be read one character at a time)"
                )
        if len(self.tokens) != len(self.tags):
            raise BertlibInputError(
                f"NER example {self.id!r} has {len(self.tokens)} tokens but {len(self.tags)} tags; "
                "give exactly one tag per token"
            )
        problem = bio_problem(self.tags)
        if problem:
            raise BertlibInputError(f"NER example {self.id!r}: {problem}")

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
    """An answer: its text and where it starts in the context (characters)."""

    text: str
    answer_start: int  # character offset of `text` in the context

    def __post_init__(self) -> None:
        """Refuse an answer text that is not a string, or a start that is not a whole number of 0 or more."""
        if not isinstance(self.text, str):
            raise BertlibInputError(f"QA answer text {self.text!r} must be a string")
        if not isinstance(self.answer_start, int) or isinstance(self.answer_start, bool) or self.answer_start < 0:
            raise BertlibInputError(
                f"QA answer {self.text!r} has answer_start {self.answer_start!r}; it must be a whole number "
                "of characters from the start of the context (0 or more)"
            )


@dataclass(frozen=True)
class QAExample:
    """A SQuAD-style question about a context, with its answers."""

    id: str
    title: str
    context: str
    question: str
    answers: tuple[QAAnswer, ...]

    def __post_init__(self) -> None:
        """Refuse an answer whose text is not at its offset in the context."""
        for answer in self.answers:
            found = self.context[answer.answer_start : answer.answer_start + len(answer.text)]
            if found != answer.text:
                raise BertlibInputError(
                    f"QA example {self.id!r}: answer {answer.text!r} is not at character "
                    f"{answer.answer_start} of its context (found {found!r})"
                )


# ----------------------------------------------------------------------------- reading text


def decoded_lines(path: str | Path) -> list[str]:
    """The lines of a UTF-8 text file (a leading byte-order mark is dropped). A byte that is not
    UTF-8 is an error naming the file, the line and the byte's position in it."""
    data = Path(path).read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):  # Windows editors' UTF-8 signature: not part of the text
        data = data[3:]
    lines = data.split(b"\n")
    decoded = []
    for number, line in enumerate(lines, start=1):
        try:
            decoded.append(line.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise BertlibInputError(
                f"{path}, line {number}, byte {error.start + 1} of the line (0x{line[error.start]:02x}): "
                f"not UTF-8 text ({error.reason}); {SAVE_AS_UTF8}"
            ) from None
    if decoded and decoded[-1] == "":
        decoded.pop()  # the file's final newline ends the last line; it does not start another
    return [line.removesuffix("\r") for line in decoded]


# ----------------------------------------------------------------------------- documents


def read_documents(path: str | Path) -> list[Document]:
    """Documents from a text file: one sentence a line, blank lines between documents."""
    documents, sentences = [], []
    for line in decoded_lines(path):
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
    """Write one JSON object per line (UTF-8), making the folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    path.write_text("".join(lines), encoding="utf-8", newline="\n")


def read_jsonl(path: str | Path, from_record: Callable[[dict, str], T]) -> list[T]:
    """One example per non-empty line, made by `from_record(record, where)`; a line that is not
    UTF-8 or not JSON, or a record that lacks a field or has one of the wrong type, is an error that
    names the file, the line and the field."""
    examples = []
    for number, line in enumerate(decoded_lines(path), start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise BertlibInputError(
                f"{where}: not valid JSON ({error.msg}, at character {error.colno}); each line must be "
                'one JSON object, e.g. {"text": "a fine film", "label": 1}'
            ) from None
        if not isinstance(record, dict):
            raise BertlibInputError(
                f"{where}: expected a JSON object {{...}}, got {type(record).__name__} {short(record)}; "
                "put one object a line"
            )
        record.setdefault("id", str(number))  # examples without an id are named by their line
        examples.append(from_record(record, where))
    return examples


def short(value: Any, limit: int = 60) -> str:
    """`repr(value)`, cut to `limit` characters for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def field_of(record: dict, name: str, where: str):
    """`record[name]`; a missing field is an error naming `where`, the field and the fields there are."""
    if not isinstance(record, dict):
        raise BertlibInputError(f"{where}: expected a JSON object with a {name!r} field, got {short(record)}")
    if name not in record:
        raise MissingFieldError(f"{where}: the record has no {name!r} field (it has {sorted(record)})")
    return record[name]


def typed_field(record: dict, name: str, kind: type, where: str, example: str):
    """`field_of`, and the value must be of `kind` (bool never counts as int); `example` shows a
    right value in the error."""
    value = field_of(record, name, where)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BertlibInputError(
            f"{where}: field {name!r} is {type(value).__name__} {short(value)}, but must be "
            f"{'a string' if kind is str else 'an integer' if kind is int else 'a list'}, e.g. {example}"
        )
    return value


def text_field(record: dict, name: str, where: str, example: str) -> str:
    """`typed_field` for a string that must hold some text: an empty (or blank) one is refused, as
    an example with nothing to read (or an answer of 0 characters) would be trained on silently."""
    value = typed_field(record, name, str, where, example)
    if not value.strip():
        raise BertlibInputError(
            f"{where}: field {name!r} is empty ({short(value)}); give it text, e.g. {example}, or drop the record"
        )
    return value


def string_list(record: dict, name: str, where: str, example: str) -> tuple[str, ...]:
    """A field holding a list of strings; a string in its place is refused (it would count characters)."""
    value = field_of(record, name, where)
    if isinstance(value, str):
        raise BertlibInputError(
            f"{where}: field {name!r} is the string {short(value)}, but must be a list with one entry "
            f"per word, e.g. {example} (a string would be read one character at a time)"
        )
    if not isinstance(value, list):
        raise BertlibInputError(
            f"{where}: field {name!r} is {type(value).__name__} {short(value)}, "
            f"but must be a list of strings, e.g. {example}"
        )
    for position, item in enumerate(value):
        if not isinstance(item, str):
            raise BertlibInputError(
                f"{where}: field {name!r}, entry {position} is {short(item)}, not a string; e.g. {example}"
            )
    return tuple(value)


def sentiment_record(example: SentimentExample) -> dict:
    """A sentiment example as its JSON-lines record."""
    return {"id": example.id, "text": example.text, "label": example.label, "form": example.form}


def sentiment_from_record(record: dict, where: str) -> SentimentExample:
    """A sentiment example from a record with `text` (a string) and `label` (0 or 1)."""
    text = text_field(record, "text", where, '"a fine film"')
    label = field_of(record, "label", where)
    if isinstance(label, bool) or not isinstance(label, int) or label not in (NEGATIVE_LABEL, POSITIVE_LABEL):
        raise BertlibInputError(
            f"{where}: field 'label' is {short(label)}; use 0 (negative) or 1 (positive), as a number"
        )
    form = record.get("form", "")
    if not isinstance(form, str):
        raise BertlibInputError(f"{where}: field 'form' is {short(form)}, but must be a string (or left out)")
    return SentimentExample(id=str(record["id"]), text=text, label=label, form=form)


def read_sentiment_jsonl(path: str | Path) -> list[SentimentExample]:
    """Sentiment examples from JSON lines with `text` and `label` (0/1), and optional `id`, `form`."""
    return read_jsonl(path, sentiment_from_record)


def ner_record(example: NerExample) -> dict:
    """An NER example as its JSON-lines record."""
    return {"id": example.id, "tokens": list(example.tokens), "tags": list(example.tags)}


def ner_from_record(record: dict, where: str) -> NerExample:
    """An NER example from a record with `tokens` and `tags`: lists of strings, one BIO tag a word."""
    tokens = string_list(record, "tokens", where, '["Mia", "ran", "home"]')
    tags = string_list(record, "tags", where, '["B-PER", "O", "O"]')
    if len(tokens) != len(tags):
        raise BertlibInputError(f"{where}: {len(tokens)} tokens but {len(tags)} tags; give exactly one tag per token")
    if not tokens:
        raise BertlibInputError(f"{where}: 'tokens' is empty; give the sentence's words, or drop the line")
    problem = bio_problem(tags)
    if problem:
        raise BertlibInputError(f"{where}: field 'tags', {problem}")
    return NerExample(id=str(record["id"]), tokens=tokens, tags=tags)


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
    """Write QA examples in SQuAD's JSON layout."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(squad_json(examples), ensure_ascii=False, indent=1) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def squad_answer(answer: Any, context: str, where: str) -> QAAnswer:
    """One answer of a SQuAD question: `text` must sit at character `answer_start` of the context."""
    text = text_field(answer, "text", where, '"Mia"')
    start = typed_field(answer, "answer_start", int, where, "0 (the character where the answer begins)")
    found = context[start : start + len(text)] if start >= 0 else None
    if found != text:
        elsewhere = context.find(text)
        hint = (
            f"it occurs at character {elsewhere}: set answer_start to {elsewhere}"
            if elsewhere >= 0
            else "the text does not occur in the context at all; copy it from the context exactly"
        )
        raise BertlibInputError(
            f"{where}: answer {text!r} is not at character {start} of its context (found {found!r}); {hint}"
        )
    return QAAnswer(text, start)


def examples_from_squad(squad: dict, where: str = "SQuAD data") -> list[QAExample]:
    """QA examples from SQuAD v1.1's layout (a parsed JSON file). A missing field or a value of the
    wrong type is an error naming its place, e.g. `data[0].paragraphs[1].qas[2].answers[0]`."""
    examples = []
    seen: dict[str, str] = {}  # question id -> where it was first
    if not isinstance(squad, dict):
        raise BertlibInputError(
            f'{where}: expected SQuAD\'s layout, an object {{"version": ..., "data": [...]}}, '
            f"got {type(squad).__name__}"
        )
    articles = typed_field(squad, "data", list, where, '[{"title": ..., "paragraphs": [...]}]')
    for a, article in enumerate(articles):
        at = f"{where}, data[{a}]"
        title = field_of(article, "title", at) if isinstance(article, dict) and "title" in article else ""
        for p, paragraph in enumerate(typed_field(article, "paragraphs", list, at, '[{"context": ..., "qas": [...]}]')):
            at_paragraph = f"{at}.paragraphs[{p}]"
            context = typed_field(paragraph, "context", str, at_paragraph, '"Mia ran home."')
            for q, qa in enumerate(typed_field(paragraph, "qas", list, at_paragraph, '[{"id": ..., "question": ...}]')):
                at_question = f"{at_paragraph}.qas[{q}]"
                qid = field_of(qa, "id", at_question)
                if str(qid) in seen:  # predictions are keyed by id: a repeated one would be scored wrong
                    raise BertlibInputError(
                        f"{where}: question id {qid!r} appears twice ({seen[str(qid)]} and "
                        f"{at_question.removeprefix(where + ', ')}); give each question "
                        "its own id"
                    )
                seen[str(qid)] = at_question.removeprefix(where + ", ")
                at_question += f" (question {qid!r})"
                question = text_field(qa, "question", at_question, '"Who ran?"')
                listed = typed_field(qa, "answers", list, at_question, '[{"text": "Mia", "answer_start": 0}]')
                if not listed:
                    raise BertlibInputError(
                        f"{at_question}: 'answers' is empty; a SQuAD v1.1 question has at "
                        'least one answer, e.g. [{"text": "Mia", "answer_start": 0}] '
                        "(drop unanswerable questions)"
                    )
                answers = tuple(
                    squad_answer(answer, context, f"{at_question}.answers[{n}]") for n, answer in enumerate(listed)
                )
                examples.append(QAExample(str(qid), str(title), context, question, answers))
    return examples


def read_squad_json(path: str | Path) -> list[QAExample]:
    """QA examples from a SQuAD v1.1 JSON file."""
    text = "\n".join(decoded_lines(path))
    if not text.strip():
        raise BertlibInputError(f'{path} is empty; a SQuAD file holds {{"version": "1.1", "data": [...]}}')
    squad = parse_json(text, path, "fix the file there (a JSON checker such as `python -m json.tool FILE` shows where)")
    return examples_from_squad(squad, where=str(path))
