"""Who and where a story is about: the pools of words it may draw from, its characters and its plan.

`Pools` is the part of the lexicon a writer may use; `Character` is one person of a story (or the
narrator); `Cast` is the people, town and pet of one story; `Outing` is one trip of its plan; and
`Exchange` is a question the friend may ask later about an outing, with its answer.

Its job ends at these plain records: drawing them at random is `dice.py`'s and `writer.py`'s job,
and putting them into sentences is the job of `writer.py`, `scenes.py` and `animals.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bertlib.data.lexicon import PEOPLE, PLACES, SPECIES, SURNAMES, TOWNS, Person, Species
from bertlib.data.sentences import Mention, entity, plain


@dataclass(frozen=True)
class Pools:
    """The parts of the lexicon a story may draw from. The NER set holds some words out of its
    training split by writing those stories from smaller pools."""

    people: tuple[Person, ...] = PEOPLE
    surnames: tuple[str, ...] = SURNAMES
    towns: tuple[str, ...] = TOWNS
    places: tuple[str, ...] = PLACES
    species: tuple[Species, ...] = SPECIES

    def without(self, held_out: Pools) -> Pools:
        """These pools less every word that `held_out` lists."""
        return Pools(
            people=tuple(p for p in self.people if p not in held_out.people),
            surnames=tuple(s for s in self.surnames if s not in held_out.surnames),
            towns=tuple(t for t in self.towns if t not in held_out.towns),
            places=tuple(p for p in self.places if p not in held_out.places),
            species=tuple(s for s in self.species if s not in held_out.species),
        )


@dataclass(frozen=True)
class Character:
    """Someone in a story: a named person, or the untagged narrator "i" of a first-person story."""

    name: Mention  # as a subject: "mia", "i"
    full_name: Mention  # "mia carter"
    object_name: Mention  # as an object: "mia", "me"
    pronoun: str
    possessive: str
    objective: str

    @classmethod
    def person(cls, person: Person, surname: str) -> Character:
        """A named person of the lexicon, every mention of the name tagged PER."""
        return cls(
            entity(person.name, "PER"),
            entity(f"{person.name} {surname}", "PER"),
            entity(person.name, "PER"),
            person.pronoun,
            person.possessive,
            person.objective,
        )

    @classmethod
    def narrator(cls) -> Character:
        """The "i" of a first-person story: no name, so nothing is tagged."""
        return cls(plain("i"), plain("i"), plain("me"), "i", "my", "me")


@dataclass(frozen=True)
class Cast:
    """The people, town and pet of one story."""

    hero: Character
    friend: Character
    town: str
    pet: Species
    pet_word: str  # the pet's adult or young word: "dog" or "puppy"


@dataclass(frozen=True)
class Outing:
    """One trip of a story's plan: where, when, and whether the friend came along."""

    where: str  # a place of PLACES
    when: str  # a time of TIMES: "in the morning"
    together: bool  # whether the friend came along


@dataclass(frozen=True)
class Exchange:
    """A question the friend may ask later about something the hero did alone, and the answer:
    "where did you go in the morning ?" / "i went to the park ." (templates, filled with `slots`)."""

    question: str
    answer: str
    slots: dict[str, Mention | str] = field(default_factory=dict)
