"""The example types: entities read as conlleval reads BIO, and files that round-trip."""

from __future__ import annotations

from bertlib.data.examples import (
    Entity,
    NerExample,
    QAAnswer,
    QAExample,
    SentimentExample,
    ner_record,
    read_ner_jsonl,
    read_sentiment_jsonl,
    read_squad_json,
    sentiment_record,
    write_jsonl,
    write_squad_json,
)


def test_entities_follow_conlleval():
    example = NerExample(
        "x",
        ("mia", "carter", "saw", "port", "linton", "and", "tom"),
        ("B-PER", "I-PER", "O", "I-LOC", "I-LOC", "O", "B-PER"),
    )
    assert example.entities() == [
        Entity("PER", 0, 2, "mia carter"),
        Entity("LOC", 3, 5, "port linton"),
        Entity("PER", 6, 7, "tom"),
    ]
    assert NerExample("y", ("a", "b"), ("B-PER", "I-LOC")).entities() == [
        Entity("PER", 0, 1, "a"),
        Entity("LOC", 1, 2, "b"),
    ]


def test_files_round_trip(tmp_path):
    sentiment = [SentimentExample("a", "not bad", 1, "negated"), SentimentExample("b", "dull", 0, "plain")]
    ner = [NerExample("c", ("mia", "ran"), ("B-PER", "O"))]
    qa = [
        QAExample("q1", "t", "mia ran . tom sat .", "who ran ?", (QAAnswer("mia", 0),)),
        QAExample("q2", "t", "mia ran . tom sat .", "who sat ?", (QAAnswer("tom", 10),)),
        QAExample("q3", "u", "ivy hid .", "who hid ?", (QAAnswer("ivy", 0),)),
    ]
    write_jsonl(tmp_path / "s.jsonl", map(sentiment_record, sentiment))
    write_jsonl(tmp_path / "n.jsonl", map(ner_record, ner))
    write_squad_json(tmp_path / "q.json", qa)
    assert read_sentiment_jsonl(tmp_path / "s.jsonl") == sentiment
    assert read_ner_jsonl(tmp_path / "n.jsonl") == ner
    assert read_squad_json(tmp_path / "q.json") == qa
