"""The from-scratch BERT: config, modules, task heads, and Hugging Face checkpoints.

    from bertlib.model import BertConfig, BertForPreTraining, BertModel
    from bertlib.paths import minilm_path

    model = BertForPreTraining(BertConfig.preset("mini", vocab_size=650))  # random init
    encoder = BertModel.from_pretrained(minilm_path())  # the real pretrained all-MiniLM-L6-v2
"""

from .attention import MultiHeadSelfAttention, explicit_attention, fused_attention, padding_mask
from .bert import BertModel, init_bert_weights
from .config import PRESETS, BertConfig
from .heads import (
    BertForMaskedLM,
    BertForPreTraining,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    gather_positions,
    mean_pool,
)
from .outputs import (
    AttentionOutput,
    BertModelOutput,
    EncoderOutput,
    LayerOutput,
    MaskedLMOutput,
    PreTrainingOutput,
    QuestionAnsweringOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)
from .pretrained import CheckpointError, LoadReport

__all__ = [
    "AttentionOutput",
    "BertConfig",
    "BertForMaskedLM",
    "BertForPreTraining",
    "BertForQuestionAnswering",
    "BertForSequenceClassification",
    "BertForTokenClassification",
    "BertModel",
    "BertModelOutput",
    "CheckpointError",
    "EncoderOutput",
    "LayerOutput",
    "LoadReport",
    "MaskedLMOutput",
    "MultiHeadSelfAttention",
    "PRESETS",
    "PreTrainingOutput",
    "QuestionAnsweringOutput",
    "SequenceClassifierOutput",
    "TokenClassifierOutput",
    "explicit_attention",
    "fused_attention",
    "gather_positions",
    "init_bert_weights",
    "mean_pool",
    "padding_mask",
]
