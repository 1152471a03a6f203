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
is byte-identical on every Python from 3.10 on (`python -m bertlib.data build` writes it). Its job
ends at stories and the corpus file; turning them into labelled sets is `tasks.py`'s job.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bertlib.data.examples import Document, read_documents
from bertlib.data.judgements import CONTRAST, EXCESS, NEGATED, NEGATED_APART, PLAIN, Judgement, random_judgement
from bertlib.data.lexicon import (
    BAD_FEELINGS,
    GAMES,
    GOOD_FEELINGS,
    GREETINGS,
    HAPPY_REACTIONS,
    OBJECTS,
    PEOPLE,
    PETS,
    PLACES,
    SPECIES,
    SURNAMES,
    THINGS,
    TIMES,
    TOWNS,
    UNHAPPY_REACTIONS,
    WEATHER,
    YOUNG_ACTIONS,
    Person,
    Species,
    Thing,
)
from bertlib.data.sentences import Mention, Sentence, entity, plain, render
from bertlib.paths import data_path

SEED = 2018
NUM_DOCUMENTS = 5200
CORPUS_FILE = Path("corpus") / "stories.txt"

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
#: Animals that might live down the narrator's street.
NEIGHBOURS = ("cat", "dog", "hen", "duck", "goose")


# ----------------------------------------------------------------------------- who is in a story


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
        return cls(plain("i"), plain("i"), plain("me"), "i", "my", "me")


@dataclass(frozen=True)
class Cast:
    hero: Character
    friend: Character
    town: str
    pet: Species
    pet_word: str  # the pet's adult or young word: "dog" or "puppy"


@dataclass(frozen=True)
class Outing:
    where: str  # a place of PLACES
    when: str  # a time of TIMES: "in the morning"
    together: bool  # whether the friend came along


@dataclass(frozen=True)
class Exchange:
    """A question the friend may ask later about something the hero did alone, and the answer:
    "where did you go in the morning ?" / "i went to the park ." (templates, filled with `slots`)."""

    question: str
    answer: str
    slots: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- what a story is


@dataclass(frozen=True)
class QuestionDraft:
    """A question about a story, answered by the span `span` of sentence `sentence`."""

    text: str
    sentence: int
    span: str


@dataclass(frozen=True)
class Story:
    sentences: tuple[Sentence, ...]
    questions: tuple[QuestionDraft, ...]

    def unambiguous_questions(self) -> tuple[QuestionDraft, ...]:
        """The questions asked once only: a question asked twice has two answers, so both go."""
        counts: dict[str, int] = {}
        for question in self.questions:
            counts[question.text] = counts.get(question.text, 0) + 1
        return tuple(q for q in self.questions if counts[q.text] == 1)


@dataclass
class StoryDraft:
    """A story being written: `say` adds a sentence, `ask` a question about the last one."""

    sentences: list[Sentence] = field(default_factory=list)
    questions: list[QuestionDraft] = field(default_factory=list)

    def say(self, template: str, **slots: Mention | str) -> None:
        self.sentences.append(render(template, **slots))

    def ask(self, template: str, answer: str, **slots: Mention | str) -> None:
        """Ask about the last sentence; `answer` names the slot of that sentence that answers it."""
        last = self.sentences[-1]
        if answer not in last.spans:
            raise KeyError(f"{last.text!r} has no slot {answer!r} to answer {template!r}")
        question = render(template, **slots).text
        self.questions.append(QuestionDraft(question, len(self.sentences) - 1, answer))

    def finish(self) -> Story:
        return Story(tuple(self.sentences), tuple(self.questions))


def the(word: str, label: str) -> Mention:
    """`the park`, `the cow`: an untagged article before a tagged noun."""
    return plain("the") + entity(word, label)


def place(word: str) -> Mention:
    return the(word, "LOC")


def animal(word: str) -> Mention:
    return the(word, "ANIMAL")


@dataclass(frozen=True)
class Family:
    """A mother animal and her young, as the animal scene's lines mention them."""

    species: Species

    @property
    def adult(self) -> Mention:  # "the cow"
        return animal(self.species.adult)

    @property
    def young(self) -> Mention:  # "the calf"
        return animal(self.species.young)

    @property
    def young_noun(self) -> Mention:  # "calf", as in "her calf"
        return entity(self.species.young, "ANIMAL")


# ----------------------------------------------------------------------------- the writer


class StoryWriter:
    """Writes stories with one random generator. Each scene is one small method."""

    def __init__(self, rng: random.Random, pools: Pools = Pools()):
        self.rng = rng
        self.pools = pools

    # -- the whole story

    def write(self, outings: int, first_person: bool = False) -> Story:
        draft = StoryDraft()
        cast = self.cast(first_person)
        self.intro(draft, cast)
        places = self.rng.sample(self.pools.places, outings)
        times = sorted(self.rng.sample(range(len(TIMES)), outings))
        plan = [Outing(where, " ".join(TIMES[when]), self.rng.random() < 0.3) for where, when in zip(places, times)]
        exchanges = [exchange for outing in plan for exchange in self.outing(draft, cast, outing)]
        if exchanges and self.rng.random() < 0.5:
            self.conversation(draft, cast, self.rng.choice(exchanges))
        self.ending(draft, cast)
        return draft.finish()

    def cast(self, first_person: bool) -> Cast:
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

    def subject(self, character: Character) -> Mention | str:
        """The name, or now and then the pronoun (which is never tagged)."""
        return character.pronoun if self.rng.random() < 0.3 else character.name

    def intro(self, draft: StoryDraft, cast: Cast) -> None:
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
            draft.say("{who} lived in {town} with {mine} {pet} .", who=hero.name, town=town, mine=hero.possessive,
                      pet=pet)
            draft.ask("where did {who} live ?", "town", who=hero.name)
            draft.ask("what pet did {who} have ?", "pet", who=hero.name)
        if self.rng.random() < 0.4:
            draft.say("it was a {weather} day .", weather=self.rng.choice(WEATHER))

    def ending(self, draft: StoryDraft, cast: Cast) -> None:
        who = self.subject(cast.hero)
        template = self.rng.choice(
            ("in the end {who} went home .", "that night {who} slept well .", "then {who} went back to {town} .",
             "that night {who} dreamed about {topic} .")
        )
        draft.say(template, who=who, town=entity(cast.town, "LOC"), topic=self.topic())

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

    # -- an outing: going somewhere, then one or two things done there

    def outing(self, draft: StoryDraft, cast: Cast, outing: Outing) -> list[Exchange]:
        """Go somewhere, then do one or two things there. Returns what the friend, if not there,
        could ask about it later."""
        who = cast.friend.name + plain("and") + cast.hero.name if outing.together else cast.hero.name
        verb = self.rng.choice(("went", "walked", "ran", "cycled"))
        draft.say("{when} {who} " + verb + " to {place} .", when=outing.when, who=who, place=place(outing.where))
        draft.ask("where did {who} go {when} ?", "place", who=who, when=outing.when)
        exchanges = [Exchange("where did you go {when} ?", "i went to {place} .",
                              {"when": outing.when, "place": place(outing.where)})]
        for scene in self.pick(self.scenes_at(cast, outing), count=self.rng.choice((1, 1, 2))):
            exchanges.append(scene(draft, cast, outing))
        return [] if outing.together else [e for e in exchanges if e is not None]

    def conversation(self, draft: StoryDraft, cast: Cast, exchange: Exchange) -> None:
        """The friend asks about the day, and the hero answers: questions like the QA set's."""
        hero = cast.hero
        draft.say("{friend} asked {them} : " + exchange.question, friend=cast.friend.name, them=hero.object_name,
                  **exchange.slots)
        draft.say("{who} said : " + exchange.answer, who=hero.name, **exchange.slots)

    def scenes_at(self, cast: Cast, outing: Outing) -> dict:
        """The scenes that make sense on an outing, each with how likely it is. The hero meets the
        friend only when out alone, and plays games only with the friend."""
        where = outing.where
        scenes = {self.lost_and_found: 1, self.gift: 1}
        if not outing.together:
            scenes[self.meeting] = 1
        if self.species_at(where):
            scenes[self.animals] = 6
        if self.things_at(where):
            scenes[self.judging] = 8
        if where in PLAYGROUNDS and outing.together:
            scenes[self.game] = 1
        if where in CLASSROOMS:
            scenes[self.lesson] = 1
        if where in WALKS and cast.pet.adult in PETS:
            scenes[self.pet_walk] = 1
        if cast.hero.pronoun == "i":
            scenes[self.neighbour_animal] = 2
        return scenes

    def pick(self, weighted: dict, count: int) -> list:
        """`count` different keys of `weighted`, drawn in proportion to their weights."""
        remaining = dict(weighted)
        picked = []
        while remaining and len(picked) < count:
            keys = list(remaining)
            choice = self.rng.choices(keys, weights=[remaining[k] for k in keys])[0]
            picked.append(choice)
            del remaining[choice]
        return picked

    def species_at(self, where: str) -> list[Species]:
        return [s for s in self.pools.species if where in s.habitats]

    def habitat(self, species: Species) -> str:
        """One of the places where `species` lives, among the places this writer may use."""
        return self.rng.choice([h for h in species.habitats if h in self.pools.places] or self.pools.places)

    def things_at(self, where: str) -> list[Thing]:
        return [t for t in THINGS if where in t.venues]

    # -- scenes

    def meeting(self, draft: StoryDraft, cast: Cast, outing: Outing) -> None:
        hero, friend = cast.hero, cast.friend
        draft.say("at {place} {who} met {friend} .", place=place(outing.where), who=hero.name, friend=friend.name)
        draft.ask("who did {who} meet at {place} ?", "friend", who=hero.name, place=place(outing.where))
        draft.ask("where did {who} meet {friend} ?", "place", who=hero.name, friend=friend.name)
        follow_up = self.rng.random()
        if follow_up < 0.4:
            draft.say("{friend} was glad to see {them} .", friend=friend.name, them=hero.objective)
        elif follow_up < 0.8:
            draft.say("they talked about {topic} .", topic=self.topic())

    def animals(self, draft: StoryDraft, cast: Cast, outing: Outing) -> Exchange:
        species = self.rng.choice(self.species_at(outing.where))
        pair = plain("a") + entity(species.adult, "ANIMAL") + plain("and her") + entity(species.young, "ANIMAL")
        who = cast.hero.name
        draft.say("{who} saw {pair} at {place} .", who=who, pair=pair, place=place(outing.where))
        draft.ask("what did {who} see at {place} ?", "pair", who=who, place=place(outing.where))
        lines = (self.fed, self.followed, self.called, self.played, self.was_young, self.ate, self.was_given,
                 self.watched, self.made_sound)
        for line in self.rng.sample(lines, self.rng.randint(2, 3)):
            line(draft, cast, Family(species))
        return Exchange("what did you see at {place} ?", "i saw {pair} .", {"place": place(outing.where), "pair": pair})

    # -- the lines that follow "mia saw a cow and her calf". They are the same for every species, and
    # the lines that carry the species' own sound and food say them of the adult and the young alike:
    # that is what makes kitten - cat + dog land near puppy.

    def fed(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        draft.say("{adult} fed her {young} .", adult=family.adult, young=family.young_noun)
        draft.ask("who fed the {young} ?", "adult", young=family.young_noun)

    def followed(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        home = place(self.habitat(family.species))
        draft.say("{young} followed {adult} to {home} .", young=family.young, adult=family.adult, home=home)
        draft.ask("where did {young} follow {adult} ?", "home", young=family.young, adult=family.adult)

    def called(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        sound = family.species.sound
        draft.say("{adult} " + sound + " and {young} " + sound + " back .", adult=family.adult, young=family.young)

    def played(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        home = place(self.habitat(family.species))
        action = self.rng.choice(YOUNG_ACTIONS)
        draft.say("the little {young} " + action + " in {home} .", young=family.young_noun, home=home)

    def was_young(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        draft.say("{young} was only a week old .", young=family.young)

    def watched(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        draft.say("{adult} watched over her {young} .", adult=family.adult, young=family.young_noun)

    def ate(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        eater = self.rng.choice((family.adult, family.young))
        draft.say("{eater} was eating some {food} .", eater=eater, food=family.species.food)
        draft.ask("what was {eater} eating ?", "food", eater=eater)

    def was_given(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        fed = self.rng.choice((family.adult, family.young))
        draft.say("{who} gave {fed} some {food} .", who=self.subject(cast.hero), fed=fed, food=family.species.food)

    def made_sound(self, draft: StoryDraft, cast: Cast, family: Family) -> None:
        draft.say("{animal} " + family.species.sound + " .", animal=self.rng.choice((family.adult, family.young)))

    # -- more scenes

    def judging(self, draft: StoryDraft, cast: Cast, outing: Outing) -> Exchange:
        """Try something and judge it; with the friend there, the friend judges it too."""
        thing = self.rng.choice(self.things_at(outing.where))
        hero, item = cast.hero, plain("the " + thing.word)
        draft.say("{who} " + thing.verb + " {item} at {place} .", who=hero.name, item=item, place=place(outing.where))
        draft.ask("what did {who} " + BASE_FORMS[thing.verb] + " at {place} ?", "item", who=hero.name,
                  place=place(outing.where))
        verdict = self.verdict(draft, hero, thing, item, ask=not outing.together)
        if outing.together:
            self.verdict(draft, cast.friend, thing, item, ask=False)  # "how was the soup ?" has two answers
        return Exchange("how was {item} ?", "{item} was {verdict} .", {"item": item, "verdict": verdict.text})

    def verdict(self, draft: StoryDraft, judge: Character, thing: Thing, item: Mention, ask: bool) -> Judgement:
        """A judgement, then a reaction of its polarity: "the soup was not bad . mia smiled ."."""
        verdict = random_judgement(self.rng, thing, JUDGEMENT_FORMS)
        template = self.rng.choice(
            ("{item} was {verdict} .", "{who} thought {item} was {verdict} .", "{who} said {item} was {verdict} .")
        )
        draft.say(template, who=judge.name, item=item, verdict=verdict.text)
        if ask:
            draft.ask("how was {item} ?", "verdict", item=item)
        reactions = HAPPY_REACTIONS if verdict.positive else UNHAPPY_REACTIONS
        draft.say("{who} " + self.rng.choice(reactions) + " .", who=self.subject(judge))
        return verdict

    def lost_and_found(self, draft: StoryDraft, cast: Cast, outing: Outing) -> None:
        hero, friend = cast.hero, cast.friend
        thing = self.rng.choice(OBJECTS)
        elsewhere = place(self.rng.choice([p for p in self.pools.places if p != outing.where]))
        draft.say("{who} lost {mine} " + thing + " at {place} .", who=hero.name, mine=hero.possessive,
                  place=place(outing.where))
        draft.ask("where did {who} lose {mine} " + thing + " ?", "place", who=hero.name, mine=hero.possessive)
        draft.say("later {friend} found the " + thing + " near {place} .", friend=friend.name, place=elsewhere)
        draft.ask("who found the " + thing + " ?", "friend")
        draft.ask("where did {friend} find the " + thing + " ?", "place", friend=friend.name)
        if self.rng.random() < 0.5:
            draft.say("{friend} gave it back to {them} .", friend=friend.name, them=hero.objective)

    def gift(self, draft: StoryDraft, cast: Cast, outing: Outing) -> None:
        hero, friend = cast.hero, cast.friend
        present = plain("a " + self.rng.choice(OBJECTS))
        them = hero.object_name
        draft.say("{friend} gave {them} {present} .", friend=friend.name, them=them, present=present)
        draft.ask("what did {friend} give {them} ?", "present", friend=friend.name, them=them)
        draft.ask("who gave {them} {present} ?", "friend", them=them, present=present)
        feeling = self.rng.choice(GOOD_FEELINGS)
        draft.say("{who} felt {feeling} .", who=self.subject(hero), feeling=feeling)

    def game(self, draft: StoryDraft, cast: Cast, outing: Outing) -> None:
        hero, friend = cast.hero, cast.friend
        game = self.rng.choice(GAMES)
        draft.say("{friend} and {who} played {game} at {place} .", who=hero.name, friend=friend.name, game=game,
                  place=place(outing.where))
        draft.ask("what did {friend} and {who} play ?", "game", who=hero.name, friend=friend.name)
        winner, loser = self.rng.sample((hero, friend), 2)
        draft.say("{winner} won and {loser} felt {feeling} .", winner=winner.name, loser=loser.name,
                  feeling=self.rng.choice(BAD_FEELINGS))
        draft.ask("who won the game of {game} ?", "winner", game=game)

    def lesson(self, draft: StoryDraft, cast: Cast, outing: Outing) -> Exchange:
        species = self.rng.choice(self.pools.species)
        young, adult = entity(species.young, "ANIMAL"), entity(species.adult, "ANIMAL")
        definition = plain("a young") + adult
        draft.say("at {place} {who} learned that a {young} is {definition} .",
                  place=place(outing.where), who=cast.hero.name, young=young, definition=definition)
        draft.ask("what is a {young} ?", "definition", young=young)
        return Exchange("what did you learn at {place} ?", "i learned that a {young} is {definition} .",
                        {"place": place(outing.where), "young": young, "definition": definition})

    def pet_walk(self, draft: StoryDraft, cast: Cast, outing: Outing) -> Exchange:
        pet = animal(cast.pet_word)
        walks = [p for p in WALKS if p != outing.where and p in self.pools.places] or [outing.where]
        elsewhere = place(self.rng.choice(walks))
        draft.say("{who} took {mine} " + cast.pet_word + " for a walk .", who=cast.hero.name,
                  mine=cast.hero.possessive)
        draft.say("{pet} ran to {place} and " + cast.pet.sound + " .", pet=pet, place=elsewhere)
        draft.ask("where did {pet} run ?", "place", pet=pet)
        return Exchange("where did your " + cast.pet_word + " run ?", "it ran to {place} .", {"place": elsewhere})

    def neighbour_animal(self, draft: StoryDraft, cast: Cast, outing: Outing) -> None:
        """The lecture's sentence: the blank after "ran up to me and" depends on the animal."""
        species = self.rng.choice([s for s in self.pools.species if s.adult in NEIGHBOURS] or self.pools.species)
        action = species.sound if self.rng.random() < 0.6 else self.rng.choice(GREETINGS)
        neighbour = animal(self.rng.choice((species.adult, species.young)))
        draft.say("{pet} from down {street} ran up to me and " + action + " .", pet=neighbour, street=place("street"))


#: "what did mia try at the cafe ?": the base form of each way of trying a thing.
BASE_FORMS = {"tried": "try", "watched": "watch", "heard": "hear", "had": "have", "read": "read",
              "played": "play", "went on": "go on", "looked at": "look at"}


# ----------------------------------------------------------------------------- the corpus


def story_lengths(rng: random.Random) -> tuple[int, bool]:
    """How many outings a corpus story has, and whether it is told in the first person."""
    outings = rng.randint(3, 6) if rng.random() < 0.15 else rng.randint(1, 2)
    return outings, rng.random() < 0.12


def generate_corpus(seed: int = SEED, num_documents: int = NUM_DOCUMENTS) -> list[Story]:
    """The pre-training corpus: `num_documents` stories from `random.Random(seed)`."""
    rng = random.Random(seed)
    writer = StoryWriter(rng)
    return [writer.write(*story_lengths(rng)) for _ in range(num_documents)]


def corpus_text(stories: Iterable[Story]) -> str:
    """Google's create_pretraining_data input: one sentence a line, a blank line between documents."""
    return "\n".join("\n".join(s.text for s in story.sentences) + "\n" for story in stories)


def write_corpus(out_dir: str | Path, stories: Iterable[Story]) -> Path:
    """Write `stories` to OUT_DIR/corpus/stories.txt; returns the path."""
    path = Path(out_dir) / CORPUS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(corpus_text(stories), encoding="utf-8", newline="\n")
    return path


def load_corpus() -> list[Document]:
    """The committed pre-training corpus, data/corpus/stories.txt, as documents of sentences."""
    return read_documents(data_path(*CORPUS_FILE.parts))
