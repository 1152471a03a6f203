"""The world's dice: every random choice of a word, a place or a scene, from one generator.

`Dice` holds the one `random.Random` that a story is written with and the `Pools` it may draw
from. The writer and the scenes share one `Dice`, so the order of their draws (and hence every byte
of the corpus) depends only on the order in which they ask.

Its job ends at choosing: what the chosen words become in a sentence is the job of `writer.py`,
`scenes.py` and `animals.py`.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping
from typing import TypeVar

from bertlib.data.lexicon import THINGS, Species, Thing
from bertlib.data.sentences import Mention, entity
from bertlib.data.world.cast import Character, Pools
from bertlib.data.world.story import animal, place

Key = TypeVar("Key", bound=Hashable)


class Dice:
    """Random choices from the pools of a story, all drawn from `rng`."""

    def __init__(self, rng: random.Random, pools: Pools):
        self.rng = rng
        self.pools = pools

    def subject(self, character: Character) -> Mention | str:
        """The name, or now and then the pronoun (which is never tagged)."""
        return character.pronoun if self.rng.random() < 0.3 else character.name

    def topic(self) -> Mention:
        """Someone or something to talk or dream about: a person, a town, a place or an animal. The
        words around it do not say which; only the word itself does."""
        kind = self.rng.randrange(4)
        if kind == 0:
            return entity(self.rng.choice(self.pools.people).name, "PER")
        if kind == 1:
            return entity(self.rng.choice(self.pools.towns), "LOC")
        if kind == 2:
            return place(self.rng.choice(self.pools.places))
        species = self.rng.choice(self.pools.species)
        return animal(self.rng.choice((species.adult, species.young)))

    def pick(self, weighted: Mapping[Key, int], count: int) -> list[Key]:
        """`count` different keys of `weighted`, drawn in proportion to their weights."""
        remaining = dict(weighted)
        picked: list[Key] = []
        while remaining and len(picked) < count:
            keys = list(remaining)
            choice = self.rng.choices(keys, weights=[remaining[k] for k in keys])[0]
            picked.append(choice)
            del remaining[choice]
        return picked

    def species_at(self, where: str) -> list[Species]:
        """The species of the pools that live at the place `where` (no draw)."""
        return [s for s in self.pools.species if where in s.habitats]

    def habitat(self, species: Species) -> str:
        """One of the places where `species` lives, among the places this writer may use."""
        return self.rng.choice([h for h in species.habitats if h in self.pools.places] or self.pools.places)

    def things_at(self, where: str) -> list[Thing]:
        """The things one can try and judge at the place `where` (no draw)."""
        return [t for t in THINGS if where in t.venues]
