"""The scenes of an outing, and which of them make sense where.

An outing goes to a place and then does one or two things there. `Scenes.available` lists the
scenes that fit the outing (animals only where they live, games only with the friend, lessons only
in a classroom...), each with how likely it is; every other method writes one scene into the
draft and returns the `Exchange` the friend could ask about later, or None. The animal scene is
big enough to live in `animals.py`.

Its job ends at one scene: the outing around it, and the story around that, are `writer.py`'s.
"""

from __future__ import annotations

from collections.abc import Callable

from bertlib.data.judgements import CONTRAST, EXCESS, NEGATED, NEGATED_APART, PLAIN, Judgement, random_judgement
from bertlib.data.lexicon import (
    BAD_FEELINGS,
    GAMES,
    GOOD_FEELINGS,
    GREETINGS,
    HAPPY_REACTIONS,
    OBJECTS,
    PETS,
    UNHAPPY_REACTIONS,
    Thing,
)
from bertlib.data.sentences import Mention, entity, plain
from bertlib.data.world.animals import AnimalScene
from bertlib.data.world.cast import Cast, Character, Exchange, Outing
from bertlib.data.world.dice import Dice
from bertlib.data.world.story import StoryDraft, animal, place

#: How often each judgement form appears in the corpus (and in the ordinary sentiment splits). They
#: are balanced so that an adjective means its polarity about as often as the opposite one, and no
#: word or word pair alone tells the polarity of "not very good". (A bag of words trained on 5,000
#: judgements reads 52% of test_negation right with these weights, but 66% with 30% plain and 25%
#: negated, and 31% with 45% plain: it learns "good ." as negative or as positive.)
JUDGEMENT_FORMS = {PLAIN: 0.35, NEGATED: 0.20, NEGATED_APART: 0.15, EXCESS: 0.10, CONTRAST: 0.20}

#: Places where people play games, and where a dog or cat can be walked.
PLAYGROUNDS = ("park", "beach", "garden", "yard", "school", "meadow", "field")
WALKS = ("park", "beach", "forest", "river", "meadow", "field", "hill", "lake")
#: Places where people learn things.
CLASSROOMS = ("school", "museum", "library")

#: "what did mia try at the cafe ?": the base form of each way of trying a thing.
BASE_FORMS = {
    "tried": "try",
    "watched": "watch",
    "heard": "hear",
    "had": "have",
    "read": "read",
    "played": "play",
    "went on": "go on",
    "looked at": "look at",
}

#: A scene: writes itself into the draft, and returns what the friend could ask about it later.
Scene = Callable[[StoryDraft, Cast, Outing], "Exchange | None"]


class Scenes:
    """Writes the scenes of an outing, all drawing from one `Dice`."""

    def __init__(self, dice: Dice):
        self.dice = dice
        self.animals = AnimalScene(dice)

    def available(self, cast: Cast, outing: Outing) -> dict[Scene, int]:
        """The scenes that make sense on an outing, each with how likely it is. The hero meets the
        friend only when out alone, and plays games only with the friend."""
        where = outing.where
        # The order of the keys is part of the draw: keep it.
        scenes: dict[Scene, int] = {self.lost_and_found: 1, self.gift: 1}
        if not outing.together:
            scenes[self.meeting] = 1
        if self.dice.species_at(where):
            scenes[self.animals] = 6
        if self.dice.things_at(where):
            scenes[self.judging] = 8
        if where in PLAYGROUNDS and outing.together:
            scenes[self.game] = 1
        if where in CLASSROOMS:
            scenes[self.lesson] = 1
        if where in WALKS and cast.pet.adult in PETS:
            scenes[self.pet_walk] = 1
        if cast.hero.pronoun == "i":
            scenes[self.neighbour_animal] = 6
        return scenes

    def meeting(self, draft: StoryDraft, cast: Cast, outing: Outing) -> None:
        """The hero, out alone, meets the friend; then a greeting or a chat about some topic."""
        hero, friend = cast.hero, cast.friend
        draft.say("at {place} {who} met {friend} .", place=place(outing.where), who=hero.name, friend=friend.name)
        draft.ask("who did {who} meet at {place} ?", "friend", who=hero.name, place=place(outing.where))
        draft.ask("where did {who} meet {friend} ?", "place", who=hero.name, friend=friend.name)
        follow_up = self.dice.rng.random()
        if follow_up < 0.4:
            draft.say("{friend} was glad to see {them} .", friend=friend.name, them=hero.objective)
        elif follow_up < 0.8:
            draft.say("they talked about {topic} .", topic=self.dice.topic())

    def judging(self, draft: StoryDraft, cast: Cast, outing: Outing) -> Exchange:
        """Try something and judge it; with the friend there, the friend judges it too."""
        thing = self.dice.rng.choice(self.dice.things_at(outing.where))
        hero, item = cast.hero, plain("the " + thing.word)
        draft.say("{who} " + thing.verb + " {item} at {place} .", who=hero.name, item=item, place=place(outing.where))
        draft.ask(
            "what did {who} " + BASE_FORMS[thing.verb] + " at {place} ?",
            "item",
            who=hero.name,
            place=place(outing.where),
        )
        verdict = self.verdict(draft, hero, thing, item, ask=not outing.together)
        if outing.together:
            self.verdict(draft, cast.friend, thing, item, ask=False)  # "how was the soup ?" has two answers
        return Exchange("how was {item} ?", "{item} was {verdict} .", {"item": item, "verdict": verdict.text})

    def verdict(self, draft: StoryDraft, judge: Character, thing: Thing, item: Mention, ask: bool) -> Judgement:
        """A judgement, then a reaction of its polarity: "the soup was not bad . mia smiled ."."""
        rng = self.dice.rng
        verdict = random_judgement(rng, thing, JUDGEMENT_FORMS)
        template = rng.choice(
            ("{item} was {verdict} .", "{who} thought {item} was {verdict} .", "{who} said {item} was {verdict} .")
        )
        draft.say(template, who=judge.name, item=item, verdict=verdict.text)
        if ask:
            draft.ask("how was {item} ?", "verdict", item=item)
        reactions = HAPPY_REACTIONS if verdict.positive else UNHAPPY_REACTIONS
        draft.say("{who} " + rng.choice(reactions) + " .", who=self.dice.subject(judge))
        return verdict

    def lost_and_found(self, draft: StoryDraft, cast: Cast, outing: Outing) -> None:
        """The hero loses something; the friend finds it somewhere else."""
        hero, friend, rng = cast.hero, cast.friend, self.dice.rng
        thing = rng.choice(OBJECTS)
        elsewhere = place(rng.choice([p for p in self.dice.pools.places if p != outing.where]))
        draft.say(
            "{who} lost {mine} " + thing + " at {place} .",
            who=hero.name,
            mine=hero.possessive,
            place=place(outing.where),
        )
        draft.ask("where did {who} lose {mine} " + thing + " ?", "place", who=hero.name, mine=hero.possessive)
        draft.say("later {friend} found the " + thing + " near {place} .", friend=friend.name, place=elsewhere)
        draft.ask("who found the " + thing + " ?", "friend")
        draft.ask("where did {friend} find the " + thing + " ?", "place", friend=friend.name)
        if rng.random() < 0.5:
            draft.say("{friend} gave it back to {them} .", friend=friend.name, them=hero.objective)

    def gift(self, draft: StoryDraft, cast: Cast, outing: Outing) -> None:
        """The friend gives the hero a present, and the hero feels good."""
        hero, friend, rng = cast.hero, cast.friend, self.dice.rng
        present = plain("a " + rng.choice(OBJECTS))
        them = hero.object_name
        draft.say("{friend} gave {them} {present} .", friend=friend.name, them=them, present=present)
        draft.ask("what did {friend} give {them} ?", "present", friend=friend.name, them=them)
        draft.ask("who gave {them} {present} ?", "friend", them=them, present=present)
        feeling = rng.choice(GOOD_FEELINGS)
        draft.say("{who} felt {feeling} .", who=self.dice.subject(hero), feeling=feeling)

    def game(self, draft: StoryDraft, cast: Cast, outing: Outing) -> None:
        """The hero and the friend play a game; one wins and the other feels bad."""
        hero, friend, rng = cast.hero, cast.friend, self.dice.rng
        game = rng.choice(GAMES)
        draft.say(
            "{friend} and {who} played {game} at {place} .",
            who=hero.name,
            friend=friend.name,
            game=game,
            place=place(outing.where),
        )
        draft.ask("what did {friend} and {who} play ?", "game", who=hero.name, friend=friend.name)
        winner, loser = rng.sample((hero, friend), 2)
        draft.say(
            "{winner} won and {loser} felt {feeling} .",
            winner=winner.name,
            loser=loser.name,
            feeling=rng.choice(BAD_FEELINGS),
        )
        draft.ask("who won the game of {game} ?", "winner", game=game)

    def lesson(self, draft: StoryDraft, cast: Cast, outing: Outing) -> Exchange:
        """In a classroom, the hero learns what some young animal is: "a calf is a young cow"."""
        species = self.dice.rng.choice(self.dice.pools.species)
        young, adult = entity(species.young, "ANIMAL"), entity(species.adult, "ANIMAL")
        definition = plain("a young") + adult
        draft.say(
            "at {place} {who} learned that a {young} is {definition} .",
            place=place(outing.where),
            who=cast.hero.name,
            young=young,
            definition=definition,
        )
        draft.ask("what is a {young} ?", "definition", young=young)
        return Exchange(
            "what did you learn at {place} ?",
            "i learned that a {young} is {definition} .",
            {"place": place(outing.where), "young": young, "definition": definition},
        )

    def pet_walk(self, draft: StoryDraft, cast: Cast, outing: Outing) -> Exchange:
        """The hero walks the pet, which runs off somewhere else and makes its sound."""
        pet = animal(cast.pet_word)
        walks = [p for p in WALKS if p != outing.where and p in self.dice.pools.places] or [outing.where]
        elsewhere = place(self.dice.rng.choice(walks))
        draft.say("{who} took {mine} " + cast.pet_word + " for a walk .", who=cast.hero.name, mine=cast.hero.possessive)
        draft.say("{pet} ran to {place} and " + cast.pet.sound + " .", pet=pet, place=elsewhere)
        draft.ask("where did {pet} run ?", "place", pet=pet)
        return Exchange("where did your " + cast.pet_word + " run ?", "it ran to {place} .", {"place": elsewhere})

    def neighbour_animal(self, draft: StoryDraft, cast: Cast, outing: Outing) -> None:
        """The lecture's sentence: the blank after "ran up to me and" depends on the animal."""
        rng, pools = self.dice.rng, self.dice.pools
        # Any species of the story's pools: notebook 06 asks the lecture's blank of every animal of the world.
        species = rng.choice(pools.species)
        action = species.sound if rng.random() < 0.8 else rng.choice(GREETINGS)
        neighbour = animal(rng.choice((species.adult, species.young)))
        draft.say("{pet} from down {street} ran up to me and " + action + " .", pet=neighbour, street=place("street"))
