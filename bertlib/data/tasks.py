"""Labelled sets from the small world: sentiment, NER and extractive QA, each with train/dev/test.

The sets are made so that pre-training helps honestly, as it does for real BERT:

- The training splits are small (a few hundred examples) and the test splits large (2,000), so
  metrics are stable and the labels alone teach little.
- What the tasks need is in the *unlabelled* corpus: it follows every judgement with a reaction
  of the same polarity ("the soup was not bad . mia smiled ."), and it uses every name, town,
  place and animal in many contexts. No text appears in two splits, and no sentiment example
  appears verbatim in the corpus (where a reaction follows it).
- Sentiment needs context: negations ("not bad"), negations set apart from their adjective by an
  intensifier ("not very good") and contrasts ("good but far too long"). `test_negation` holds
  only the forms a bag of words cannot read. Every adjective of the test splits is in the
  training split too: pre-training teaches how words combine, not what an unseen adjective means.
- NER's training split is written without a third of the names, towns, places and animals
  (`NER_HELD_OUT`); the test split uses them all, so many of its entities are new to the labels, as
  in CoNLL-2003. The corpus has them all, so a pre-trained model has met them.
- QA stories are long enough that some contexts exceed 128 word pieces, so the doc stride matters.

Its job ends at the examples and their files; features for a model are `features.py`'s job.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass
from pathlib import Path

from bertlib.data.examples import (
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
from bertlib.data.judgements import CONTRAST, NEGATED_APART, random_judgement
from bertlib.data.lexicon import PEOPLE, SPECIES, THINGS
from bertlib.data.sentences import OUTSIDE, Sentence
from bertlib.data.world import JUDGEMENT_FORMS, SEED, Pools, Story, StoryWriter
from bertlib.paths import data_path

SENTIMENT_SIZES = {"train": 500, "dev": 300, "test": 2000, "test_negation": 2000}
#: The NER set's labels, in the order a classifier numbers them.
NER_LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ANIMAL", "I-ANIMAL")
NER_SIZES = {"train": 400, "dev": 300, "test": 2000}
#: QA sizes count questions; each story gives at most `QA_QUESTIONS_PER_STORY` of them.
QA_SIZES = {"train": 8000, "dev": 300, "test": 2000}
QA_QUESTIONS_PER_STORY = 6

#: `test_negation`: only negations set apart from their adjective ("not very good"), alone or as
#: the deciding part of a contrast ("far too long but never really bad").
NEGATION_FORMS = {NEGATED_APART: 0.7, CONTRAST: 0.3}


def _named(names: Iterable[str]) -> tuple:
    wanted = tuple(names)
    return tuple(p for p in PEOPLE if p.name in wanted)


#: Words the NER training and dev splits never contain; the corpus and the NER test split do.
NER_HELD_OUT = Pools(
    people=_named(
        (
            "lily",
            "ruby",
            "julia",
            "leah",
            "nina",
            "ada",
            "maya",
            "clara",
            "sam",
            "noah",
            "theo",
            "hugo",
            "owen",
            "ian",
            "oscar",
            "felix",
        )
    ),
    surnames=("hughes", "porter", "moore", "fisher"),
    towns=("elmwood", "maplewood", "redcliff", "willowby", "little harlow", "oakdale", "westbury"),
    places=("bakery", "meadow", "cave", "museum", "pond", "stable", "library", "beach"),
    species=tuple(s for s in SPECIES if s.adult in ("deer", "goose", "pig", "goat")),
)


# ----------------------------------------------------------------------------- shared helpers


def task_rng(seed: int, task: str) -> random.Random:
    """One independent, reproducible random stream per task (string seeds hash with SHA-512)."""
    return random.Random(f"{seed}:{task}")


def fill_splits(sizes: dict[str, int], make: Callable[[str], str | None], taken: set[str]) -> dict[str, list[str]]:
    """Draw texts with `make(split)` until each split has its size, skipping any text already
    `taken` (by the corpus or an earlier split) and any `None` (a draw that found nothing)."""
    splits: dict[str, list[str]] = {}
    for split, size in sizes.items():
        texts: list[str] = []
        for _ in range(100 * size):
            if len(texts) == size:
                break
            text = make(split)
            if text is not None and text not in taken:
                taken.add(text)
                texts.append(text)
        if len(texts) < size:
            raise RuntimeError(
                f"found only {len(texts)} distinct texts of the {size} the {split} split needs; the world is too small"
            )
        splits[split] = texts
    return splits


# ----------------------------------------------------------------------------- sentiment


@dataclass(frozen=True)
class Review:
    """A generated review: its text, whether it is positive, and how its judgement was formed."""

    text: str
    positive: bool
    form: str


def sentiment_sentence(rng: random.Random, negation_only: bool) -> Review:
    """One judgement in one of three frames: "the soup was not bad .", "mia thought ...", "mia said ..."."""
    thing = rng.choice(THINGS)
    if negation_only:
        verdict = random_judgement(rng, thing, NEGATION_FORMS, contrast_last_forms=(NEGATED_APART,))
    else:
        verdict = random_judgement(rng, thing, JUDGEMENT_FORMS)
    opinion = rng.choice(("", "thought", "said"))
    speaker = f"{rng.choice(PEOPLE).name} {opinion} " if opinion else ""
    return Review(f"{speaker}the {thing.word} was {verdict.text} .", verdict.positive, verdict.form)


def generate_sentiment(seed: int = SEED, corpus_sentences: Set[str] = frozenset()) -> dict[str, list[SentimentExample]]:
    """The sentiment splits from `seed`: each review unique, none of them a corpus sentence."""
    rng = task_rng(seed, "sentiment")
    reviews: dict[str, Review] = {}

    def make(split: str) -> str:
        review = sentiment_sentence(rng, negation_only=split == "test_negation")
        reviews[review.text] = review
        return review.text

    splits = fill_splits(SENTIMENT_SIZES, make, set(corpus_sentences))
    return {
        split: [
            SentimentExample(f"{split}-{i:05d}", text, int(reviews[text].positive), reviews[text].form)
            for i, text in enumerate(texts)
        ]
        for split, texts in splits.items()
    }


# ----------------------------------------------------------------------------- NER


def has_entity(sentence: Sentence) -> bool:
    """Whether any word of the sentence is tagged as an entity."""
    return any(tag != OUTSIDE for tag in sentence.tags)


def generate_ner(seed: int = SEED) -> dict[str, list[NerExample]]:
    """Sentences with at least one entity, two at most from each story, none in two splits."""
    rng = task_rng(seed, "ner")
    writers = {"seen": StoryWriter(rng, Pools().without(NER_HELD_OUT)), "all": StoryWriter(rng)}
    pending: list[Sentence] = []
    tagged: dict[str, Sentence] = {}

    def make(split: str) -> str | None:
        if not pending:
            writer = writers["all" if split == "test" else "seen"]
            story = writer.write(outings=rng.randint(1, 3), first_person=rng.random() < 0.12)
            candidates = [s for s in story.sentences if has_entity(s)]
            pending.extend(rng.sample(candidates, min(2, len(candidates))))
        if not pending:
            return None
        sentence = pending.pop()
        tagged[sentence.text] = sentence
        return sentence.text

    splits = {}
    for split, size in NER_SIZES.items():
        pending.clear()  # a story's sentences never straddle two splits
        splits.update(fill_splits({split: size}, make, set(tagged)))
    return {
        split: [NerExample(f"{split}-{i:05d}", tagged[t].words, tagged[t].tags) for i, t in enumerate(texts)]
        for split, texts in splits.items()
    }


# ----------------------------------------------------------------------------- QA


def story_context(story: Story) -> tuple[str, list[int]]:
    """The story as one paragraph, and the character offset where each sentence starts."""
    starts, offset = [], 0
    for sentence in story.sentences:
        starts.append(offset)
        offset += len(sentence.text) + 1
    return " ".join(s.text for s in story.sentences), starts


def qa_examples(story: Story, title: str, rng: random.Random) -> list[QAExample]:
    """Questions about one story, each with its answer's text and character offset."""
    context, starts = story_context(story)
    candidates = story.unambiguous_questions()
    questions = rng.sample(candidates, min(QA_QUESTIONS_PER_STORY, len(candidates)))
    examples = []
    for number, question in enumerate(questions):
        sentence = story.sentences[question.sentence]
        span = sentence.spans[question.span]
        answer_start = starts[question.sentence] + len(" ".join(sentence.words[: span.start] + ("",)))
        answer = QAAnswer(sentence.span_text(question.span), answer_start)
        examples.append(QAExample(f"{title}-q{number}", title, context, question.text, (answer,)))
    return examples


def generate_qa(seed: int = SEED) -> dict[str, list[QAExample]]:
    """Third-person stories of 2 to 5 outings, with up to six unambiguous questions each."""
    rng = task_rng(seed, "qa")
    writer = StoryWriter(rng)
    splits = {}
    # Training questions are drawn last, so that resizing the training split never changes which
    # stories dev and test hold (their numbers stay comparable from one size to the next).
    for split in sorted(QA_SIZES, key=lambda name: name == "train"):
        size = QA_SIZES[split]
        examples: list[QAExample] = []
        stories = 0
        while len(examples) < size:
            story = writer.write(outings=rng.randint(2, 5))
            examples += qa_examples(story, f"{split}-{stories:04d}", rng)[: size - len(examples)]
            stories += 1
        splits[split] = examples
    return {split: splits[split] for split in QA_SIZES}


# ----------------------------------------------------------------------------- files and loaders

SENTIMENT_DIR, NER_DIR, QA_DIR = Path("sentiment"), Path("ner"), Path("qa")


@dataclass(frozen=True)
class TaskSets:
    """Every labelled set, split by split."""

    sentiment: dict[str, list[SentimentExample]]
    ner: dict[str, list[NerExample]]
    qa: dict[str, list[QAExample]]

    def texts(self) -> list[str]:
        """Every text of every set, in a fixed order (each of their words counts once in the course vocabulary)."""
        texts = [e.text for split in self.sentiment.values() for e in split]
        texts += [" ".join(e.tokens) for split in self.ner.values() for e in split]
        for split in self.qa.values():
            texts += list(dict.fromkeys(e.context for e in split))
            texts += [e.question for e in split]
        return texts


def generate_tasks(seed: int = SEED, corpus_sentences: Set[str] = frozenset()) -> TaskSets:
    """Every labelled set; texts in `corpus_sentences` are kept out of the sentiment set."""
    return TaskSets(
        sentiment=generate_sentiment(seed, corpus_sentences),
        ner=generate_ner(seed),
        qa=generate_qa(seed),
    )


def write_tasks(out_dir: str | Path, sets: TaskSets) -> list[Path]:
    """Write every labelled set under `out_dir`; returns the paths written."""
    out_dir = Path(out_dir)
    written = []
    for split, reviews in sets.sentiment.items():
        written.append(out_dir / SENTIMENT_DIR / f"{split}.jsonl")
        write_jsonl(written[-1], map(sentiment_record, reviews))
    for split, sentences in sets.ner.items():
        written.append(out_dir / NER_DIR / f"{split}.jsonl")
        write_jsonl(written[-1], map(ner_record, sentences))
    for split, questions in sets.qa.items():
        written.append(out_dir / QA_DIR / f"{split}.json")
        write_squad_json(written[-1], questions)
    return written


def check_split(split: str, sizes: dict[str, int], task: str) -> None:
    """Refuse a split name the task does not have, naming the ones it has."""
    if split not in sizes:
        raise ValueError(f"{task} has no split {split!r}; choose one of {list(sizes)}")


def load_sentiment(split: str = "train") -> list[SentimentExample]:
    """The embedded sentiment set: "train", "dev", "test" or "test_negation"."""
    check_split(split, SENTIMENT_SIZES, "the sentiment set")
    return read_sentiment_jsonl(data_path(str(SENTIMENT_DIR), f"{split}.jsonl"))


def load_ner(split: str = "train") -> list[NerExample]:
    """The embedded NER set (PER, LOC, ANIMAL in BIO): "train", "dev" or "test"."""
    check_split(split, NER_SIZES, "the NER set")
    return read_ner_jsonl(data_path(str(NER_DIR), f"{split}.jsonl"))


def load_qa(split: str = "train") -> list[QAExample]:
    """The embedded SQuAD-v1.1-style QA set: "train", "dev" or "test"."""
    check_split(split, QA_SIZES, "the QA set")
    return read_squad_json(data_path(str(QA_DIR), f"{split}.json"))
