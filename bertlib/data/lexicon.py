"""The words of the course's "small world": who lives in it, where, with which animals, and how they
judge things.

Every word the generator can write comes from this module (plus the few function words in the
sentence templates of `world.py`), so the world's vocabulary stays small and every word can be
whole in a WordPiece vocabulary of modest size. The lexicon is plain, ordered data: tuples, never
sets, so that everything built from it is the same on every Python version.

Its job ends at listing words and their properties; putting them into sentences is `world.py`'s.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Species:
    """An animal and its young. They share a sound, a food and habitats; only their age differs.

    That sharing is what lets `kitten - cat + dog` land near `puppy` in a pre-trained embedding:
    the young always appear in the same "young" contexts, the adults in the same "adult" ones.
    """

    adult: str
    young: str
    sound: str  # a past-tense verb: "the cat purred"
    food: str
    habitats: tuple[str, ...]  # places (from PLACES) where the animal can be met


@dataclass(frozen=True)
class Person:
    """A character of the small world: a name and a pronoun."""

    name: str
    pronoun: str  # "she" or "he"

    @property
    def possessive(self) -> str:
        """ "her" or "his"."""
        return "her" if self.pronoun == "she" else "his"

    @property
    def objective(self) -> str:
        """ "her" or "him"."""
        return "her" if self.pronoun == "she" else "him"


@dataclass(frozen=True)
class Thing:
    """Something people try and judge: food, a film, a lesson. `verb` is how one tries it, and
    `excesses` are neutral qualities that turn negative with "too": "far too long"."""

    word: str
    verb: str  # "tried the soup", "watched the film"
    venues: tuple[str, ...]  # places (from PLACES) where it is found
    excesses: tuple[str, ...]  # what it can have too much of: "the soup was far too salty"


SPECIES: tuple[Species, ...] = (
    Species("cat", "kitten", "purred", "milk", ("garden", "yard", "park")),
    Species("dog", "puppy", "barked", "bones", ("park", "yard", "beach")),
    Species("cow", "calf", "mooed", "clover", ("farm", "barn", "field", "meadow")),
    Species("sheep", "lamb", "baaed", "grass", ("farm", "meadow", "field", "hill")),
    Species("hen", "chick", "clucked", "seeds", ("farm", "yard", "coop")),
    Species("horse", "foal", "neighed", "hay", ("farm", "stable", "field")),
    Species("duck", "duckling", "quacked", "bread", ("pond", "river", "lake", "park")),
    Species("pig", "piglet", "grunted", "apples", ("farm", "barn", "field")),
    Species("goat", "kid", "bleated", "weeds", ("farm", "hill", "meadow")),
    Species("bear", "cub", "growled", "honey", ("forest", "cave", "river")),
    Species("deer", "fawn", "snorted", "leaves", ("forest", "meadow", "hill")),
    Species("goose", "gosling", "honked", "corn", ("lake", "pond", "river", "park")),
)

#: Animals people keep at home; they can go for walks and run to places.
PETS: tuple[str, ...] = ("cat", "dog")

PEOPLE: tuple[Person, ...] = tuple(
    [
        Person(name, "she")
        for name in (
            "mia",
            "anna",
            "lily",
            "emma",
            "rosa",
            "nora",
            "ella",
            "lucy",
            "ruby",
            "ivy",
            "zoe",
            "maya",
            "sara",
            "julia",
            "hannah",
            "clara",
            "alice",
            "sophie",
            "leah",
            "eva",
            "amy",
            "kate",
            "nina",
            "ada",
        )
    ]
    + [
        Person(name, "he")
        for name in (
            "tom",
            "sam",
            "ben",
            "max",
            "leo",
            "jack",
            "noah",
            "liam",
            "omar",
            "ravi",
            "theo",
            "oscar",
            "felix",
            "hugo",
            "adam",
            "luke",
            "owen",
            "finn",
            "jake",
            "eli",
            "ian",
            "paul",
            "dan",
            "joe",
        )
    ]
)

SURNAMES: tuple[str, ...] = (
    "carter",
    "miller",
    "walker",
    "turner",
    "parker",
    "hughes",
    "cooper",
    "porter",
    "hayes",
    "ellis",
    "moore",
    "fisher",
)

#: Town names; a few have two words, so that LOC entities also have I- tags.
TOWNS: tuple[str, ...] = (
    "ashford",
    "brookfield",
    "elmwood",
    "fairview",
    "greenwood",
    "hillcrest",
    "lakeside",
    "maplewood",
    "northfield",
    "oakdale",
    "pinecrest",
    "redcliff",
    "riverton",
    "stonebridge",
    "westbury",
    "willowby",
    "kingsley",
    "east dunmore",
    "little harlow",
    "port linton",
)

#: Common places. Each is tagged LOC in the NER set, like the town names.
PLACES: tuple[str, ...] = (
    "park",
    "farm",
    "river",
    "school",
    "market",
    "library",
    "beach",
    "forest",
    "garden",
    "lake",
    "bakery",
    "station",
    "cafe",
    "meadow",
    "barn",
    "pond",
    "cinema",
    "museum",
    "yard",
    "stable",
    "coop",
    "hill",
    "cave",
    "field",
)

OUTDOORS = ("park", "beach", "meadow", "garden", "field", "lake", "hill")
WATERSIDE = ("hill", "lake", "river", "beach", "meadow", "pond", "forest")

THINGS: tuple[Thing, ...] = (
    Thing("soup", "tried", ("cafe",), ("salty", "hot", "cold")),
    Thing("tea", "tried", ("cafe", "station"), ("sweet", "hot", "cold")),
    Thing("cake", "tried", ("cafe", "bakery"), ("sweet", "dry")),
    Thing("pie", "tried", ("bakery", "market"), ("sweet", "salty", "dry")),
    Thing("bread", "tried", ("bakery", "market", "farm"), ("salty", "dry")),
    Thing("cheese", "tried", ("market", "farm"), ("salty", "dry")),
    Thing("film", "watched", ("cinema", "school"), ("long", "short", "loud", "slow")),
    Thing("show", "watched", ("cinema", "museum", "park"), ("long", "short", "loud")),
    Thing("play", "watched", ("school", "park"), ("long", "short", "slow")),
    Thing("concert", "heard", ("park", "school", "museum"), ("long", "short", "loud")),
    Thing("song", "heard", ("school", "cafe", "beach", "station"), ("long", "loud", "slow")),
    Thing("lesson", "had", ("school", "museum", "library"), ("long", "short", "slow")),
    Thing("book", "read", ("library", "school"), ("long", "short", "slow")),
    Thing("story", "read", ("library",), ("long", "short")),
    Thing("picnic", "had", OUTDOORS, ("short", "cold")),
    Thing("game", "played", ("park", "school", "beach", "yard", "field"), ("long", "slow")),
    Thing("walk", "went on", ("forest", "beach", "river", "hill", "lake", "meadow", "field"), ("long", "cold")),
    Thing("view", "looked at", WATERSIDE, ("dark", "grey")),
    Thing(
        "tour", "went on", ("farm", "barn", "stable", "coop", "museum", "cave", "station"), ("long", "short", "slow")
    ),
    Thing("ride", "went on", ("stable", "farm", "station", "park"), ("long", "short", "slow")),
)

#: Judgements. Positive and negative adjectives are used equally often, alone, intensified,
#: negated and in contrasts, so that no single word decides a sentence's sentiment.
POSITIVE: tuple[str, ...] = (
    "good",
    "great",
    "nice",
    "lovely",
    "fun",
    "perfect",
    "wonderful",
    "excellent",
    "exciting",
    "amazing",
)
NEGATIVE: tuple[str, ...] = (
    "bad",
    "awful",
    "boring",
    "dull",
    "terrible",
    "horrible",
    "poor",
    "dreadful",
    "weak",
    "nasty",
)
INTENSIFIERS: tuple[str, ...] = ("very", "really", "quite", "so", "truly")
#: Negators that sit right before the adjective: "not bad", "hardly boring", "far from perfect".
NEGATORS: tuple[tuple[str, ...], ...] = (("not",), ("never",), ("hardly",), ("far", "from"))
#: How much too much: "too long", "far too long", "a bit too long".
EXCESS_DEGREES: tuple[tuple[str, ...], ...] = (("too",), ("far", "too"), ("a", "bit", "too"))

#: After judging something, people react; the reaction follows the judgement's polarity. This is
#: how the unlabelled corpus teaches what "not bad" and "hardly boring" mean.
HAPPY_REACTIONS: tuple[str, ...] = ("smiled", "laughed", "cheered", "grinned")
UNHAPPY_REACTIONS: tuple[str, ...] = ("frowned", "sighed", "groaned", "yawned")

GOOD_FEELINGS: tuple[str, ...] = ("happy", "glad", "proud", "excited", "calm", "cheerful")
BAD_FEELINGS: tuple[str, ...] = ("sad", "tired", "scared", "angry", "bored", "worried")

#: Small things people carry, give, lose and find.
OBJECTS: tuple[str, ...] = (
    "hat",
    "kite",
    "ball",
    "book",
    "scarf",
    "key",
    "bag",
    "map",
    "cup",
    "lamp",
    "box",
    "bell",
)
GAMES: tuple[str, ...] = ("tag", "chess", "football", "cards", "catch")
#: Times of day, one per outing, so that "where did mia go in the evening ?" has one answer.
TIMES: tuple[tuple[str, ...], ...] = (
    ("in", "the", "morning"),
    ("at", "noon"),
    ("after", "lunch"),
    ("in", "the", "afternoon"),
    ("in", "the", "evening"),
    ("after", "school"),
    ("on", "monday"),
    ("on", "saturday"),
)
WEATHER: tuple[str, ...] = ("sunny", "rainy", "windy", "cold", "warm", "grey")
#: What a young animal does, and what an adult does for its young.
YOUNG_ACTIONS: tuple[str, ...] = ("played", "slept", "rolled", "hid", "tumbled")
#: What the animal from down the street does when it runs up to the narrator.
GREETINGS: tuple[str, ...] = ("licked my hand", "sat at my feet", "followed me home")
