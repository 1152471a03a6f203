"""The story writer: a cast, an introduction, a few outings, maybe a conversation, an ending.

`StoryWriter.write` plans the story (which places, at which times, with or without the friend) and
writes the sentences that frame it; each outing's scenes come from `scenes.py`. Every draw goes
through one `Dice`, in a fixed order, so a seed gives the same story on every Python from 3.10 on.

Its job ends at one story: how many stories, and how they become the corpus file, is `corpus.py`'s
job; turning stories into labelled sets is `bertlib/data/tasks.py`'s.
"""

from __future__ import annotations

import random

from bertlib.data.lexicon import PETS, TIMES, WEATHER
from bertlib.data.sentences import entity, plain
from bertlib.data.world.cast import Cast, Character, Exchange, Outing, Pools
from bertlib.data.world.dice import Dice
from bertlib.data.world.scenes import Scenes
from bertlib.data.world.story import Story, StoryDraft, place


class StoryWriter:
    """Writes stories with one random generator: the frame here, each scene in `Scenes`."""

    def __init__(self, rng: random.Random, pools: Pools = Pools()):
        self.rng = rng
        self.pools = pools
        self.dice = Dice(rng, pools)
        self.scenes = Scenes(self.dice)

    def write(self, outings: int, first_person: bool = False) -> Story:
        """A story of `outings` outings, told by a narrator "i" when `first_person`."""
        draft = StoryDraft()
        cast = self.cast(first_person)
        self.intro(draft, cast)
        places = self.rng.sample(self.pools.places, outings)
        times = sorted(self.rng.sample(range(len(TIMES)), outings))
        plan = [
            Outing(where, " ".join(TIMES[when]), self.rng.random() < 0.3)
            for where, when in zip(places, times, strict=True)
        ]
        exchanges = [exchange for outing in plan for exchange in self.outing(draft, cast, outing)]
        if exchanges and self.rng.random() < 0.5:
            self.conversation(draft, cast, self.rng.choice(exchanges))
        self.ending(draft, cast)
        return draft.finish()

    def cast(self, first_person: bool) -> Cast:
        """Draw the hero (or the narrator), the friend, their town and a pet."""
        hero, friend = self.rng.sample(self.pools.people, 2)
        hero_surname, friend_surname = self.rng.sample(self.pools.surnames, 2)
        pets = [s for s in self.pools.species if s.adult in PETS] or list(self.pools.species)
        pet = self.rng.choice(pets)
        return Cast(
            hero=Character.narrator() if first_person else Character.person(hero, hero_surname),
            friend=Character.person(friend, friend_surname),
            town=self.rng.choice(self.pools.towns),
            pet=pet,
            pet_word=self.rng.choice((pet.adult, pet.young)),
        )

    def intro(self, draft: StoryDraft, cast: Cast) -> None:
        """Where the hero lives (and with whom), and now and then the weather."""
        hero, friend, town = cast.hero, cast.friend, entity(cast.town, "LOC")
        choice = self.rng.randrange(3)
        if choice == 0:
            draft.say("{who} lived in {town} .", who=hero.full_name, town=town)
            draft.ask("where did {who} live ?", "town", who=hero.name)
            draft.ask("who lived in {town} ?", "who", town=town)
        elif choice == 1:
            draft.say("{friend} and {who} lived in {town} .", who=hero.name, friend=friend.name, town=town)
            draft.ask("where did {friend} and {who} live ?", "town", who=hero.name, friend=friend.name)
        else:
            pet = entity(cast.pet_word, "ANIMAL")
            draft.say(
                "{who} lived in {town} with {mine} {pet} .", who=hero.name, town=town, mine=hero.possessive, pet=pet
            )
            draft.ask("where did {who} live ?", "town", who=hero.name)
            draft.ask("what pet did {who} have ?", "pet", who=hero.name)
        if self.rng.random() < 0.4:
            draft.say("it was a {weather} day .", weather=self.rng.choice(WEATHER))

    def ending(self, draft: StoryDraft, cast: Cast) -> None:
        """Going home, sleeping, or dreaming about some topic."""
        who = self.dice.subject(cast.hero)
        template = self.rng.choice(
            (
                "in the end {who} went home .",
                "that night {who} slept well .",
                "then {who} went back to {town} .",
                "that night {who} dreamed about {topic} .",
            )
        )
        draft.say(template, who=who, town=entity(cast.town, "LOC"), topic=self.dice.topic())

    def outing(self, draft: StoryDraft, cast: Cast, outing: Outing) -> list[Exchange]:
        """Go somewhere, then do one or two things there. Returns what the friend, if not there,
        could ask about it later."""
        who = cast.friend.name + plain("and") + cast.hero.name if outing.together else cast.hero.name
        verb = self.rng.choice(("went", "walked", "ran", "cycled"))
        draft.say("{when} {who} " + verb + " to {place} .", when=outing.when, who=who, place=place(outing.where))
        draft.ask("where did {who} go {when} ?", "place", who=who, when=outing.when)
        exchanges: list[Exchange | None] = [
            Exchange(
                "where did you go {when} ?", "i went to {place} .", {"when": outing.when, "place": place(outing.where)}
            )
        ]
        available = self.scenes.available(cast, outing)
        for scene in self.dice.pick(available, count=self.rng.choice((1, 1, 2))):
            exchanges.append(scene(draft, cast, outing))
        return [] if outing.together else [e for e in exchanges if e is not None]

    def conversation(self, draft: StoryDraft, cast: Cast, exchange: Exchange) -> None:
        """The friend asks about the day, and the hero answers: questions like the QA set's."""
        hero = cast.hero
        draft.say(
            "{friend} asked {them} : " + exchange.question,
            friend=cast.friend.name,
            them=hero.object_name,
            **exchange.slots,
        )
        draft.say("{who} said : " + exchange.answer, who=hero.name, **exchange.slots)
