"""Bad inputs for the figures and the quiz: each is an error naming the value and the fix.

Found by trying what students and instructors pass by mistake (issue 11's re-check): an empty or
NaN matrix, labels that do not match, probabilities that are not probabilities (once silently
rescaled), a string where a list of words belongs, a quiz answered with a letter.
"""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

from bertlib import viz  # noqa: E402
from bertlib.course.quiz import load_quiz, parse_quiz  # noqa: E402
from bertlib.errors import BertlibInputError  # noqa: E402
from bertlib.viz.masking import draw_masking, masking_view  # noqa: E402
from bertlib.viz.spans import CharSpan  # noqa: E402
from bertlib.viz.tagging import tagged_text  # noqa: E402

VIEW = masking_view(["a", "[MASK]"], [1], ["b"])

FIGURE_CASES = [
    pytest.param(lambda: viz.plot_matrix(np.zeros((0, 3)), []), ["empty", "at least one"], id="matrix_empty"),
    pytest.param(
        lambda: viz.plot_matrix(np.array([[np.nan, 1.0]]), ["a"]),
        ["nan at index (0, 0)", "Check the model"],
        id="matrix_with_nan",
    ),
    pytest.param(
        lambda: viz.plot_matrix(np.ones((1, 3)), ["a"], ["x", "y"]),
        ["2 column labels", "3", "one label per column"],
        id="matrix_column_labels_miscounted",
    ),
    pytest.param(
        lambda: viz.plot_scores_and_softmax(["a", "b", "c"], torch.tensor([1.0, 2.0]), "q"),
        ["3 key tokens", "(2,)", "scores[i]"],
        id="scores_shorter_than_tokens",
    ),
    pytest.param(
        lambda: viz.plot_scores_and_softmax(["a", "b"], torch.ones(2, 2), "q"),
        ["(2, 2)", "scores[i]"],
        id="scores_two_dimensional",
    ),
    pytest.param(
        lambda: viz.plot_scores_and_softmax(
            ["a", "b"], torch.tensor([1.0, 2.0]), "q", probabilities=torch.tensor([0.2, 0.2])
        ),
        ["sum to 0.4000", "softmax(scores)"],
        id="probabilities_not_summing_to_one",
    ),
    pytest.param(
        lambda: viz.plot_scores_and_softmax(
            ["a", "b"], torch.tensor([1.0, 2.0]), "q", probabilities=torch.tensor([-0.5, 1.5])
        ),
        ["smallest -0.5000", "non-negative"],
        id="probabilities_negative",
    ),
    pytest.param(
        lambda: viz.plot_scores_and_softmax(
            ["a", "b"], torch.tensor([1.0, 2.0]), "q", probabilities=torch.tensor([1.0])
        ),
        ["2 key tokens", "weights[i]"],
        id="probabilities_miscounted",
    ),
    pytest.param(
        lambda: viz.plot_projection_2d(torch.randn(1, 4), ["a"]),
        ["at least 2 vectors", "(1, 4)"],
        id="projection_of_one_vector",
    ),
    pytest.param(
        lambda: viz.plot_projection_2d(torch.randn(3, 1), ["a", "b", "c"]),
        ["2 dimensions", "(3, 1)"],
        id="projection_of_one_dimension",
    ),
    pytest.param(
        lambda: viz.plot_projection_2d(torch.randn(3, 4), ["a", "b", "c"], groups=["x"]),
        ["1 groups for 3 labels", "one group per label"],
        id="projection_groups_miscounted",
    ),
    pytest.param(
        lambda: viz.plot_projection_2d(torch.randn(3, 4), ["a", "b", "c"], arrows=[("a", "zz")]),
        ["['zz']", "labelled points"],
        id="projection_arrow_to_unknown_word",
    ),
    pytest.param(
        lambda: viz.plot_attention_in_out(torch.randn(3), torch.randn(3), ["a", "b", "c"]),
        ["(3,)", "x[0]"],
        id="attention_in_out_one_dimensional",
    ),
    pytest.param(
        lambda: viz.plot_attention_in_out(torch.randn(3, 4), torch.randn(3, 4), ["a", "b", "c"], dims=0),
        ["dims=0", "at least 1"],
        id="attention_in_out_zero_dims",
    ),
    pytest.param(lambda: masking_view(["a", "[MASK]"], [1.0], ["b"]), ["1.0", "int()"], id="masked_position_float"),
    pytest.param(
        lambda: masking_view(["a", "[MASK]"], [1, 1], ["b", "c"]),
        ["[1, 1]", "at most once"],
        id="masked_position_repeated",
    ),
    pytest.param(lambda: masking_view("a b", [1], ["x"]), ["'a b'", "list of tokens"], id="masking_tokens_a_string"),
    pytest.param(lambda: draw_masking([VIEW], per_row=0), ["per_row=0", "at least 1"], id="masking_per_row_zero"),
    pytest.param(lambda: tagged_text("ab", ["O", "O"]), ["'ab'", "split it"], id="tagged_words_a_string"),
    pytest.param(lambda: CharSpan(1.5, 3), ["1.5", "int()"], id="char_span_float"),
    pytest.param(
        lambda: viz.head_patterns([]), ["at least one AttentionTrace", "trace_attention"], id="head_patterns_of_nothing"
    ),
    pytest.param(
        lambda: viz.head_patterns(torch.zeros(1, 2, 3, 3)),
        ["Tensor", "trace_attention"],
        id="head_patterns_of_a_tensor",
    ),
]


@pytest.mark.parametrize(("draw", "words"), FIGURE_CASES)
def test_a_bad_figure_input_names_the_value_and_the_fix(draw, words):
    with pytest.raises((ValueError, TypeError)) as caught:
        draw()
    for word in words:
        assert word in str(caught.value)


def test_probabilities_that_sum_to_one_are_drawn_as_given():
    figure = viz.plot_scores_and_softmax(
        ["a", "b"], torch.tensor([1.0, 2.0]), "q", probabilities=torch.tensor([0.25, 0.75])
    )
    assert [bar.get_height() for bar in figure.get_axes()[1].patches] == pytest.approx([0.25, 0.75])


QUIZ = load_quiz("00_start_here")


def quiz_with(change) -> dict:
    raw = json.loads(
        json.dumps(
            {
                "notebook": QUIZ.notebook,
                "questions": [
                    {
                        "question": q.prompt,
                        "options": [{"text": o.text, "why": o.why, "correct": o.correct} for o in q.options],
                    }
                    for q in QUIZ.questions
                ],
            }
        )
    )
    change(raw["questions"][0])
    return raw


def _set(where: str, value):
    def change(question):
        if where == "question":
            question["question"] = value
        else:
            question["options"][QUIZ.question(1).correct_index][where] = value

    return change


QUIZ_CASES = [
    pytest.param(lambda: QUIZ.question(1).answer("B"), ["'B'", "answer(1)"], id="quiz_answered_with_a_letter"),
    pytest.param(lambda: QUIZ.question(1).answer(True), ["True", "counting from 0"], id="quiz_answered_with_a_bool"),
    pytest.param(lambda: QUIZ.question(1).answer(1.0), ["1.0", "counting from 0"], id="quiz_answered_with_a_float"),
    pytest.param(lambda: QUIZ.question("1"), ["'1'", "question(1)"], id="quiz_question_as_a_string"),
    pytest.param(
        lambda: parse_quiz(quiz_with(_set("correct", "true"))),
        ["'true'", "without quotes"],
        id="quiz_correct_written_as_a_string",
    ),
    pytest.param(
        lambda: parse_quiz(quiz_with(_set("question", 5))), ["question 1", "a JSON string"], id="quiz_question_a_number"
    ),
    pytest.param(
        lambda: parse_quiz(quiz_with(_set("text", ["x"]))),
        ["option", "'text' (a JSON string)"],
        id="quiz_option_text_a_list",
    ),
    pytest.param(lambda: parse_quiz(quiz_with(_set("why", 7))), ["'why' (a JSON string)"], id="quiz_why_a_number"),
]


@pytest.mark.parametrize(("call", "words"), QUIZ_CASES)
def test_a_bad_quiz_call_or_file_names_the_value_and_the_fix(call, words):
    with pytest.raises(BertlibInputError) as caught:
        call()
    for word in words:
        assert word in str(caught.value)


def test_a_quiz_file_not_utf8_or_a_folder_is_named(tmp_path):
    path = tmp_path / "q.json"
    path.write_bytes(b'{"questions": ["\xe9"]}')
    with pytest.raises(BertlibInputError, match="not UTF-8 text .*0xe9.*save the file as UTF-8"):
        load_quiz("q", path)
    with pytest.raises(BertlibInputError, match="is a folder; give the quiz's .json file"):
        load_quiz("q", tmp_path)
