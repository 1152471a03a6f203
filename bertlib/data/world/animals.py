"""The animal scene: "mia saw a cow and her calf at the farm ." and the lines that follow it.

The lines are the same for every species, and the lines that carry the species' own sound and food
say them of the adult and the young alike: that is what makes kitten - cat + dog land near puppy
in the embeddings that pre-training learns.

Its job ends at this one scene; which scenes an outing holds is `scenes.py`'s job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bertlib.data.lexicon import YOUNG_ACTIONS, Species
from bertlib.data.sentences import Mention, entity, plain
from bertlib.data.world.cast import Cast, Exchange, Outing
from bertlib.data.world.dice import Dice
from bertlib.data.world.story import StoryDraft, animal, place


@dataclass(frozen=True)
class Family:
    """A mother animal and her young, as the animal scene's lines mention them."""

    species: Species

    @property
    def adult(self) -> Mention:
        """The mother, tagged: "the cow"."""
        return animal(self.species.adult)

    @property
    def young(self) -> Mention:
        """The young, tagged: "the calf"."""
        return animal(self.species.young)

    @property
    def young_noun(self) -> Mention:
        """The young without its article, as in "her calf"."""
        return entity(self.species.young, "ANIMAL")


#: One line about a family, written into the draft of the story.
FamilyLine = Callable[[StoryDraft, Cast, Family], None]


class AnimalScene:
    """Writes the animal scene: a sighting, then two or three lines about the mother and her young."""

    def __init__(self, dice: Dice):
        self.dice = dice

    def __call__(self, draft: StoryDraft, cast: Cast, outing: Outing) -> Exchange:
        """See a species that lives at the outing's place, then say two or three things about it."""
        rng = self.dice.rng
        species = rng.choice(self.dice.species_at(outing.where))
        pair = plain("a") + entity(species.adult, "ANIMAL") + plain("and her") + entity(species.young, "ANIMAL")
        who = cast.hero.name
        draft.say("{who} saw {pair} at {place} .", who=who, pair=pair, place=place(outing.where))
        draft.ask("what did {who} see at {place} ?", "pair", who=who, place=place(outing.where))
        for line in rng.sample(self.lines(), rng.randint(2, 3)):
            line(draft, cast, Family(species))
        return Exchange("what did you see at {place} ?", "i saw {pair} .", {"place": place(outing.where), "pair": pair})

    def lines(self) -> tuple[FamilyLine, ...]:
        """Every line the scene may say, in a fixed order (the draw depends on it)."""
        return (
            self.fed,
            self.followed,
            self.called,
            self.played,
            self.was_young,
            self.ate,
            self.was_given,
            self.watched,
            self.made_sound,
        )

    def fed(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        """Say "the cow fed her calf ."."""
        draft.say("{adult} fed her {young} .", adult=family.adult, young=family.young_noun)
        draft.ask("who fed the {young} ?", "adult", young=family.young_noun)

    def followed(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        """Say "the calf followed the cow to the barn ."."""
        home = place(self.dice.habitat(family.species))
        draft.say("{young} followed {adult} to {home} .", young=family.young, adult=family.adult, home=home)
        draft.ask("where did {young} follow {adult} ?", "home", young=family.young, adult=family.adult)

    def called(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        """Say "the cow mooed and the calf mooed back ."."""
        sound = family.species.sound
        draft.say("{adult} " + sound + " and {young} " + sound + " back .", adult=family.adult, young=family.young)

    def played(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        """Say "the little calf played in the field ."."""
        home = place(self.dice.habitat(family.species))
        action = self.dice.rng.choice(YOUNG_ACTIONS)
        draft.say("the little {young} " + action + " in {home} .", young=family.young_noun, home=home)

    def was_young(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        """Say "the calf was only a week old ."."""
        draft.say("{young} was only a week old .", young=family.young)

    def watched(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        """Say "the cow watched over her calf ."."""
        draft.say("{adult} watched over her {young} .", adult=family.adult, young=family.young_noun)

    def ate(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        """Say "the calf was eating some clover ."."""
        eater = self.dice.rng.choice((family.adult, family.young))
        draft.say("{eater} was eating some {food} .", eater=eater, food=family.species.food)
        draft.ask("what was {eater} eating ?", "food", eater=eater)

    def was_given(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        """Say "mia gave the cow some clover ."."""
        fed = self.dice.rng.choice((family.adult, family.young))
        draft.say("{who} gave {fed} some {food} .", who=self.dice.subject(cast.hero), fed=fed, food=family.species.food)

    def made_sound(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        """Say "the calf mooed ."."""
        draft.say("{animal} " + family.species.sound + " .", animal=self.dice.rng.choice((family.adult, family.young)))
