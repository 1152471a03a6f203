"""Probing one word's vectors across sentences: positions, contextual vs static, sense summaries."""

from __future__ import annotations

import pytest
import torch

from bertlib.assets import course_tokenizer
from bertlib.errors import BertlibInputError
from bertlib.model import BertConfig, BertModel
from bertlib.model.probing import sense_similarities, word_vectors
from tests.model.conftest import perturb

PLACE = ["mia watched the play at the school .", "tom had the lesson at the school ."]
TIME = ["after school mia went to the park .", "where did ben go after school ?"]


@pytest.fixture(scope="module")
def tokenizer():
    return course_tokenizer()


@pytest.fixture
def model(tokenizer) -> BertModel:
    config = BertConfig(
        vocab_size=len(tokenizer.vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
        max_position_embeddings=40,
    )
    return perturb(BertModel(config))  # eval mode, no dropout


def test_static_rows_are_identical_and_contextual_ones_are_not(model, tokenizer):
    vectors = word_vectors(model, tokenizer, "school", PLACE + TIME)
    row = model.embeddings.word_embeddings.weight[tokenizer.vocab.ids["school"]]
    assert vectors.static.shape == vectors.contextual.shape == (4, 32)
    assert all(torch.equal(static, row) for static in vectors.static)
    assert not torch.allclose(vectors.contextual[0], vectors.contextual[2], atol=1e-3)


def test_contextual_vector_is_the_top_layer_at_the_word(model, tokenizer):
    vectors = word_vectors(model, tokenizer, "school", TIME)
    encoding = tokenizer.encode(TIME[1])
    with torch.no_grad():
        alone = model(torch.tensor([encoding.input_ids])).last_hidden_state[0]  # (T, H)
    # The second sentence ran padded beside the first: the mask must make that invisible.
    assert torch.allclose(vectors.contextual[1], alone[encoding.tokens.index("school")], atol=1e-5)


def test_a_word_of_several_pieces_gets_the_mean_of_its_pieces(model, tokenizer):
    pieces = tokenizer.tokenize("transformers")
    assert len(pieces) > 1
    vectors = word_vectors(model, tokenizer, "transformers", ["the transformers ran .", "i read transformers ."])
    rows = model.embeddings.word_embeddings.weight[tokenizer.convert_tokens_to_ids(pieces)]  # (pieces, H)
    assert torch.allclose(vectors.static[0], rows.mean(dim=0))


@pytest.mark.parametrize(
    ("sentence", "match"),
    [
        ("tom went to the park .", "does not hold the word 'school'"),
        ("the school was near the school .", "holds 2 times"),
        ("the schools were far .", "does not hold"),  # part of a longer word is not the word
    ],
)
def test_the_word_must_be_in_each_sentence_once(model, tokenizer, sentence, match):
    with pytest.raises(BertlibInputError, match=match):
        word_vectors(model, tokenizer, "school", [PLACE[0], sentence])


def test_bad_word_or_sentences_are_named(model, tokenizer):
    with pytest.raises(BertlibInputError, match="needs one word, got 'the school'"):
        word_vectors(model, tokenizer, "the school", PLACE)
    with pytest.raises(BertlibInputError, match="needs a list of sentences"):
        word_vectors(model, tokenizer, "school", PLACE[0])


def test_sense_similarities_on_hand_made_vectors():
    vectors = torch.tensor([[1.0, 0.0], [1.0, 0.8], [0.0, 1.0], [0.0, 2.0]])
    result = sense_similarities(vectors, ["a", "a", "b", "b"])
    cos_01, cos_12 = 1.0 / 1.64**0.5, 0.8 / 1.64**0.5  # row 1 against rows 0 and 2 (row 3 is row 2, longer)
    assert result.within == pytest.approx((cos_01 + 1.0) / 2)
    assert result.across == pytest.approx((0.0 + 0.0 + cos_12 + cos_12) / 4)
    assert result.nearest_same == 4  # each row's most similar other row has its sense
    assert result.cosines.shape == (4, 4)
    assert torch.allclose(result.cosines.diagonal(), torch.ones(4))


def test_nearest_counts_a_row_whose_neighbour_has_another_sense():
    vectors = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1], [0.0, 1.1]])
    assert sense_similarities(vectors, ["a", "a", "b", "b"]).nearest_same == 0


def test_sense_similarities_needs_pairs_of_both_kinds():
    with pytest.raises(BertlibInputError, match="one sense per row"):
        sense_similarities(torch.ones(3, 2), ["a", "b"])
    with pytest.raises(BertlibInputError, match="one sense only, 'a'"):
        sense_similarities(torch.ones(2, 2), ["a", "a"])
    with pytest.raises(BertlibInputError, match="no two sentences of one sense"):
        sense_similarities(torch.ones(2, 2), ["a", "b"])
