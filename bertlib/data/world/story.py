"""What a story is: tagged sentences, questions about them, and the small tagged phrases they use.

`StoryDraft` collects sentences (`say`) and questions answered by a span of the last sentence
(`ask`); `finish` freezes it into a `Story`. `the`, `place` and `animal` make the tagged noun
phrases ("the park", "the cow") that the templates are filled with.

Its job ends at recording what was said: deciding what to say is `writer.py`'s job, and rendering
one template into one sentence is `bertlib/data/sentences.py`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bertlib.data.sentences import Mention, Sentence, entity, plain, render


@dataclass(frozen=True)
class QuestionDraft:
    """A question about a story, answered by the span `span` of sentence `sentence`."""

    text: str  # the question, its words joined by spaces: "who fed the calf ?"
    sentence: int  # the index of the sentence that answers it, in the story's order
    span: str  # the name of that sentence's WordSpan that is the answer


@dataclass(frozen=True)
class Story:
    """A finished story: its sentences in order, and the questions asked about them."""

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
        """Add the sentence that `template` filled with `slots` renders."""
        self.sentences.append(render(template, **slots))

    def ask(self, template: str, answer: str, **slots: Mention | str) -> None:
        """Ask about the last sentence; `answer` names the slot of that sentence that answers it."""
        last = self.sentences[-1]
        if answer not in last.spans:
            raise KeyError(f"{last.text!r} has no slot {answer!r} to answer {template!r}")
        question = render(template, **slots).text
        self.questions.append(QuestionDraft(question, len(self.sentences) - 1, answer))

    def finish(self) -> Story:
        """The story as written so far, frozen."""
        return Story(tuple(self.sentences), tuple(self.questions))


def the(word: str, label: str) -> Mention:
    """`the park`, `the cow`: an untagged article before a tagged noun."""
    return plain("the") + entity(word, label)


def place(word: str) -> Mention:
    """`the park`, with "park" tagged LOC."""
    return the(word, "LOC")


def animal(word: str) -> Mention:
    """`the cow`, with "cow" tagged ANIMAL."""
    return the(word, "ANIMAL")
