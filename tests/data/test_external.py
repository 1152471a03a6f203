"""Real-data converters on in-memory records with the datasets' schemas, user files, the offline
error, and the download helper against a local HTTP server. Nothing is downloaded."""

from __future__ import annotations

import hashlib
import http.server
import json
import sys
import threading
import types
from functools import partial

import pytest

from bertlib.data.examples import Document
from bertlib.data.external import (
    RealDataUnavailable,
    conll2003_examples,
    download,
    load_real_dataset,
    load_user_file,
    squad_examples,
    sst2_examples,
    wikitext_documents,
)


def test_sst2_records_become_sentiment_examples():
    records = [
        {"sentence": "hide new secretions from the parental units ", "label": 0, "idx": 0},
        {"sentence": "that loves its characters ", "label": 1, "idx": 1},
    ]
    examples = sst2_examples(records)
    assert [(e.id, e.text, e.label) for e in examples] == [
        ("sst2-0", "hide new secretions from the parental units", 0),
        ("sst2-1", "that loves its characters", 1),
    ]
    with pytest.raises(ValueError, match="test split has no labels"):
        sst2_examples([{"sentence": "x", "label": -1, "idx": 7}])


def test_conll2003_tag_ids_become_bio_names():
    record = {
        "id": "0",
        "tokens": ["EU", "rejects", "German", "call"],
        "pos_tags": [22, 42, 16, 21],
        "chunk_tags": [11, 21, 11, 12],
        "ner_tags": [3, 0, 7, 0],
    }
    (example,) = conll2003_examples([record])
    assert example.tokens == ("EU", "rejects", "German", "call")
    assert example.tags == ("B-ORG", "O", "B-MISC", "O")
    with pytest.raises(ValueError, match="tag id 9"):
        conll2003_examples([dict(record, ner_tags=[9, 0, 0, 0])])


SQUAD_RECORD = {
    "id": "5733be284776f41900661182",
    "title": "University_of_Notre_Dame",
    "context": "Architecturally, the school has a Catholic character.",
    "question": "What character does the school have?",
    "answers": {"text": ["a Catholic character", "Catholic"], "answer_start": [32, 34]},
}


def test_squad_records_become_qa_examples_with_checked_answers():
    (example,) = squad_examples([SQUAD_RECORD])
    assert [(a.text, a.answer_start) for a in example.answers] == [("a Catholic character", 32), ("Catholic", 34)]
    broken = dict(SQUAD_RECORD, answers={"text": ["Catholic"], "answer_start": [3]})
    with pytest.raises(ValueError, match="is not at character 3"):
        squad_examples([broken])


def test_wikitext_titles_start_documents_and_headings_are_dropped():
    lines = [
        " = Valkyria Chronicles = \n",
        " \n",
        " The game is a war game . It came out in 2011 . \n",
        " = = Gameplay = = \n",
        " Players fight ! Do they win ? Yes \n",
        " = Tower Building = \n",
        " It is tall . \n",
    ]
    documents = wikitext_documents([{"text": line} for line in lines])
    assert documents == [
        Document(("The game is a war game .", "It came out in 2011 .", "Players fight !", "Do they win ?", "Yes")),
        Document(("It is tall .",)),
    ]
    assert wikitext_documents(lines) == documents  # plain strings work as well


def test_user_files_of_every_kind(tmp_path):
    (tmp_path / "mine.txt").write_text("the cat sat .\nit purred .\n\n\nthe dog ran .\n")
    (tmp_path / "reviews.jsonl").write_text('{"text": "great", "label": 1}\n\n{"text": "awful", "label": 0}\n')
    (tmp_path / "tags.jsonl").write_text(json.dumps({"tokens": ["mia", "ran"], "tags": ["B-PER", "O"]}) + "\n")
    squad = {
        "version": "1.1",
        "data": [
            {
                "title": "t",
                "paragraphs": [
                    {
                        "context": "mia ran home .",
                        "qas": [{"id": "q1", "question": "who ran ?", "answers": [{"text": "mia", "answer_start": 0}]}],
                    }
                ],
            }
        ],
    }
    (tmp_path / "qa.json").write_text(json.dumps(squad))
    assert load_user_file(tmp_path / "mine.txt", "documents") == [
        Document(("the cat sat .", "it purred .")),
        Document(("the dog ran .",)),
    ]
    assert [e.label for e in load_user_file(tmp_path / "reviews.jsonl", "sentiment")] == [1, 0]
    assert load_user_file(tmp_path / "tags.jsonl", "ner")[0].tags == ("B-PER", "O")
    assert load_user_file(tmp_path / "qa.json", "qa")[0].answers[0].text == "mia"


def test_user_file_errors_say_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match="supported are"):
        load_user_file(tmp_path / "reviews.csv", "sentiment")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_user_file(tmp_path / "missing.jsonl", "sentiment")
    (tmp_path / "bad.jsonl").write_text('{"text": "ok", "label": 1}\n{"text": oops}\n')
    with pytest.raises(ValueError, match="line 2: not valid JSON"):
        load_user_file(tmp_path / "bad.jsonl", "sentiment")
    (tmp_path / "nolabel.jsonl").write_text('{"text": "ok"}\n')
    with pytest.raises(KeyError, match="no 'label' field"):
        load_user_file(tmp_path / "nolabel.jsonl", "sentiment")
    (tmp_path / "label.jsonl").write_text('{"text": "ok", "label": 5}\n')
    with pytest.raises(ValueError, match="use 0 .negative. or 1 .positive."):
        load_user_file(tmp_path / "label.jsonl", "sentiment")


def test_without_the_datasets_package_the_error_points_to_the_embedded_default(monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)  # makes `import datasets` fail
    with pytest.raises(RealDataUnavailable, match=r"not installed.*bertlib\.data\.load_sentiment"):
        load_real_dataset("sst2")


def fake_datasets(load_dataset) -> types.ModuleType:
    module = types.ModuleType("datasets")
    module.load_dataset = load_dataset
    return module


def test_offline_the_error_says_so_and_points_to_the_embedded_default(monkeypatch):
    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'glue' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setitem(sys.modules, "datasets", fake_datasets(offline))
    with pytest.raises(RealDataUnavailable, match=r"ConnectionError.*Without a network.*load_qa"):
        load_real_dataset("squad", "validation")


def test_with_datasets_and_a_network_records_are_converted(monkeypatch):
    calls = []

    def load_dataset(*args, split):
        calls.append((args, split))
        return [SQUAD_RECORD]

    monkeypatch.setitem(sys.modules, "datasets", fake_datasets(load_dataset))
    assert load_real_dataset("squad", "validation")[0].id == SQUAD_RECORD["id"]
    assert calls == [(("squad",), "validation")]
    with pytest.raises(ValueError, match="unknown data set 'imdb'"):
        load_real_dataset("imdb")


@pytest.fixture
def local_server(tmp_path):
    """A local HTTP server on 127.0.0.1 over tmp_path/www; yields (base URL, list of paths asked for)."""
    root = tmp_path / "www"
    root.mkdir()
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root, requests
    server.shutdown()
    thread.join()


def test_download_checks_the_hash_and_caches(local_server, tmp_path):
    base, root, requests = local_server
    content = b"the cat sat .\n\nthe dog ran .\n"
    (root / "corpus.txt").write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    cache = tmp_path / "cache"
    path = download(f"{base}/corpus.txt", cache, digest)
    assert path.read_bytes() == content and requests == ["/corpus.txt"]
    assert download(f"{base}/corpus.txt", cache, digest) == path
    assert requests == ["/corpus.txt"]  # the cached copy was used


def test_download_keeps_nothing_on_a_bad_hash_and_explains_a_missing_file(local_server, tmp_path):
    base, root, _ = local_server
    (root / "corpus.txt").write_bytes(b"changed upstream")
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="not the expected"):
        download(f"{base}/corpus.txt", cache, "0" * 64)
    assert list(cache.iterdir()) == []
    with pytest.raises(RealDataUnavailable, match="Could not download .*missing.txt"):
        download(f"{base}/missing.txt", cache, "0" * 64)
