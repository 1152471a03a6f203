"""The bag-of-words baseline: it learns what words say, and it fails where order matters."""

from __future__ import annotations

import pytest

from bertlib.data.tasks import SENTIMENT_SIZES, load_sentiment
from bertlib.paths import DATA_DIR
from bertlib.training.baselines import BagOfWordsClassifier, fit_bag_of_words, ngrams


def test_ngrams_are_lowercased_unigrams_then_bigrams():
    assert ngrams("Not BAD.") == ["not", "bad", ".", "not bad", "bad ."]


def test_it_learns_word_evidence_and_bigrams():
    texts = ["good film", "great film", "bad film", "awful film", "not bad film", "not good film"]
    labels = [1, 1, 0, 0, 1, 0]
    model = BagOfWordsClassifier(l2=1e-4).fit(texts, labels)
    assert model.predict(texts) == labels
    assert model.top_features(1)[0].feature in {"not bad", "good", "great"}
    assert model.predict(["great film"]) == model.predict(["great film"])  # deterministic


def test_fit_needs_one_label_per_text():
    with pytest.raises(ValueError, match="as many labels as texts"):
        BagOfWordsClassifier().fit(["a", "b"], [1])


def test_bag_of_words_fails_on_the_negation_split_as_the_readme_says():
    """Negations set apart from their adjective ("not very good") defeat uni- and bigrams."""
    xy = {}
    for name in SENTIMENT_SIZES:
        examples = load_sentiment(name)
        xy[name] = ([e.text for e in examples], [e.label for e in examples])
    model = fit_bag_of_words(xy["train"], xy["dev"])
    accuracy = {name: model.accuracy(*pair) for name, pair in xy.items()}
    assert accuracy["train"] > 0.95  # it fits its training set ...
    assert accuracy["test_negation"] < 0.6  # ... and stays near chance here
    row = "| accuracy | " + " | ".join(f"{accuracy[name]:.3f}" for name in SENTIMENT_SIZES) + " |"
    assert row in (DATA_DIR / "README.md").read_text(encoding="utf-8"), f"data/README.md should show {row}"
