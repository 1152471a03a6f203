"""The seeded "small world": short, coherent stories about people, places and animals.

A story has a cast (someone, a friend, their town, a pet) and a few outings. Each outing goes to a
place and does something there: meeting someone, watching an animal with its young, judging a
film or a soup, losing and finding things. Consecutive sentences share their people and places,
so next-sentence prediction is learnable; every species appears in the same parallel contexts
("the cat fed her kitten", "the dog fed her puppy"), so embedding analogies can emerge; and every
judgement is followed by a reaction of its polarity ("the soup was not bad . mia smiled ."), so
pre-training can learn what negation does.

Each story also records questions with their answer spans (the QA set uses them) and every
sentence carries its BIO tags (the NER set uses them).

Everything comes from one `random.Random(seed)`, and the lexicon is made of tuples, so the output
is byte-identical on every Python from 3.10 on (`python -m bertlib.data build` writes it).

The package, one concept a module:

- `cast.py`: who and where (`Pools`, `Character`, `Cast`, `Outing`, `Exchange`);
- `story.py`: what a story is (`Story`, `StoryDraft`, `QuestionDraft`; `the`, `place`, `animal`);
- `dice.py`: every random choice, from one generator (`Dice`);
- `scenes.py`: the scenes of an outing and where they fit (`Scenes`, `JUDGEMENT_FORMS`);
- `animals.py`: the animal scene and its parallel lines (`AnimalScene`, `Family`);
- `writer.py`: the frame of a story: cast, intro, outings, conversation, ending (`StoryWriter`);
- `corpus.py`: the corpus of stories and its file (`generate_corpus`, `write_corpus`, `load_corpus`).

Its job ends at stories and the corpus file; turning them into labelled sets is
`bertlib/data/tasks.py`'s job.
"""

from __future__ import annotations

from bertlib.data.world.animals import AnimalScene, Family
from bertlib.data.world.cast import Cast, Character, Exchange, Outing, Pools
from bertlib.data.world.corpus import (
    CORPUS_FILE,
    NUM_DOCUMENTS,
    SEED,
    corpus_text,
    generate_corpus,
    load_corpus,
    story_lengths,
    write_corpus,
)
from bertlib.data.world.dice import Dice
from bertlib.data.world.scenes import BASE_FORMS, JUDGEMENT_FORMS, Scenes
from bertlib.data.world.story import QuestionDraft, Story, StoryDraft, animal, place, the
from bertlib.data.world.writer import StoryWriter

__all__ = [
    "BASE_FORMS",
    "CORPUS_FILE",
    "JUDGEMENT_FORMS",
    "NUM_DOCUMENTS",
    "SEED",
    "AnimalScene",
    "Cast",
    "Character",
    "Dice",
    "Exchange",
    "Family",
    "Outing",
    "Pools",
    "QuestionDraft",
    "Scenes",
    "Story",
    "StoryDraft",
    "StoryWriter",
    "animal",
    "corpus_text",
    "generate_corpus",
    "load_corpus",
    "place",
    "story_lengths",
    "the",
    "write_corpus",
]
