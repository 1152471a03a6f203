"""The from-scratch BERT: config, modules, task heads, and Hugging Face checkpoints.

from bertlib.model import BertConfig, BertForPreTraining, BertModel
from bertlib.paths import minilm_path

model = BertForPreTraining(BertConfig.preset("mini", vocab_size=650))  # random init
encoder = BertModel.from_pretrained(minilm_path())  # the real pretrained all-MiniLM-L6-v2
"""

from bertlib.model.attention import (
    MultiHeadSelfAttention,
    causal_mask,
    explicit_attention,
    fused_attention,
    padding_mask,
)
from bertlib.model.bert import BertModel, init_bert_weights
from bertlib.model.config import PRESETS, BertConfig
from bertlib.model.heads import (
    BertForMaskedLM,
    BertForPreTraining,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    gather_positions,
    mean_pool,
)
from bertlib.model.outputs import (
    AttentionOutput,
    BertModelOutput,
    EncoderOutput,
    LayerOutput,
    MaskedLMOutput,
    PreTrainingOutput,
    QuestionAnsweringOutput,
    SelfAttentionOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)
from bertlib.model.pretrained import CheckpointError, LoadReport, load_pretrained

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
    "SelfAttentionOutput",
    "LoadReport",
    "MaskedLMOutput",
    "MultiHeadSelfAttention",
    "PRESETS",
    "PreTrainingOutput",
    "QuestionAnsweringOutput",
    "SequenceClassifierOutput",
    "TokenClassifierOutput",
    "causal_mask",
    "explicit_attention",
    "fused_attention",
    "gather_positions",
    "init_bert_weights",
    "load_pretrained",
    "mean_pool",
    "padding_mask",
]
