"""Text -> tokens -> ids, and back: BERT's WordPiece tokenizer, written from scratch.

- basic.py: cleaning, lower-casing, accents, punctuation and CJK, with offsets (`BasicTokenizer`);
- wordpiece.py: the vocabulary (`Vocab`) and greedy longest-match-first WordPiece (`WordPiece`);
- trainer.py: learning a vocabulary of a given size (`train_wordpiece`);
- tokenizer.py: `BertTokenizer`, for single texts and pairs, with padding, truncation, offsets and decoding;
- batch.py: `Batch`, the one batch type of bertlib (call a model with ``model(**batch.as_kwargs())``),
  and `IGNORE_INDEX`, the label of a position that takes no part in a loss;
- windows.py: `window_starts`, the one windowing routine (Google's `doc_stride`).
"""

from bertlib.tokenization.basic import BasicTokenizer, Word
from bertlib.tokenization.batch import IGNORE_INDEX, Batch
from bertlib.tokenization.tokenizer import (
    BatchEncoding,
    BertTokenizer,
    Encoding,
    TokenizedText,
    clean_up_tokenization,
)
from bertlib.tokenization.trainer import count_words, train_wordpiece
from bertlib.tokenization.windows import window_starts
from bertlib.tokenization.wordpiece import SPECIAL_TOKENS, Piece, SpecialIds, Vocab, WordPiece

__all__ = [
    "IGNORE_INDEX",
    "Batch",
    "SPECIAL_TOKENS",
    "BasicTokenizer",
    "BatchEncoding",
    "BertTokenizer",
    "Encoding",
    "Piece",
    "SpecialIds",
    "TokenizedText",
    "Vocab",
    "Word",
    "WordPiece",
    "clean_up_tokenization",
    "count_words",
    "train_wordpiece",
    "window_starts",
]
