"""Probing a model's vectors for one word: is "bank" the same vector in every sentence?

`word_vectors` runs a `BertModel` on a few sentences that each hold a word once and keeps two
vectors of that word per sentence: the top layer's (contextual: it depends on the sentence) and the
input embedding's row (static: the same row of `word_embeddings` wherever the word stands). A word
split into several WordPiece tokens gets the mean of its pieces' vectors. `sense_similarities`
then compares the sentences pairwise by cosine and sums the comparison up within and across the
senses (or roles) the sentences were written for.

Its job ends at the numbers: drawing them is bertlib.viz's (e.g. `plot_matrix`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from bertlib.errors import BertlibInputError
from bertlib.model.bert import BertModel
from bertlib.tokenization import BertTokenizer, Encoding


@dataclass
class WordVectors:
    """One word's vectors in several sentences, one row per sentence."""

    word: str
    sentences: tuple[str, ...]
    contextual: torch.Tensor  # (n, H): the top layer's vector of the word in each sentence
    static: torch.Tensor  # (n, H): the word's input embedding (its word_embeddings row) in each sentence


@dataclass
class SenseSimilarities:
    """Pairwise cosines of one word's vectors, summed up by the sense each sentence was written for."""

    senses: tuple[str, ...]  # the sense (or role) of each sentence, e.g. "river" or "money"
    cosines: torch.Tensor  # (n, n): cosine between the word's vectors in sentences i and j
    within: float  # mean cosine over pairs of different sentences with the same sense
    across: float  # mean cosine over pairs of sentences with different senses
    nearest_same: int  # how many sentences' most similar other sentence has their sense


def word_position(encoding: Encoding, pieces: Sequence[str], word: str, sentence: str) -> list[int]:
    """The token positions of `word` (already split into its WordPiece `pieces`) in one encoded
    sentence. The word must be there exactly once, as a whole word (not part of a longer one)."""
    found = []
    for word_id in dict.fromkeys(w for w in encoding.word_ids if w is not None):
        positions = [i for i, w in enumerate(encoding.word_ids) if w == word_id]
        if [encoding.tokens[i] for i in positions] == list(pieces):
            found.append(positions)
    if len(found) != 1:
        how_often = "does not hold" if not found else f"holds {len(found)} times"
        raise BertlibInputError(
            f"The sentence {sentence!r} {how_often} the word {word!r} (tokens {list(pieces)}); give "
            "sentences that each hold it exactly once, as a word of its own."
        )
    return found[0]


def word_vectors(model: BertModel, tokenizer: BertTokenizer, word: str, sentences: Sequence[str]) -> WordVectors:
    """`word`'s contextual (top layer) and static (input embedding) vector in each sentence.

    The sentences run as one padded batch; the model is used as it is (call `.eval()` first, as
    `from_pretrained` and `load_shipped` do, or dropout makes the vectors random).
    """
    if isinstance(sentences, str) or len(sentences) == 0:
        raise BertlibInputError(
            f'word_vectors needs a list of sentences, got {sentences!r}; pass e.g. ["the bank of the river"].'
        )
    pieces = tokenizer.tokenize(word)
    if len(tokenizer.basic.tokenize(word)) != 1:
        raise BertlibInputError(f"word_vectors needs one word, got {word!r} (tokens {pieces}); pass e.g. 'bank'.")
    batch = tokenizer.encode_batch(list(sentences))
    positions = [
        word_position(encoding, pieces, word, text) for encoding, text in zip(batch.encodings, sentences, strict=True)
    ]
    tensors = batch.to_tensors()
    with torch.no_grad():
        top = model(**tensors.as_kwargs()).last_hidden_state  # (n, T, H)
        table = model.embeddings.word_embeddings.weight  # (V, H)
        contextual = torch.stack([top[row, where].mean(dim=0) for row, where in enumerate(positions)])  # (n, H)
        static = torch.stack([table[tensors.input_ids[row, where]].mean(dim=0) for row, where in enumerate(positions)])
    return WordVectors(word, tuple(sentences), contextual, static)


def sense_similarities(vectors: torch.Tensor, senses: Sequence[str]) -> SenseSimilarities:
    """Cosines between the rows of `vectors` (n, H), and their means within and across `senses`
    (one label per row). Needs two rows of some sense and two different senses."""
    if vectors.ndim != 2 or vectors.shape[0] != len(senses):
        raise BertlibInputError(
            f"sense_similarities needs one sense per row of vectors: got {len(senses)} senses for "
            f"vectors of shape {tuple(vectors.shape)}."
        )
    labels = list(senses)
    same = torch.tensor([[a == b for b in labels] for a in labels])  # (n, n)
    off_diagonal = ~torch.eye(len(labels), dtype=torch.bool)
    if not (same & off_diagonal).any():
        raise BertlibInputError(
            f"sense_similarities found no two sentences of one sense in {labels}; give at least two "
            "sentences of some sense, so that there is something to compare within it."
        )
    if same.all():
        raise BertlibInputError(
            f"sense_similarities got one sense only, {labels[0]!r}; give sentences of at least two senses."
        )
    unit = F.normalize(vectors.float(), dim=1)
    cosines = unit @ unit.T  # (n, n)
    nearest = cosines.masked_fill(~off_diagonal, -2.0).argmax(dim=1)  # (n,): the most similar other sentence
    return SenseSimilarities(
        tuple(labels),
        cosines,
        within=float(cosines[same & off_diagonal].mean()),
        across=float(cosines[~same].mean()),
        nearest_same=int(same[torch.arange(len(labels)), nearest].sum()),
    )
