"""A bag-of-words baseline: logistic regression on unigrams and bigrams.

It is the classic strong baseline for sentence classification, and it is given every fair chance:
binary uni- and bigram features, an L2 penalty chosen on the dev split, and full-batch L-BFGS
run to convergence (deterministic on CPU). What it cannot do is read word order beyond two words,
which is exactly what negation set apart from its adjective ("not very good") needs.

Its job ends at fitting and scoring the baseline; the comparison table belongs to the evidence
script. `python -m bertlib.training.baselines` prints its accuracy on each sentiment split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from bertlib.data.tasks import SENTIMENT_SIZES, load_sentiment

WORD = re.compile(r"\w+|[^\w\s]")
#: The L2 strengths `fit_bag_of_words` tries on the dev split.
L2_GRID = (1e-4, 1e-3, 1e-2, 1e-1)


def ngrams(text: str, max_n: int = 2) -> list[str]:
    """The text's lower-cased words and word n-grams up to `max_n`, e.g. "not bad" for bigrams."""
    words = WORD.findall(text.lower())
    return [" ".join(words[i : i + n]) for n in range(1, max_n + 1) for i in range(len(words) - n + 1)]


@dataclass(frozen=True)
class FeatureWeight:
    """A bag-of-words feature and its learned weight."""

    feature: str
    weight: float  # towards the highest label (for two labels: towards positive)


class BagOfWordsClassifier:
    """Logistic regression (softmax for more than two labels) on binary n-gram features."""

    def __init__(self, max_n: int = 2, l2: float = 1e-3, max_iter: int = 500):
        """Word n-grams up to `max_n`, L2 penalty `l2`, at most `max_iter` L-BFGS iterations."""
        self.max_n = max_n
        self.l2 = l2
        self.max_iter = max_iter
        self.features: dict[str, int] = {}
        self.linear: torch.nn.Linear | None = None

    def featurize(self, texts: Sequence[str]) -> torch.Tensor:
        """(N, F) binary presence of each known n-gram; n-grams unseen in training are dropped."""
        x = torch.zeros(len(texts), len(self.features))
        for row, text in enumerate(texts):
            columns = [self.features[g] for g in ngrams(text, self.max_n) if g in self.features]
            x[row, columns] = 1.0
        return x

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> BagOfWordsClassifier:
        """Learn the vocabulary and the logistic regression from labelled texts."""
        if len(texts) != len(labels) or not texts:
            raise ValueError(f"fit needs as many labels as texts, and at least one; got {len(texts)} and {len(labels)}")
        for text in texts:
            for gram in ngrams(text, self.max_n):
                self.features.setdefault(gram, len(self.features))
        x, y = self.featurize(texts), torch.tensor(list(labels))
        generator = torch.Generator().manual_seed(0)
        linear = self.linear = torch.nn.Linear(x.shape[1], int(y.max()) + 1)
        with torch.no_grad():
            linear.weight.copy_(torch.randn(linear.weight.shape, generator=generator) * 0.01)
            linear.bias.zero_()
        optimizer = torch.optim.LBFGS(linear.parameters(), max_iter=self.max_iter, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(linear(x), y) + self.l2 * linear.weight.pow(2).sum()
            loss.backward()
            return loss

        optimizer.step(closure)
        return self

    def predict(self, texts: Sequence[str]) -> list[int]:
        """The predicted label of each text."""
        if self.linear is None:
            raise RuntimeError("call fit() before predict()")
        with torch.no_grad():
            return self.linear(self.featurize(texts)).argmax(dim=-1).tolist()

    def accuracy(self, texts: Sequence[str], labels: Sequence[int]) -> float:
        """The fraction of texts whose label is predicted exactly."""
        predictions = self.predict(texts)
        return sum(int(p == y) for p, y in zip(predictions, labels, strict=True)) / len(labels)

    def top_features(self, k: int = 10) -> list[FeatureWeight]:
        """The `k` n-grams with the largest weights towards the last label, strongest first."""
        if self.linear is None:
            raise RuntimeError("call fit() before top_features()")
        weights = self.linear.weight[-1] - self.linear.weight[0]
        names = list(self.features)
        order = torch.argsort(weights, descending=True)[:k].tolist()
        return [FeatureWeight(names[i], float(weights[i].detach())) for i in order]


def fit_bag_of_words(
    train: tuple[Sequence[str], Sequence[int]],
    dev: tuple[Sequence[str], Sequence[int]],
    l2_grid: Sequence[float] = L2_GRID,
    max_n: int = 2,
) -> BagOfWordsClassifier:
    """Fit one classifier per L2 strength and keep the best on dev (ties go to the stronger L2)."""
    best, best_accuracy = None, -1.0
    for l2 in sorted(l2_grid, reverse=True):
        model = BagOfWordsClassifier(max_n=max_n, l2=l2).fit(*train)
        accuracy = model.accuracy(*dev)
        if accuracy > best_accuracy:
            best, best_accuracy = model, accuracy
    if best is None:
        raise ValueError("fit_bag_of_words needs at least one L2 strength in l2_grid; got none.")
    return best


@dataclass(frozen=True)
class BaselineScores:
    """The bag of words fitted on the embedded sentiment set's training split."""

    l2: float  # the L2 strength chosen on dev
    accuracy: dict[str, float]  # split name -> accuracy, for every split of the set


def sentiment_baseline() -> BaselineScores:
    """Fit the bag of words on the embedded sentiment training split (L2 chosen on dev) and score every split."""
    splits = {name: load_sentiment(name) for name in SENTIMENT_SIZES}
    texts_labels = {name: ([e.text for e in ex], [e.label for e in ex]) for name, ex in splits.items()}
    model = fit_bag_of_words(texts_labels["train"], texts_labels["dev"])
    return BaselineScores(model.l2, {name: model.accuracy(*pair) for name, pair in texts_labels.items()})


def main() -> None:
    """Print the baseline's accuracy on every split of the embedded sentiment set."""
    scores = sentiment_baseline()
    print(f"bag of words (uni+bigrams), L2 {scores.l2:g} chosen on dev")
    for name, accuracy in scores.accuracy.items():
        print(f"{name:>14}: {accuracy:.3f}")


if __name__ == "__main__":
    main()
