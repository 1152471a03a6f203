"""Self-check quizzes at the end of each notebook: multiple choice, answered in the page.

The questions of notebook `NN_name.ipynb` live in `data/quizzes/NN_name.json`, readable and editable
without touching the notebook:

    {"notebook": "02_attention_as_weighted_sum",
     "questions": [
       {"question": "Why ...?",
        "options": [
          {"text": "Because ...", "correct": true, "why": "Right: ..."},
          {"text": "Because ...", "why": "No: ... (why this answer is wrong)"}]}]}

Every question has exactly one correct option, and every option explains itself: a learner who
picks a wrong answer is told why it is wrong. In a notebook:

    from bertlib.course.quiz import load_quiz

    quiz = load_quiz("02_attention_as_weighted_sum")
    quiz.question(1)  # one cell per question: each is a slide of its own in presenter mode

Each question displays as a small ipywidgets form (a button per option, the feedback below) that
needs nothing beyond the ipywidgets JupyterLab ships, so it works offline. Where no kernel runs (a
saved notebook, the static site, a screen reader, nbval) its text form lists the question and the
options, never the answer. The checking itself (`Question.answer`) is plain Python, tested on its own.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from bertlib.errors import BertlibInputError
from bertlib.paths import DATA_DIR

QUIZ_DIR = "quizzes"
MIN_QUESTIONS, MAX_QUESTIONS = 3, 5
MIN_OPTIONS, MAX_OPTIONS = 2, 5
LETTERS = "abcde"


@dataclass(frozen=True)
class Option:
    """One answer a learner can pick, and why it is right or wrong."""

    text: str
    correct: bool
    why: str  # the explanation shown after the learner picks this option


@dataclass(frozen=True)
class Feedback:
    """What the learner sees after picking an option."""

    correct: bool
    message: str  # starts with "Correct." or "Not quite." and then explains


@dataclass(frozen=True)
class Question:
    """A multiple-choice question with exactly one correct option."""

    number: int  # 1-based, as shown to the learner
    prompt: str
    options: tuple[Option, ...]

    @property
    def correct_index(self) -> int:
        """The 0-based position of the one correct option."""
        return next(i for i, option in enumerate(self.options) if option.correct)

    def answer(self, index: int) -> Feedback:
        """The feedback for picking option `index` (0-based)."""
        if isinstance(index, bool) or not isinstance(index, int):
            letters = LETTERS[: len(self.options)]
            example = (
                letters.index(index.lower())
                if isinstance(index, str) and len(index) == 1 and index.lower() in letters
                else 0
            )
            raise BertlibInputError(
                f"Question {self.number}: answer takes the option's number counting from 0 (a is 0, b is 1, ...), "
                f"not {index!r}; e.g. answer({example})."
            )
        if not 0 <= index < len(self.options):
            raise BertlibInputError(f"Question {self.number} has options 0 to {len(self.options) - 1}; got {index}.")
        option = self.options[index]
        verdict = "Correct." if option.correct else "Not quite."
        return Feedback(correct=option.correct, message=f"{verdict} {option.why}")

    def text(self) -> str:
        """The question and its options as plain text (no answer): what is shown without a kernel."""
        lines = [f"Question {self.number}. {self.prompt}"]
        lines += [f"  {LETTERS[i]}) {option.text}" for i, option in enumerate(self.options)]
        lines.append("(Run the notebook to answer and see why each option is right or wrong.)")
        return "\n".join(lines)

    def widget(self):
        """The interactive form: the question, a button per option, and the feedback below."""
        import ipywidgets as widgets

        feedback = widgets.HTMLMath(value="")
        feedback.add_class("bertlib-quiz-feedback")
        rows = []
        for index, option in enumerate(self.options):
            button = widgets.Button(
                description=LETTERS[index],
                tooltip=f"answer {LETTERS[index]}",
                layout=widgets.Layout(width="3em", min_width="3em"),
            )
            button.add_class("bertlib-quiz-option")
            button.on_click(lambda _button, index=index: _show(feedback, self.answer(index)))
            label = widgets.HTMLMath(value=_html(option.text), layout=widgets.Layout(flex="1 1 auto"))
            rows.append(widgets.HBox([button, label], layout=widgets.Layout(align_items="center")))
        prompt = widgets.HTMLMath(value=f"<b>Question {self.number}.</b> {_html(self.prompt)}")
        form = widgets.VBox([prompt, *rows, feedback])
        form.add_class("bertlib-quiz-question")
        return form

    def _repr_mimebundle_(self, **kwargs) -> dict:
        bundle = self.widget()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.text()  # the widget's own text would be its Python repr
        return bundle


def _show(feedback, result: Feedback) -> None:
    mark = "✔" if result.correct else "✘"
    css = "bertlib-quiz-correct" if result.correct else "bertlib-quiz-wrong"
    feedback.value = f'<span class="{css}">{mark} {_html(result.message)}</span>'


def _html(text: str) -> str:
    """Escape text for HTML, turning `code` into <code>code</code>; $maths$ is left to MathJax."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


@dataclass(frozen=True)
class Quiz:
    """The questions at the end of one notebook."""

    notebook: str  # the notebook's name, without .ipynb
    questions: tuple[Question, ...]

    def question(self, number: int) -> Question:
        """Question `number`, counted from 1 as the learner sees them."""
        if isinstance(number, bool) or not isinstance(number, int):
            raise BertlibInputError(
                f"The quiz of {self.notebook}: question takes a whole number from 1 to {len(self.questions)}, "
                f"not {number!r}; e.g. question(1)."
            )
        if not 1 <= number <= len(self.questions):
            raise BertlibInputError(
                f"The quiz of {self.notebook} has questions 1 to {len(self.questions)}; got {number}."
            )
        return self.questions[number - 1]

    def __len__(self) -> int:
        return len(self.questions)


def quiz_path(notebook: str) -> Path:
    """Where the quiz of `notebook` (e.g. "02_attention_as_weighted_sum") is stored."""
    return DATA_DIR / QUIZ_DIR / f"{Path(notebook).stem}.json"


def load_quiz(notebook: str, path: str | Path | None = None) -> Quiz:
    """Read and check the quiz of `notebook` (from data/quizzes/ unless `path` says otherwise)."""
    path = Path(path) if path is not None else quiz_path(notebook)
    if not path.exists():
        raise BertlibInputError(f"No quiz file {path}: write one (see bertlib/course/quiz.py for the format).")
    if path.is_dir():
        raise BertlibInputError(f"{path} is a folder; give the quiz's .json file itself (e.g. {quiz_path(notebook)}).")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise BertlibInputError(
            f"{path}: not UTF-8 text (byte {error.start}, 0x{error.object[error.start]:02x}); save the file as UTF-8."
        ) from error
    except json.JSONDecodeError as error:
        raise BertlibInputError(f"{path}: not valid JSON at line {error.lineno}: {error.msg}.") from error
    return parse_quiz(raw, where=str(path))


def parse_quiz(raw: dict, where: str = "quiz") -> Quiz:
    """Build a Quiz from its JSON form, with an error naming the file, question and field at fault."""
    if not isinstance(raw, dict) or not isinstance(raw.get("questions"), list):
        raise BertlibInputError(f"{where}: expected an object with a 'questions' list.")
    count = len(raw["questions"])
    if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
        raise BertlibInputError(f"{where}: has {count} questions; a quiz has {MIN_QUESTIONS} to {MAX_QUESTIONS}.")
    questions = tuple(_parse_question(q, number, where) for number, q in enumerate(raw["questions"], start=1))
    return Quiz(notebook=str(raw.get("notebook", Path(where).stem)), questions=questions)


def _parse_question(raw: dict, number: int, where: str) -> Question:
    at = f"{where}, question {number}"
    if not isinstance(raw, dict) or not _is_text(raw.get("question")):
        raise BertlibInputError(f"{at}: needs a non-empty 'question' text (a JSON string).")
    options_raw = raw.get("options")
    if not isinstance(options_raw, list) or not MIN_OPTIONS <= len(options_raw) <= MAX_OPTIONS:
        raise BertlibInputError(f"{at}: needs an 'options' list of {MIN_OPTIONS} to {MAX_OPTIONS} options.")
    options = []
    # LETTERS has one letter per allowed option; options_raw, checked above, has at most that many.
    for letter, option in zip(LETTERS, options_raw, strict=False):
        if not isinstance(option, dict) or not _is_text(option.get("text")):
            raise BertlibInputError(f"{at}, option {letter}: needs a non-empty 'text' (a JSON string).")
        if not _is_text(option.get("why")):
            raise BertlibInputError(
                f"{at}, option {letter}: needs a 'why' (a JSON string) that explains why this answer is right or wrong."
            )
        if "correct" in option and not isinstance(option["correct"], bool):
            raise BertlibInputError(
                f'{at}, option {letter}: "correct" is {option["correct"]!r}; write true (without quotes) on the '
                "right option and leave it out (or false) on the others."
            )
        options.append(Option(text=option["text"], correct=option.get("correct") is True, why=option["why"]))
    right = sum(option.correct for option in options)
    if right != 1:
        raise BertlibInputError(f'{at}: has {right} options marked "correct": true; exactly one must be.')
    return Question(number=number, prompt=raw["question"], options=tuple(options))


def _is_text(value: object) -> bool:
    """A question, option or explanation must be a non-blank string (a number or list would print oddly)."""
    return isinstance(value, str) and bool(value.strip())


QUIZ_HEADING = "## Check yourself"


def quiz_cells(quiz: Quiz) -> list:
    """The cells that end a notebook with its quiz: a heading, the loading cell, one cell per question."""
    import nbformat  # only authors write cells; a notebook that shows a quiz does not need it

    count = {3: "Three", 4: "Four", 5: "Five"}[len(quiz)]
    intro = (
        f"{QUIZ_HEADING}\n\n{count} questions on the ideas of this notebook. Click the letter of an answer: "
        "the page tells you whether it is right, and why. A wrong answer is a chance to reread a section, "
        "not a mark."
    )
    cells = [
        nbformat.v4.new_markdown_cell(intro),
        nbformat.v4.new_code_cell(f'from bertlib.course.quiz import load_quiz\n\nquiz = load_quiz("{quiz.notebook}")'),
    ]
    cells += [nbformat.v4.new_code_cell(f"quiz.question({number})") for number in range(1, len(quiz) + 1)]
    return cells


def quiz_start(notebook) -> int | None:
    """Index of the quiz's heading cell in `notebook`, or None if it has no quiz."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown" and cell.source.startswith(QUIZ_HEADING):
            return index
    return None
