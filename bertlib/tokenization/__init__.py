"""Text -> tokens -> ids, and back: BERT's WordPiece tokenizer, written from scratch.

- basic.py: cleaning, lower-casing, accents, punctuation and CJK, with offsets (`BasicTokenizer`);
- wordpiece.py: the vocabulary (`Vocab`) and greedy longest-match-first WordPiece (`WordPiece`);
- trainer.py: learning a vocabulary of a given size (`train_wordpiece`);
- tokenizer.py: `BertTokenizer`, for single texts and pairs, with padding, truncation, offsets and decoding.
"""

from bertlib.tokenization.basic import BasicTokenizer, Word
from bertlib.tokenization.tokenizer import (
    BatchEncoding,
    BertTokenizer,
    Encoding,
    TensorBatch,
    TokenizedText,
    clean_up_tokenization,
)
from bertlib.tokenization.trainer import count_words, train_wordpiece
from bertlib.tokenization.wordpiece import SPECIAL_TOKENS, Piece, SpecialIds, Vocab, WordPiece

__all__ = [
    "SPECIAL_TOKENS",
    "BasicTokenizer",
    "BatchEncoding",
    "BertTokenizer",
    "Encoding",
    "Piece",
    "SpecialIds",
    "TensorBatch",
    "TokenizedText",
    "Vocab",
    "Word",
    "WordPiece",
    "clean_up_tokenization",
    "count_words",
    "train_wordpiece",
]
