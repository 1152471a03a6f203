"""The WordPiece vocabulary trainer (bertlib/tokenization/trainer.py)."""

from __future__ import annotations

import random
import warnings

import pytest

from bertlib.tokenization import BertTokenizer, train_wordpiece
from bertlib.tokenization.trainer import count_words, merge
from bertlib.tokenization.wordpiece import SPECIAL_TOKENS

from .parity_support import english_lines

CORPUS = english_lines(count=400, seed=3)


@pytest.fixture(scope="module")
def trained():
    return train_wordpiece(CORPUS, vocab_size=300)


def test_the_requested_size_is_reached_exactly(trained):
    assert len(trained) == 300


def test_special_tokens_come_first_then_every_character_alone_and_with_hashes(trained):
    assert trained.tokens[:5] == SPECIAL_TOKENS
    characters = {char for word in count_words(CORPUS) for char in word}
    assert all(char in trained and "##" + char in trained for char in characters)


def test_common_words_are_whole(trained):
    tokenizer = BertTokenizer(trained)
    most_common = [word for word, _ in count_words(CORPUS).most_common(25)]
    assert [tokenizer.tokenize(word) for word in most_common] == [[word] for word in most_common]


def test_every_corpus_word_tokenizes_without_unknown(trained):
    tokenizer = BertTokenizer(trained)
    assert all("[UNK]" not in tokenizer.tokenize(line) for line in CORPUS)


def test_training_is_deterministic_and_independent_of_text_order(trained):
    shuffled = CORPUS[:]
    random.Random(0).shuffle(shuffled)
    assert train_wordpiece(shuffled, vocab_size=300) == trained


def test_word_counts_can_be_given_directly():
    vocab = train_wordpiece({"low": 5, "lower": 2, "newest": 6, "widest": 3}, vocab_size=5 + 2 * 10 + 4)
    # "##e ##s" and "##s ##t" occur 9 times each; the tie goes to the pair that sorts first. Then
    # "##es ##t" (9), then "##o ##w" and "l ##o" (7 each, and "##o" sorts before "l"), then "l ##ow".
    assert vocab.tokens[25:] == ("##es", "##est", "##ow", "low")


def test_ties_go_to_the_pair_that_sorts_first():
    vocab = train_wordpiece({"ab": 1, "cd": 1}, vocab_size=5 + 2 * 4 + 1)
    assert vocab.tokens[-1] == "ab"


def test_merge_joins_continuations():
    assert merge("c", "##a") == "ca"
    assert merge("##a", "##t") == "##at"


def test_a_vocab_size_below_the_alphabet_is_a_clear_error():
    with pytest.raises(ValueError, match=r"vocab_size=10 cannot hold .* ask for at least 13"):
        train_wordpiece(["abcd"], vocab_size=10)


def test_a_corpus_with_every_word_whole_stops_early_with_a_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vocab = train_wordpiece(["cat cat dog"], vocab_size=1000)
    assert "cat" in vocab and "dog" in vocab
    assert len(vocab) < 1000
    assert "stops there instead of at the requested 1000" in str(caught[0].message)


def test_an_empty_corpus_is_a_clear_error():
    with pytest.raises(ValueError, match="no words"):
        train_wordpiece(["", "   "], vocab_size=100)


def test_token_counts_match_hugging_faces_wordpiece_trainer(transformers_module):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    corpus = english_lines(count=1500, seed=1)
    reference = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    reference.normalizer = normalizers.BertNormalizer(lowercase=True)
    reference.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=400, special_tokens=list(SPECIAL_TOKENS))
    reference.train_from_iterator(corpus, trainer)
    ours = BertTokenizer(train_wordpiece(corpus, vocab_size=400))
    theirs_count = sum(len(reference.encode(line).ids) for line in corpus)
    ours_count = sum(len(ours.tokenize(line)) for line in corpus)
    # Ours holds every character with ## as well, so a few fewer merges fit: slightly more tokens.
    assert 1.0 <= ours_count / theirs_count <= 1.03
