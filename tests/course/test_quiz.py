"""The quiz logic: the right answer, each wrong answer's feedback, the text fallback, bad quiz files."""

from __future__ import annotations

import json

import pytest

from bertlib.course.quiz import Quiz, load_quiz, parse_quiz, quiz_cells
from bertlib.errors import BertlibInputError

RAW = {
    "notebook": "99_example",
    "questions": [
        {
            "question": f"Question text {n}?",
            "options": [
                {"text": "wrong one", "why": f"wrong-one reason {n}"},
                {"text": "right one", "correct": True, "why": f"right reason {n}"},
                {"text": "wrong two", "why": f"wrong-two reason {n}"},
            ],
        }
        for n in range(1, 4)
    ],
}


@pytest.fixture
def quiz() -> Quiz:
    return parse_quiz(json.loads(json.dumps(RAW)))


def test_the_right_answer_says_correct_and_why(quiz):
    feedback = quiz.question(2).answer(1)
    assert feedback.correct
    assert feedback.message == "Correct. right reason 2"


@pytest.mark.parametrize("index, reason", [(0, "wrong-one reason 1"), (2, "wrong-two reason 1")])
def test_each_wrong_answer_explains_itself(quiz, index, reason):
    feedback = quiz.question(1).answer(index)
    assert not feedback.correct
    assert feedback.message == f"Not quite. {reason}"


def test_the_text_fallback_lists_question_and_options_but_not_the_answer(quiz):
    text = quiz.question(3).text()
    assert text.splitlines()[0] == "Question 3. Question text 3?"
    assert "  a) wrong one" in text and "  b) right one" in text and "  c) wrong two" in text
    assert "reason" not in text, "the text form must not give the answers away"


def test_the_display_bundle_carries_the_widget_and_the_text(quiz):
    bundle = quiz.question(1)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == quiz.question(1).text()


def test_clicking_an_option_in_the_widget_shows_its_feedback(quiz):
    form = quiz.question(1).widget()
    feedback = form.children[-1]
    option_rows = form.children[1:-1]
    option_rows[2].children[0].click()  # the button of option c (wrong)
    assert "Not quite. wrong-two reason 1" in feedback.value
    option_rows[1].children[0].click()  # option b (right)
    assert "Correct. right reason 1" in feedback.value


def test_out_of_range_answers_and_questions_are_clear_errors(quiz):
    with pytest.raises(BertlibInputError, match="options 0 to 2; got 3"):
        quiz.question(1).answer(3)
    with pytest.raises(BertlibInputError, match="questions 1 to 3; got 4"):
        quiz.question(4)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda raw: raw["questions"].pop(), "has 2 questions; a quiz has 3 to 5"),
        (lambda raw: raw["questions"][1]["options"][0].update(correct=True), "question 2: has 2 options marked"),
        (lambda raw: raw["questions"][0]["options"][1].update(correct=False), "question 1: has 0 options marked"),
        (lambda raw: raw["questions"][2]["options"][2].pop("why"), "question 3, option c: needs a 'why'"),
        (
            lambda raw: raw["questions"][0].update(options=[raw["questions"][0]["options"][1]]),
            "question 1: needs an 'options' list",
        ),
        (lambda raw: raw["questions"][1].update(question=" "), "question 2: needs a non-empty 'question'"),
    ],
)
def test_a_bad_quiz_is_rejected_with_where_and_why(change, message):
    raw = json.loads(json.dumps(RAW))
    change(raw)
    with pytest.raises(BertlibInputError, match=message):
        parse_quiz(raw, where="quiz.json")


def test_load_quiz_names_the_file_on_bad_json(tmp_path):
    path = tmp_path / "01_x.json"
    path.write_text('{"questions": [\n  oops]}')
    with pytest.raises(BertlibInputError, match=r"01_x.json: not valid JSON at line 2"):
        load_quiz("01_x", path)
    with pytest.raises(BertlibInputError, match="No quiz file"):
        load_quiz("02_missing", tmp_path / "02_missing.json")


def test_quiz_cells_load_the_quiz_and_show_one_question_per_cell(quiz):
    cells = quiz_cells(quiz)
    assert cells[0].source.startswith("## Check yourself") and "Three questions" in cells[0].source
    assert 'load_quiz("99_example")' in cells[1].source
    assert [cell.source for cell in cells[2:]] == ["quiz.question(1)", "quiz.question(2)", "quiz.question(3)"]
