"""BertTokenizer: pairs, token types, padding, truncation, windows, decoding, loading and saving
(bertlib/tokenization/tokenizer.py). Parity with Hugging Face on real text is in test_hf_parity.py."""

from __future__ import annotations

import json

import pytest
import torch

from bertlib.tokenization import BertTokenizer, TokenizedText, train_wordpiece

from .conftest import encode_windows


def test_single_text_gets_cls_and_sep(tiny_tokenizer):
    encoding = tiny_tokenizer.encode("The cat sat.")
    assert encoding.tokens == ["[CLS]", "the", "cat", "sat", ".", "[SEP]"]
    assert encoding.input_ids == [2, 12, 13, 14, 15, 3]
    assert encoding.token_type_ids == [0] * 6
    assert encoding.attention_mask == [1] * 6
    assert encoding.special_tokens_mask == [1, 0, 0, 0, 0, 1]
    assert encoding.offsets == [(0, 0), (0, 3), (4, 7), (8, 11), (11, 12), (0, 0)]
    assert encoding.sequence_ids == [None, 0, 0, 0, 0, None]
    assert encoding.word_ids == [None, 0, 1, 2, 3, None]


def test_a_pair_gets_token_types_and_sequence_ids(tiny_tokenizer):
    encoding = tiny_tokenizer.encode("the cat", "dog runs")
    assert encoding.tokens == ["[CLS]", "the", "cat", "[SEP]", "dog", "runs", "[SEP]"]
    assert encoding.token_type_ids == [0, 0, 0, 0, 1, 1, 1]
    assert encoding.sequence_ids == [None, 0, 0, None, 1, 1, None]
    # Offsets of the second text count from the start of the second text.
    assert encoding.offsets == [(0, 0), (0, 3), (4, 7), (0, 0), (0, 3), (4, 8), (0, 0)]
    assert encoding.word_ids == [None, 0, 1, None, 0, 1, None]


def test_word_ids_put_all_pieces_of_a_word_on_that_word(tiny_tokenizer):
    encoding = tiny_tokenizer.encode("unaffable cat")
    assert encoding.tokens[1:-1] == ["un", "##aff", "##able", "cat"]
    assert encoding.word_ids[1:-1] == [0, 0, 0, 1]
    # NER alignment: the label goes on the first piece of each word, -100 on the rest.
    word_labels = [7, 8]
    previous = None
    aligned = []
    for word_id in encoding.word_ids:
        aligned.append(-100 if word_id is None or word_id == previous else word_labels[word_id])
        previous = word_id
    assert aligned == [-100, 7, -100, -100, 8, -100]


def test_padding_to_max_length_masks_the_padding(tiny_tokenizer):
    encoding = tiny_tokenizer.encode("the cat", max_length=6, padding="max_length")
    assert encoding.tokens == ["[CLS]", "the", "cat", "[SEP]", "[PAD]", "[PAD]"]
    assert encoding.attention_mask == [1, 1, 1, 1, 0, 0]
    assert encoding.token_type_ids == [0] * 6
    assert encoding.special_tokens_mask == [1, 0, 0, 1, 1, 1]
    assert encoding.offsets[-1] == (0, 0) and encoding.sequence_ids[-1] is None


def test_batches_pad_to_the_longest_and_become_tensors(tiny_tokenizer):
    batch = tiny_tokenizer.encode_batch(["the cat sat", "dog"], ["dog", "the cat"])
    assert [len(e) for e in batch.encodings] == [7, 7]
    tensors = batch.to_tensors()
    assert tensors.input_ids.shape == (2, 7) and tensors.input_ids.dtype == torch.long
    assert tensors.attention_mask.tolist() == [[1] * 7, [1, 1, 1, 1, 1, 1, 0]]
    assert tensors.token_type_ids.tolist() == [[0, 0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1, 0]]
    assert tensors.to("cpu").input_ids.equal(tensors.input_ids)


def test_batches_pad_to_max_length_or_not_at_all(tiny_tokenizer):
    assert tiny_tokenizer.encode_batch(["the", "cat sat"], max_length=8, padding="max_length").input_ids == [
        [2, 12, 3, 0, 0, 0, 0, 0],
        [2, 13, 14, 3, 0, 0, 0, 0],
    ]
    ragged = tiny_tokenizer.encode_batch(["the", "cat sat"], padding=False)
    with pytest.raises(ValueError, match="different lengths .* padding='longest'"):
        ragged.to_tensors()


def test_an_overlong_input_without_truncation_is_a_clear_error(tiny_tokenizer):
    with pytest.raises(ValueError) as error:
        tiny_tokenizer.encode("the cat sat", max_length=4)
    message = str(error.value)
    assert "5 tokens" in message and "limit of 4" in message and "truncation='longest_first'" in message


def test_the_default_limit_is_model_max_length(tiny_tokenizer):
    text = "cat " * 511
    with pytest.raises(ValueError, match="513 tokens .* limit of 512"):
        tiny_tokenizer.encode(text)
    assert len(tiny_tokenizer.encode(text, truncation=True)) == 512
    assert len(tiny_tokenizer.tokenize(text)) == 511  # tokenize has no limit


@pytest.mark.parametrize("truncation", [True, "longest_first", "only_first"])
def test_truncating_a_single_text(tiny_tokenizer, truncation):
    encoding = tiny_tokenizer.encode("the cat sat .", max_length=4, truncation=truncation)
    assert encoding.tokens == ["[CLS]", "the", "cat", "[SEP]"]


def test_longest_first_cuts_the_longer_text_and_the_second_on_a_tie(tiny_tokenizer):
    longer = tiny_tokenizer.encode("the cat sat the cat", "dog runs", max_length=9, truncation=True)
    assert longer.tokens == ["[CLS]", "the", "cat", "sat", "the", "[SEP]", "dog", "runs", "[SEP]"]
    tie = tiny_tokenizer.encode("the cat", "dog runs", max_length=6, truncation="longest_first")
    assert tie.tokens == ["[CLS]", "the", "cat", "[SEP]", "dog", "[SEP]"]


def test_only_second_and_only_first_keep_the_other_text_whole(tiny_tokenizer):
    a, b = "the cat sat", "dog runs fast"
    only_second = tiny_tokenizer.encode(a, b, max_length=8, truncation="only_second")
    assert only_second.tokens == ["[CLS]", "the", "cat", "sat", "[SEP]", "dog", "runs", "[SEP]"]
    only_first = tiny_tokenizer.encode(a, b, max_length=8, truncation="only_first")
    assert only_first.tokens == ["[CLS]", "the", "cat", "[SEP]", "dog", "runs", "fast", "[SEP]"]


def test_impossible_truncations_are_clear_errors(tiny_tokenizer):
    with pytest.raises(ValueError, match="keeps the other text whole, but it alone has 3 tokens"):
        tiny_tokenizer.encode("the cat sat", "dog", max_length=5, truncation="only_second")
    with pytest.raises(ValueError, match="needs a pair"):
        tiny_tokenizer.encode("the cat sat", max_length=4, truncation="only_second")
    with pytest.raises(ValueError, match="no room for"):
        tiny_tokenizer.encode("the", max_length=1, truncation=True)
    with pytest.raises(ValueError, match="truncation='both' is not one of"):
        tiny_tokenizer.encode("the", truncation="both")
    with pytest.raises(ValueError, match="padding=True is not one of"):
        tiny_tokenizer.encode("the", padding=True)


def test_windows_over_a_long_context_overlap_by_stride(tiny_tokenizer):
    context = " ".join(["the", "cat", "sat", "dog", "runs", "fast"] * 2)  # 12 tokens
    # 5 per window, moving 3 (Google's doc_stride): an overlap of 2 (Hugging Face's stride)
    windows = encode_windows(tiny_tokenizer, "dog", context, max_length=9, doc_stride=3)
    contexts = [[t for t, s in zip(w.tokens, w.sequence_ids, strict=True) if s == 1] for w in windows]
    assert contexts == [
        ["the", "cat", "sat", "dog", "runs"],
        ["dog", "runs", "fast", "the", "cat"],
        ["the", "cat", "sat", "dog", "runs"],
        ["dog", "runs", "fast"],
    ]
    assert all(w.tokens[:3] == ["[CLS]", "dog", "[SEP]"] for w in windows)
    # Offsets still point into the full context.
    assert windows[1].offsets[3] == (context.index("dog"), context.index("dog") + 3)


def test_windows_of_a_short_input_or_a_single_text(tiny_tokenizer):
    assert len(encode_windows(tiny_tokenizer, "the cat", max_length=8, doc_stride=6)) == 1
    singles = encode_windows(tiny_tokenizer, "the cat sat dog runs", max_length=5, doc_stride=2)
    assert [w.tokens for w in singles] == [
        ["[CLS]", "the", "cat", "sat", "[SEP]"],
        ["[CLS]", "sat", "dog", "runs", "[SEP]"],
    ]
    with pytest.raises(ValueError, match="doc_stride=0 must be a whole number of at least 1"):
        encode_windows(tiny_tokenizer, "the cat sat", max_length=5, doc_stride=0)


def test_special_tokens_written_in_text_are_special_tokens(tiny_tokenizer):
    encoding = tiny_tokenizer.encode("the [MASK] sat")
    assert encoding.tokens == ["[CLS]", "the", "[MASK]", "sat", "[SEP]"]
    assert encoding.offsets[2] == (4, 10) and encoding.word_ids[1:4] == [0, 1, 2]
    assert tiny_tokenizer.tokenize("[mask]") == ["[UNK]", "[UNK]", "[UNK]"]  # lower case is text
    literal = BertTokenizer(tiny_tokenizer.vocab, split_special_tokens=True)
    assert literal.tokenize("[MASK]") == ["[UNK]", "[UNK]", "[UNK]"]


def test_decode_joins_pieces_and_skips_special_tokens(tiny_tokenizer):
    ids = tiny_tokenizer.encode("The cat's unaffable, dog!", "the [MASK]").input_ids
    assert tiny_tokenizer.decode(ids) == "the cat's unaffable, dog! the"
    raw = tiny_tokenizer.decode(ids, clean_up_tokenization_spaces=False)
    assert raw == "the cat ' s unaffable , dog ! the"
    with_specials = tiny_tokenizer.decode(ids, skip_special_tokens=False)
    assert with_specials == "[CLS] the cat's unaffable, dog! [SEP] the [MASK] [SEP]"
    assert tiny_tokenizer.decode(torch.tensor(ids)) == tiny_tokenizer.decode(ids)


def test_converting_between_tokens_and_ids(tiny_tokenizer):
    assert tiny_tokenizer.convert_tokens_to_ids(["cat", "##able", "cow"]) == [13, 7, 1]
    assert tiny_tokenizer.convert_ids_to_tokens([13, 7, 1]) == ["cat", "##able", "[UNK]"]
    with pytest.raises(ValueError, match="Token id 24 is outside this vocabulary of 24 tokens"):
        tiny_tokenizer.convert_ids_to_tokens([24])


def test_tokenize_with_offsets_of_any_length(tiny_tokenizer):
    text = "the cat " * 400
    tokenized = tiny_tokenizer.tokenize_with_offsets(text)
    assert isinstance(tokenized, TokenizedText) and len(tokenized) == 800
    assert tokenized.offsets[-1] == (len(text) - 4, len(text) - 1)
    assert tokenized.word_ids[-1] == 799


def test_save_and_from_pretrained_round_trip(tiny_tokenizer, tmp_path):
    cased = BertTokenizer(tiny_tokenizer.vocab, lowercase=False, model_max_length=128)
    cased.save(tmp_path)
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert config["do_lower_case"] is False and config["model_max_length"] == 128
    loaded = BertTokenizer.from_pretrained(tmp_path)
    assert loaded.vocab == cased.vocab and loaded.model_max_length == 128
    assert loaded.tokenize("The cat") == cased.tokenize("The cat") == ["[UNK]", "cat"]


def test_from_pretrained_reads_do_lower_case_and_the_limit(minilm_dir, minilm_tokenizer):
    assert minilm_tokenizer.basic.lowercase is True
    assert minilm_tokenizer.model_max_length == 512
    assert len(minilm_tokenizer.vocab) == 30522


def test_a_trained_vocabulary_makes_a_tokenizer_that_hugging_face_can_load(tmp_path, transformers_module):
    texts = ["The kitten sat with the cat.", "A puppy ran to the dog!", "The cat and the dog sat."] * 20
    tokenizer = BertTokenizer(train_wordpiece(texts, vocab_size=60))
    encoding = tokenizer.encode("The kitten sat.", "A puppy ran!")
    assert "[UNK]" not in encoding.tokens
    assert encoding.input_ids[0] == 2 and encoding.input_ids.count(3) == 2  # our [CLS]=2, [SEP]=3
    tokenizer.save(tmp_path)
    hugging_face = transformers_module.BertTokenizerFast.from_pretrained(str(tmp_path))
    assert hugging_face("The kitten sat.", "A puppy ran!")["input_ids"] == encoding.input_ids


def test_pre_split_words_keep_their_index_and_an_empty_word_becomes_unk(tiny_tokenizer):
    words = ["the", "\x00", "cat", "sat"]  # the second tokenizes to nothing
    tokenized = tiny_tokenizer.tokenize_words(words)
    assert tokenized.tokens == ["the", "[UNK]", "cat", "sat"]
    assert tokenized.word_ids == [0, 1, 2, 3]
    encoding = tiny_tokenizer.build_inputs(tokenized)
    assert encoding.word_ids == [None, 0, 1, 2, 3, None]
