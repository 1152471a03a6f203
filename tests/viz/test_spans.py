"""Answer spans in their context: marks in the right places, cuts at words, windows from features."""

from __future__ import annotations

import re

import pytest

from bertlib.data.examples import QAAnswer, QAExample
from bertlib.data.features import SpanPrediction, best_span, qa_features
from bertlib.tokenization import BertTokenizer
from bertlib.tokenization.wordpiece import Vocab
from bertlib.viz.spans import AnswerView, CharSpan, answer_view, mark_spans, window_spans

CONTEXT = "tom took the red ball to the park . then he went home and slept all night in his warm bed ."


def span(text: str, context: str = CONTEXT) -> CharSpan:
    start = context.index(text)
    return CharSpan(start, start + len(text))


def test_prediction_inside_gold_nests_its_marks():
    marked = mark_spans(CONTEXT, span("red ball"), span("the red ball"))
    assert marked.startswith("tom took ⟨the ⟦red ball⟧⟩ to the park .")
    assert marked.replace("⟦", "").replace("⟧", "").replace("⟨", "").replace("⟩", "") == CONTEXT


def test_identical_spans_open_and_close_in_mirror_order():
    assert "⟦⟨red ball⟩⟧" in mark_spans(CONTEXT, span("red ball"), span("red ball"))


def test_crossing_spans_keep_every_character():
    marked = mark_spans(CONTEXT, span("ball to"), span("red ball"))
    assert "⟨red ⟦ball⟩ to⟧" in marked


def test_around_cuts_at_words_and_says_so():
    marked = mark_spans(CONTEXT, span("warm bed"), span("the red ball"), around=8)
    assert marked == "tom took ⟨the red ball⟩ to the park ... night in his ⟦warm bed⟧ ."
    assert mark_spans(CONTEXT, None, span("park"), around=2) == "... the ⟨park⟩ . ..."


def test_around_must_not_be_negative():
    with pytest.raises(ValueError, match="around must be 0 or more"):
        mark_spans(CONTEXT, span("park"), None, around=-1)


def test_spans_are_checked():
    with pytest.raises(ValueError, match="0 <= start <= end"):
        CharSpan(5, 2)
    with pytest.raises(ValueError, match="runs past the end of the context"):
        AnswerView("short", "q?", CharSpan(0, 10), None)
    with pytest.raises(ValueError, match="chosen_window=2 but there are 1 windows"):
        AnswerView(CONTEXT, "q?", None, None, (CharSpan(0, 5),), 2)


def test_text_and_html_show_both_answers():
    view = AnswerView(CONTEXT, "what did tom take ?", span("red ball"), span("the red ball"))
    assert view.text(around=None).splitlines() == [
        "Q: what did tom take ?",
        mark_spans(CONTEXT, span("red ball"), span("the red ball")),
        "predicted ⟦'red ball'⟧, gold ⟨'the red ball'⟩",
    ]
    page = view.html()
    assert "<script" not in page and "http" not in page  # nothing fetched, nothing run
    assert page.count("background: #ffe066") == 2  # the span in the context and in the legend
    assert re.search(r"<span style='[^']*text-decoration-color: #2b8a3e[^']*'>the </span>", page)
    assert view._repr_html_() == page


def test_no_prediction_is_said_in_words():
    view = AnswerView(CONTEXT, "where ?", None, span("the park"))
    assert "predicted ⟦no valid span⟧" in view.text()
    assert "<i>no valid span</i>" in view.html()


def test_html_escapes_the_text():
    view = AnswerView("a <b> & c", "<q>?", CharSpan(2, 5), None)
    assert "&lt;b&gt;" in view.html() and "&lt;q&gt;" in view.html() and "<b> &" not in view.html()


@pytest.fixture(scope="module")
def tokenizer() -> BertTokenizer:
    words = sorted(set(CONTEXT.split()) | {"what", "did", "take", "?"})
    return BertTokenizer(Vocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words]))


def test_answer_view_maps_a_prediction_in_a_later_window_to_its_characters(tokenizer):
    gold = QAAnswer("his warm bed", CONTEXT.index("his warm bed"))
    example = QAExample("q1", "t", CONTEXT, "what did tom take ?", (gold,))
    features = qa_features([example], tokenizer, max_seq_length=16, doc_stride=6)
    assert len(features) > 2
    starts = [[0.0] * len(f.input_ids) for f in features]
    ends = [[0.0] * len(f.input_ids) for f in features]
    last = len(features) - 1
    answer = [
        i for i, o in enumerate(features[last].offsets) if o is not None and CONTEXT[o[0] : o[1]] in ("warm", "bed")
    ]
    starts[last][answer[0]], ends[last][answer[-1]] = 5.0, 5.0
    prediction = best_span(CONTEXT, features, starts, ends)
    assert prediction.feature_index == last and prediction.text == "warm bed"

    view = answer_view(example, features, prediction)
    assert view.predicted_text == "warm bed" and view.gold_text == "his warm bed"
    assert view.windows == window_spans(features) and view.chosen_window == last
    assert view.windows[0].start == 0 and view.windows[-1].end == len(CONTEXT)
    assert all(a.start < b.start and a.overlaps(b) for a, b in zip(view.windows, view.windows[1:], strict=False))
    assert f"({len(features)} windows, the prediction from window {last + 1})" in view.text()
    page = view.html()
    assert page.count("title='window") == 2 * len(features)
    assert f"font-weight: bold; font-size: 11px; padding: 0 1px;' title='window {last + 1} starts'" in page


def test_answer_view_of_one_window_hides_windows_and_rejects_other_questions(tokenizer):
    example = QAExample("q1", "t", "tom took the red ball .", "what did tom take ?", (QAAnswer("the red ball", 9),))
    features = qa_features([example], tokenizer, max_seq_length=32)
    view = answer_view(
        example,
        features,
        SpanPrediction("red ball", 1.0, 0, features[0].offsets.index((13, 16)), features[0].offsets.index((17, 21))),
    )
    assert view.windows == () and view.predicted_text == "red ball"
    other = QAExample("q2", "t", example.context, example.question, example.answers)
    with pytest.raises(ValueError, match="Give only the windows of 'q2'"):
        answer_view(other, features, None)
