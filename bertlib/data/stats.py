"""Counts of the files in data/: what `python -m bertlib.data stats` prints and data/README.md shows.

Its job ends at counting and formatting; the files themselves are made by `build.py`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bertlib.data.build import VOCAB_FILE
from bertlib.data.examples import read_documents, read_ner_jsonl, read_sentiment_jsonl, read_squad_json
from bertlib.data.features import qa_features
from bertlib.data.judgements import FORMS
from bertlib.data.tasks import NER_DIR, NER_SIZES, QA_DIR, QA_SIZES, SENTIMENT_DIR, SENTIMENT_SIZES
from bertlib.data.world import CORPUS_FILE
from bertlib.tokenization import BertTokenizer

#: The input size the QA counts assume: the course's default for fine-tuning.
QA_MAX_SEQ_LENGTH, QA_DOC_STRIDE = 128, 64


@dataclass(frozen=True)
class Row:
    """One line of a table: a label and its cells."""

    label: str
    cells: tuple[str, ...]


def markdown_table(header: tuple[str, ...], rows: list[Row]) -> str:
    """A markdown table of `rows` under `header`."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join((row.label, *row.cells)) + " |" for row in rows]
    return "\n".join(lines)


def corpus_table(data_dir: Path) -> str:
    """The corpus's size: documents, sentences, words and word types."""
    documents = read_documents(data_dir / CORPUS_FILE)
    words = Counter(word for d in documents for s in d.sentences for word in s.split())
    sentences = sum(len(d.sentences) for d in documents)
    counts = (len(documents), sentences, sum(words.values()), len(words))
    row = Row(str(CORPUS_FILE), tuple(f"{count:,}" for count in counts))
    return markdown_table(("file", "documents", "sentences", "words", "word types"), [row])


def sentiment_table(data_dir: Path) -> str:
    """Per sentiment split: its examples, how many are positive, and how many of each form."""
    rows = []
    for split in SENTIMENT_SIZES:
        examples = read_sentiment_jsonl(data_dir / SENTIMENT_DIR / f"{split}.jsonl")
        forms = Counter(e.form for e in examples)
        positive = sum(e.label for e in examples)
        rows.append(Row(split, (str(len(examples)), str(positive), *(str(forms[f]) for f in FORMS))))
    return markdown_table(("split", "examples", "positive", *FORMS), rows)


def ner_table(data_dir: Path) -> str:
    """Per NER split: its sentences, entities (by type), and entities not seen in training."""
    splits = {split: read_ner_jsonl(data_dir / NER_DIR / f"{split}.jsonl") for split in NER_SIZES}
    seen = {entity.text for e in splits["train"] for entity in e.entities()}
    rows = []
    for split, examples in splits.items():
        entities = [entity for e in examples for entity in e.entities()]
        types = Counter(entity.label for entity in entities)
        unseen = sum(entity.text not in seen for entity in entities)
        by_type = (str(types[t]) for t in ("PER", "LOC", "ANIMAL"))
        share = f"{unseen} ({unseen / len(entities):.0%})"
        rows.append(Row(split, (str(len(examples)), str(len(entities)), *by_type, share)))
    return markdown_table(("split", "sentences", "entities", "PER", "LOC", "ANIMAL", "not in train"), rows)


def qa_table(data_dir: Path, tokenizer: BertTokenizer) -> str:
    """Per QA split: its questions, contexts, contexts too long for one input, and questions needing several windows."""
    rows = []
    for split in QA_SIZES:
        examples = read_squad_json(data_dir / QA_DIR / f"{split}.json")
        contexts = list(dict.fromkeys(e.context for e in examples))
        long = sum(len(tokenizer.tokenize(c)) > QA_MAX_SEQ_LENGTH for c in contexts)
        windows = Counter(f.example_id for f in qa_features(examples, tokenizer, QA_MAX_SEQ_LENGTH, QA_DOC_STRIDE))
        several = sum(count > 1 for count in windows.values())
        rows.append(Row(split, (str(len(examples)), str(len(contexts)), str(long), str(several))))
    header = (
        "split",
        "questions",
        "contexts",
        f"contexts over {QA_MAX_SEQ_LENGTH} pieces",
        f"questions needing 2+ windows ({QA_MAX_SEQ_LENGTH}, stride {QA_DOC_STRIDE})",
    )
    return markdown_table(header, rows)


def vocab_table(data_dir: Path, tokenizer: BertTokenizer) -> str:
    """The vocabulary: its tokens, learned and [unused] ones, and corpus words split into pieces."""
    tokens = tokenizer.vocab.tokens
    unused = sum(t.startswith("[unused") for t in tokens)
    words = {w for d in read_documents(data_dir / CORPUS_FILE) for s in d.sentences for w in s.split()}
    split = sum(len(tokenizer.tokenize(w)) > 1 for w in words)
    row = Row(str(VOCAB_FILE), (str(len(tokens)), str(len(tokens) - unused), str(unused), str(split)))
    header = ("file", "tokens", "learned (with specials)", "[unused]", "corpus words split in pieces")
    return markdown_table(header, [row])


def stats_text(data_dir: str | Path) -> str:
    """Every table, as markdown, in the order data/README.md shows them."""
    data_dir = Path(data_dir)
    tokenizer = BertTokenizer.from_vocab_file(data_dir / VOCAB_FILE)
    return (
        "\n\n".join(
            (
                corpus_table(data_dir),
                sentiment_table(data_dir),
                ner_table(data_dir),
                qa_table(data_dir, tokenizer),
                vocab_table(data_dir, tokenizer),
            )
        )
        + "\n"
    )
