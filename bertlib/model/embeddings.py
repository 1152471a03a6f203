"""BERT's input layer: one vector per token from its id, its position and its segment.

Its job ends at the (B, T, H) vectors the first encoder layer reads. Checking that the ids are
valid is BertModel's, at the public boundary (see `bert.validate_inputs`).
"""

from __future__ import annotations

import torch
from torch import nn

from bertlib.model.config import BertConfig


class BertEmbeddings(nn.Module):
    """Token + position + segment embeddings, then LayerNorm and dropout:

        E_t = Dropout(LayerNorm(W_tok[x_t] + W_seg[s_t] + W_pos[t]))

    Positions are learned (one row per index 0..max_position_embeddings-1), not sinusoidal.
    The [PAD] row of W_tok starts at zero and never gets a gradient from the lookup, as in
    Hugging Face's BERT.
    """

    def __init__(self, config: BertConfig):
        """Word, position and token-type embeddings, LayerNorm and dropout of `config`'s sizes."""
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        """(B, T) token ids and (B, T) segment ids -> (B, T, H) input vectors."""
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)  # (T,)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)  # (B, T, H)
        x = x + self.position_embeddings(positions)  # (B, T, H) + (T, H) broadcasts over the batch
        return self.dropout(self.LayerNorm(x))
