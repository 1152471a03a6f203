"""The small world: size, determinism, coherence, parallel contexts, and tags that match words."""

from __future__ import annotations

import random
from collections import Counter

from bertlib.data.lexicon import PEOPLE, PLACES, SPECIES, THINGS, TOWNS
from bertlib.data.world import NUM_DOCUMENTS, Pools, StoryWriter, corpus_text, generate_corpus

ENTITY_WORDS = (
    {p.name for p in PEOPLE}
    | {t.split()[-1] for t in TOWNS}
    | set(PLACES)
    | {w for s in SPECIES for w in (s.adult, s.young)}
)


def test_the_corpus_has_the_promised_size(corpus):
    assert len(corpus) == NUM_DOCUMENTS >= 5_000
    assert sum(len(d.sentences) for d in corpus) >= 50_000


def test_generation_is_deterministic_and_seeded():
    first, again = corpus_text(generate_corpus(7, 40)), corpus_text(generate_corpus(7, 40))
    assert first == again
    assert corpus_text(generate_corpus(8, 40)) != first


def test_consecutive_sentences_share_people_and_places(corpus):
    """What makes next-sentence prediction learnable: neighbours share who, where and what; strangers do not."""
    topics = ENTITY_WORDS | {t.word for t in THINGS}

    def entities(sentence: str) -> set[str]:
        return set(sentence.split()) & topics

    def share(pairs) -> float:
        return sum(bool(entities(a) & entities(b)) for a, b in pairs) / len(pairs)

    documents = [d.sentences for d in corpus[:2000]]
    neighbours = [(s[i], s[i + 1]) for s in documents for i in range(len(s) - 1)]
    rng = random.Random(0)
    strangers = [(rng.choice(a), rng.choice(b)) for a, b in zip(documents, documents[1:], strict=False)]
    assert share(neighbours) > 0.6
    assert share(strangers) < 0.15


def test_every_species_appears_in_the_same_parallel_contexts(corpus_sentences):
    for species in SPECIES:
        assert f"the {species.adult} fed her {species.young} ." in corpus_sentences
        assert f"the {species.young} was only a week old ." in corpus_sentences


def test_the_lectures_sentences_are_in_the_corpus(corpus_sentences):
    text = "\n".join(corpus_sentences)
    assert "the dog from down the street ran up to me and barked ." in corpus_sentences
    assert "the dog ran to the park and barked ." in corpus_sentences
    for words in ("the cat ran", "the dog ran", "kitten", "puppy"):
        assert words in text


def test_every_animal_runs_up_to_me_and_makes_its_own_sound(corpus_sentences):
    """Notebook 06 asks the lecture's blank of every animal, so the corpus must show each one there."""
    lecture = "the {} from down the street ran up to me and {} ."
    missing = [
        animal
        for species in SPECIES
        for animal in (species.adult, species.young)
        if lecture.format(animal, species.sound) not in corpus_sentences
    ]
    assert not missing, f"never followed by their own sound in the lecture's sentence: {missing}"


def test_the_vocabulary_of_the_world_is_small(corpus):
    words = Counter(w for d in corpus for s in d.sentences for w in s.split())
    assert 200 < len(words) < 500
    # Every word, held out of the NER training split or not, is seen many times in pre-training.
    assert min(words[w] for w in ENTITY_WORDS) >= 50


def test_sentences_carry_well_formed_bio_tags_and_answerable_questions():
    story = StoryWriter(random.Random(3)).write(outings=6)
    for sentence in story.sentences:
        assert len(sentence.tags) == len(sentence.words)
        for previous, tag in zip(("O", *sentence.tags), sentence.tags, strict=False):
            if tag.startswith("I-"):
                assert previous[2:] == tag[2:], sentence
    for question in story.questions:
        assert question.span in story.sentences[question.sentence].spans


def test_smaller_pools_keep_their_words_out():
    held_out = Pools(people=PEOPLE[:40], towns=TOWNS[:15], places=(), species=SPECIES[:3], surnames=())
    writer = StoryWriter(random.Random(0), Pools().without(held_out))
    text = " ".join(s.text for _ in range(200) for s in writer.write(outings=2).sentences).split()
    banned = (
        {p.name for p in PEOPLE[:40]}
        | {t.split()[-1] for t in TOWNS[:15]}
        | {w for s in SPECIES[:3] for w in (s.adult, s.young)}
    )
    assert not banned & set(text)
