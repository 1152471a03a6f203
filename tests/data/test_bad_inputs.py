"""Bad data files and bad window settings: each gives a clear error naming the file, the line (or
place), the field and the fix, or the right result; nothing hangs and nothing is counted wrongly."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bertlib.data import load_user_file
from bertlib.data.examples import NerExample, QAAnswer, QAExample, SentimentExample
from bertlib.data.features import qa_features, window_starts
from bertlib.errors import BertlibInputError
from bertlib.paths import DATA_DIR as REPO_DATA

# ----------------------------------------------------------------------------- JSON-lines records

GOOD_SENTIMENT = '{"text": "a fine film", "label": 1}'
GOOD_NER = '{"tokens": ["Mia", "ran"], "tags": ["B-PER", "O"]}'

BAD_RECORDS = [
    # id, task, the file's second line, what the error must say
    ("sentiment-invalid-json", "sentiment", '{"text": oops}', r"line 2: not valid JSON"),
    ("sentiment-not-an-object", "sentiment", '["a fine film", 1]', r"line 2: expected a JSON object.*got list"),
    ("sentiment-missing-text", "sentiment", '{"label": 1}', r"line 2: the record has no 'text' field"),
    ("sentiment-missing-label", "sentiment", '{"text": "ok"}', r"line 2: the record has no 'label' field"),
    ("sentiment-text-is-number", "sentiment", '{"text": 5, "label": 1}', r"line 2: field 'text' is int 5.*a string"),
    ("sentiment-label-is-string", "sentiment", '{"text": "ok", "label": "1"}', r"line 2: field 'label' is '1'; use 0"),
    ("sentiment-label-is-bool", "sentiment", '{"text": "ok", "label": true}', r"line 2: field 'label' is True; use 0"),
    ("sentiment-label-is-float", "sentiment", '{"text": "ok", "label": 1.0}', r"line 2: field 'label' is 1.0; use 0"),
    ("sentiment-label-out-of-range", "sentiment", '{"text": "ok", "label": 2}', r"line 2: .*use 0 .negative. or 1"),
    ("sentiment-form-is-list", "sentiment", '{"text": "ok", "label": 1, "form": []}', r"line 2: field 'form'"),
    (
        "ner-tokens-as-string",
        "ner",
        '{"tokens": "Mia ran", "tags": ["B-PER", "O"]}',
        r"line 2: field 'tokens' is the string 'Mia ran'.*one entry per word.*one character at a time",
    ),
    ("ner-tags-as-string", "ner", '{"tokens": ["Mia"], "tags": "B-PER"}', r"line 2: field 'tags' is the string"),
    (
        "ner-tag-not-bio",
        "ner",
        '{"tokens": ["Mia", "ran"], "tags": ["PERSON", "O"]}',
        r"line 2: field 'tags', tag 0 is 'PERSON', which is not a BIO tag.*'B-PER'",
    ),
    ("ner-tag-lowercase-b", "ner", '{"tokens": ["Mia"], "tags": ["b-PER"]}', r"line 2: .*tag 0 is 'b-PER'"),
    ("ner-tag-without-type", "ner", '{"tokens": ["Mia"], "tags": ["B-"]}', r"line 2: .*tag 0 is 'B-'"),
    ("ner-tag-is-number", "ner", '{"tokens": ["Mia"], "tags": [3]}', r"line 2: field 'tags', entry 0 is 3"),
    (
        "ner-token-is-number",
        "ner",
        '{"tokens": ["Mia", 7], "tags": ["B-PER", "O"]}',
        r"line 2: field 'tokens', entry 1",
    ),
    ("ner-length-mismatch", "ner", '{"tokens": ["Mia", "ran"], "tags": ["B-PER"]}', r"line 2: 2 tokens but 1 tags"),
    ("ner-empty-tokens", "ner", '{"tokens": [], "tags": []}', r"line 2: 'tokens' is empty"),
    ("ner-missing-tags", "ner", '{"tokens": ["Mia"]}', r"line 2: the record has no 'tags' field"),
]


@pytest.mark.parametrize("task, line, message", [case[1:] for case in BAD_RECORDS], ids=[c[0] for c in BAD_RECORDS])
def test_a_bad_record_names_file_line_and_field(tmp_path, task, line, message):
    good = GOOD_SENTIMENT if task == "sentiment" else GOOD_NER
    path = tmp_path / "mine.jsonl"
    path.write_text(f"{good}\n{line}\n", encoding="utf-8")
    with pytest.raises(BertlibInputError, match=message) as caught:
        load_user_file(path, task)
    assert str(path) in str(caught.value)


def test_missing_field_is_still_a_key_error_but_prints_as_a_sentence(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text('{"text": "ok"}\n', encoding="utf-8")
    with pytest.raises(KeyError) as caught:
        load_user_file(path, "sentiment")
    assert str(caught.value).startswith(str(path))  # no quotes around it, as KeyError would add


# ----------------------------------------------------------------------------- encodings and empty files

NOT_UTF8 = [
    ("documents-latin1", "documents", "mine.txt", "the cat sat .\nthe caf\xe9 .\n".encode("latin-1"), "line 2, byte 8"),
    (
        "sentiment-latin1",
        "sentiment",
        "mine.jsonl",
        '{"text": "caf\xe9", "label": 1}\n'.encode("latin-1"),
        "line 1, byte 14",
    ),
    (
        "ner-cp1252-quote",
        "ner",
        "mine.jsonl",
        (GOOD_NER + '\n{"tokens": ["\u201cMia"], "tags": ["O"]}\n').encode("cp1252"),
        "line 2, byte 14",
    ),
    ("qa-latin1", "qa", "mine.json", '{"data": []}\n{"caf\xe9"}'.encode("latin-1"), "line 2, byte 6"),
]


@pytest.mark.parametrize("task, name, data, where", [c[1:] for c in NOT_UTF8], ids=[c[0] for c in NOT_UTF8])
def test_a_file_that_is_not_utf8_names_line_and_byte_and_says_save_as_utf8(tmp_path, task, name, data, where):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(BertlibInputError, match=rf"{where} of the line.*not UTF-8.*save the file as UTF-8"):
        load_user_file(path, task)


EMPTY = [
    ("documents", "mine.txt", ""),
    ("documents", "mine.txt", "\n\n  \n"),
    ("sentiment", "mine.jsonl", ""),
    ("ner", "mine.jsonl", "\n"),
    ("qa", "mine.json", ""),
    ("qa", "mine.json", '{"version": "1.1", "data": []}'),
]


@pytest.mark.parametrize(
    "task, name, text",
    EMPTY,
    ids=["txt-empty", "txt-blank-lines", "sentiment-empty", "ner-blank", "qa-empty", "qa-no-data"],
)
def test_an_empty_file_is_an_error_saying_what_it_should_hold(tmp_path, task, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BertlibInputError, match=rf"{path.name} (holds no examples|is empty)"):
        load_user_file(path, task)


def test_a_utf8_byte_order_mark_and_windows_line_ends_are_read_correctly(tmp_path):
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + GOOD_SENTIMENT.encode() + b"\r\n")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfthe cat sat .\r\nit purred .\r\n")
    assert load_user_file(tmp_path / "bom.jsonl", "sentiment") == [SentimentExample("1", "a fine film", 1)]
    assert load_user_file(tmp_path / "bom.txt", "documents")[0].sentences == ("the cat sat .", "it purred .")


def test_a_folder_or_an_uppercase_suffix(tmp_path):
    (tmp_path / "data.jsonl").mkdir()
    with pytest.raises(BertlibInputError, match="is a folder"):
        load_user_file(tmp_path / "data.jsonl", "sentiment")
    (tmp_path / "MINE.JSONL").write_text(GOOD_SENTIMENT + "\n", encoding="utf-8")
    assert len(load_user_file(tmp_path / "MINE.JSONL", "sentiment")) == 1


# ----------------------------------------------------------------------------- SQuAD files


def squad_with(answer: dict, qa_extra: dict | None = None, paragraph_extra: dict | None = None) -> dict:
    qa = {"id": "q1", "question": "who ran ?", "answers": [answer], **(qa_extra or {})}
    paragraph = {"context": "mia ran home .", "qas": [qa], **(paragraph_extra or {})}
    return {"version": "1.1", "data": [{"title": "t", "paragraphs": [paragraph]}]}


BAD_SQUAD = [
    (
        "answer-start-is-string",
        squad_with({"text": "mia", "answer_start": "0"}),
        r"data\[0\]\.paragraphs\[0\]\.qas\[0\] \(question 'q1'\)\.answers\[0\]: "
        r"field 'answer_start' is str '0'.*an integer",
    ),
    ("answer-start-missing", squad_with({"text": "mia"}), r"answers\[0\]: the record has no 'answer_start' field"),
    ("answer-start-is-bool", squad_with({"text": "mia", "answer_start": True}), r"'answer_start' is bool"),
    ("answer-text-missing", squad_with({"answer_start": 0}), r"answers\[0\]: the record has no 'text' field"),
    (
        "answer-not-at-start",
        squad_with({"text": "home", "answer_start": 0}),
        r"answer 'home' is not at character 0.*occurs at character 8: set answer_start to 8",
    ),
    ("answer-not-in-context", squad_with({"text": "bob", "answer_start": 0}), r"does not occur in the context"),
    ("answer-start-negative", squad_with({"text": "mia", "answer_start": -14}), r"not at character -14"),
    (
        "question-missing",
        {"data": [{"title": "t", "paragraphs": [{"context": "c", "qas": [{"id": "q", "answers": []}]}]}]},
        r"qas\[0\] \(question 'q'\): the record has no 'question' field",
    ),
    (
        "context-is-list",
        {"data": [{"paragraphs": [{"context": ["mia"], "qas": []}]}]},
        r"paragraphs\[0\]: field 'context' is list",
    ),
    ("data-is-object", {"data": {"title": "t"}}, r"field 'data' is dict.*a list"),
    ("no-data", {"version": "1.1"}, r"the record has no 'data' field"),
    ("top-level-list", [1, 2], r"expected SQuAD's layout"),
]


@pytest.mark.parametrize("squad, message", [c[1:] for c in BAD_SQUAD], ids=[c[0] for c in BAD_SQUAD])
def test_a_bad_squad_file_names_the_place_and_field(tmp_path, squad, message):
    path = tmp_path / "qa.json"
    path.write_text(json.dumps(squad), encoding="utf-8")
    with pytest.raises(BertlibInputError, match=message) as caught:
        load_user_file(path, "qa")
    assert str(caught.value).startswith(str(path))


def test_invalid_squad_json_names_line_and_column(tmp_path):
    path = tmp_path / "qa.json"
    path.write_text('{"version": "1.1",\n "data": [,]}\n', encoding="utf-8")
    with pytest.raises(BertlibInputError, match=r"qa.json is not valid JSON \(Expecting value, line 2, column 11\)"):
        load_user_file(path, "qa")


# ----------------------------------------------------------------------------- examples made in Python


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: NerExample("x", "Mia ran", ("B-PER", "O")), "tokens is the string 'Mia ran'"),
        (lambda: NerExample("x", ("Mia",), ("PERSON",)), "tag 0 is 'PERSON', which is not a BIO tag"),
        (lambda: NerExample("x", ("Mia", "ran"), ("B-PER",)), "2 tokens but 1 tags"),
        (lambda: QAAnswer("mia", "0"), "answer_start '0'"),
        (lambda: QAExample("q", "t", "mia ran", "who?", (QAAnswer("ran", 0),)), "is not at character 0"),
        (lambda: SentimentExample("s", "ok", True), "has label True"),
    ],
    ids=["ner-tokens-string", "ner-tag-not-bio", "ner-length", "qa-start-string", "qa-misplaced", "sentiment-bool"],
)
def test_examples_made_in_python_are_checked_too(make, message):
    with pytest.raises(BertlibInputError, match=message):
        make()


def test_an_i_tag_after_o_starts_an_entity_as_conlleval_reads_it():
    """The lenient case, kept on purpose: CoNLL-2003's original tags are IOB1, where I- starts one."""
    example = NerExample("x", ("in", "Paris", "today"), ("O", "I-LOC", "O"))
    assert [(e.label, e.text) for e in example.entities()] == [("LOC", "Paris")]


# ----------------------------------------------------------------------------- windows over a long context

BAD_WINDOWS = [
    ("doc-stride-zero", dict(length=10, room=4, doc_stride=0), r"doc_stride=0 must be a whole number of at least 1"),
    ("doc-stride-negative", dict(length=10, room=4, doc_stride=-2), r"doc_stride=-2 must be"),
    ("doc-stride-float", dict(length=10, room=4, doc_stride=2.5), r"doc_stride=2.5 must be a whole number"),
    ("doc-stride-bool", dict(length=10, room=4, doc_stride=True), r"doc_stride=True must be"),
    ("room-zero", dict(length=10, room=0, doc_stride=3), r"room=0 must be a whole number of at least 1"),
    ("length-negative", dict(length=-1, room=4, doc_stride=3), r"length=-1 must be a whole number of at least 0"),
]


@pytest.mark.parametrize("arguments, message", [c[1:] for c in BAD_WINDOWS], ids=[c[0] for c in BAD_WINDOWS])
def test_bad_window_settings_are_refused_at_once(arguments, message):
    with pytest.raises(BertlibInputError, match=message):
        window_starts(**arguments)


@pytest.mark.parametrize("doc_stride", [0, -3], ids=["zero", "negative"])
def test_qa_features_refuse_a_bad_doc_stride_before_any_work(course_tokenizer, doc_stride):
    example = QAExample("q", "t", "mia ran home .", "who ran ?", (QAAnswer("mia", 0),))
    with pytest.raises(BertlibInputError, match=rf"doc_stride={doc_stride} .*e\.g\. 64"):
        qa_features([example], course_tokenizer, max_seq_length=32, doc_stride=doc_stride)


@settings(max_examples=200, deadline=None)
@given(length=st.integers(0, 400), room=st.integers(1, 64), doc_stride=st.integers(1, 100))
def test_windows_end_and_cover_every_token(length, room, doc_stride):
    starts = window_starts(length, room, doc_stride)
    assert starts[0] == 0 and starts == sorted(set(starts))  # strictly forward: the loop ends
    assert len(starts) <= max(1, length)  # at most one window a token
    covered = set()
    for start in starts:
        covered.update(range(start, min(start + room, length)))
    assert covered == set(range(length))  # no token is skipped, even when doc_stride > room
    assert all(start < length for start in starts[1:])  # no window is empty


# ----------------------------------------------------------------------------- the data command line


@pytest.mark.parametrize(
    "argv, message",
    [(["stats", "--data", "{tmp}/nowhere"], "is not a folder"), (["build", "--out", "{tmp}/a_file"], "is a file")],
    ids=["stats-missing-folder", "build-out-is-a-file"],
)
def test_the_data_cli_gives_an_argparse_error(tmp_path, capsys, argv, message):
    from bertlib.data.__main__ import main

    (tmp_path / "a_file").write_text("keep\n")
    with pytest.raises(SystemExit) as exit_:
        main([arg.format(tmp=tmp_path) for arg in argv])
    error = capsys.readouterr().err
    assert exit_.value.code == 2 and message in error and "Traceback" not in error
    assert (tmp_path / "a_file").read_text() == "keep\n"


# -- second sweep: empty texts, SQuAD records v1.1 cannot hold, a path that is not a path ------------

MORE_BAD_SQUAD = [
    (
        "question-id-twice",
        {
            "data": [
                {
                    "title": "t",
                    "paragraphs": [
                        {
                            "context": "mia ran home .",
                            "qas": [
                                {"id": "1", "question": "who ran ?", "answers": [{"text": "mia", "answer_start": 0}]},
                                {"id": "1", "question": "where ?", "answers": [{"text": "home", "answer_start": 8}]},
                            ],
                        }
                    ],
                }
            ]
        },
        r"question id '1' appears twice \(data\[0\]\.paragraphs\[0\]\.qas\[0\] and .*qas\[1\]\).*its own id",
    ),
    (
        "answers-empty",
        squad_with({"text": "mia", "answer_start": 0}, qa_extra={"answers": []}),
        r"qas\[0\] \(question 'q1'\): 'answers' is empty; a SQuAD v1.1 question has at least one answer",
    ),
    (
        "question-empty",
        squad_with({"text": "mia", "answer_start": 0}, qa_extra={"question": ""}),
        r"field 'question' is empty \(''\); give it text.*or drop the record",
    ),
    (
        "answer-text-empty",
        squad_with({"text": "", "answer_start": 0}),
        r"answers\[0\]: field 'text' is empty \(''\); give it text, e.g. \"Mia\"",
    ),
]


@pytest.mark.parametrize("squad, message", [c[1:] for c in MORE_BAD_SQUAD], ids=[c[0] for c in MORE_BAD_SQUAD])
def test_a_squad_record_v11_cannot_hold_names_the_place(tmp_path, squad, message):
    path = tmp_path / "qa.json"
    path.write_text(json.dumps(squad), encoding="utf-8")
    with pytest.raises(BertlibInputError, match=message) as caught:
        load_user_file(path, "qa")
    assert str(caught.value).startswith(str(path))


@pytest.mark.parametrize("text", ["", "   "], ids=["sentiment-text-empty", "sentiment-text-blank"])
def test_an_empty_sentiment_text_names_file_line_and_field(tmp_path, text):
    path = tmp_path / "mine.jsonl"
    path.write_text(GOOD_SENTIMENT + "\n" + json.dumps({"text": text, "label": 0}) + "\n", encoding="utf-8")
    with pytest.raises(BertlibInputError, match=r"mine.jsonl, line 2: field 'text' is empty.*drop the record"):
        load_user_file(path, "sentiment")


@pytest.mark.parametrize("path", [None, 5], ids=["user-file-none", "user-file-int"])
def test_a_path_that_is_not_a_path_is_named(path):
    with pytest.raises(BertlibInputError, match=rf"load_user_file got path={path!r}.*as a string or Path"):
        load_user_file(path, "qa")


def _data_cli(argv, capsys):
    from bertlib.data.__main__ import main

    with pytest.raises(SystemExit) as exit_:
        main(argv)
    error = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in error
    return error


def test_data_build_never_replaces_a_file_it_did_not_write(tmp_path, capsys):
    from bertlib.data.__main__ import main

    (tmp_path / "vocab.txt").write_text("my own vocabulary\n")
    (tmp_path / "notes.txt").write_text("keep\n")
    error = _data_cli(["build", "--out", str(tmp_path)], capsys)
    assert "would replace 1 file(s)" in error and "vocab.txt" in error and "--force" in error
    assert (tmp_path / "vocab.txt").read_text() == "my own vocabulary\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "vocab.txt"]  # nothing else written
    main(["build", "--out", str(tmp_path), "--force"])
    assert (tmp_path / "vocab.txt").read_bytes() == (REPO_DATA / "vocab.txt").read_bytes()
    assert (tmp_path / "notes.txt").read_text() == "keep\n"
    main(["build", "--out", str(tmp_path)])  # a second build over its own identical files is fine


def test_data_cli_refuses_an_empty_path(capsys):
    assert "argument --out: is empty; give a folder" in _data_cli(["build", "--out", ""], capsys)
    assert "argument --data: is empty" in _data_cli(["stats", "--data", " "], capsys)
