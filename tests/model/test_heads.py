"""Task heads: tied masked LM at masked positions, NSP, pre-training, classification, QA."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from bertlib.model import (
    BertForMaskedLM,
    BertForPreTraining,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    gather_positions,
    mean_pool,
)

from .conftest import perturb

POSITIONS = torch.tensor([[1, 4, 8], [2, 5, 0], [3, 0, 0]])  # (B, P): padding slots point at 0
MLM_LABELS = torch.tensor([[11, 12, 13], [14, 15, -100], [16, -100, -100]])  # -100 in padding slots
NSP_LABELS = torch.tensor([0, 1, 1])


def full_labels(positions: torch.Tensor, labels: torch.Tensor, length: int) -> torch.Tensor:
    """The same MLM targets in HF's (B, T) layout: -100 wherever nothing was masked."""
    out = torch.full((positions.shape[0], length), -100)
    keep = labels != -100
    out[torch.arange(3)[:, None].expand_as(positions)[keep], positions[keep]] = labels[keep]
    return out


def test_gather_positions_picks_rows_per_sequence():
    hidden = torch.arange(2 * 4 * 1).float().view(2, 4, 1)  # hidden[b, t] = 4 b + t
    assert gather_positions(hidden, torch.tensor([[3, 0], [1, 2]]))[..., 0].tolist() == [[3, 0], [5, 6]]


def test_mlm_decoder_is_tied_to_the_word_embeddings(config, batch):
    model = BertForMaskedLM(config)
    assert model.cls.predictions.decoder.weight is model.bert.embeddings.word_embeddings.weight
    assert sum(p.numel() for p in model.parameters()) == sum(
        p.numel() for n, p in model.named_parameters(remove_duplicate=False) if n != "cls.predictions.decoder.weight"
    )
    model(**batch).logits[..., 5].sum().backward()  # gradient through the output layer alone reaches row 5
    assert torch.count_nonzero(model.bert.embeddings.word_embeddings.weight.grad[5]) > 0


def test_logits_at_masked_positions_equal_full_logits_there(config, batch):
    model = perturb(BertForPreTraining(config))
    gathered = model(**batch, masked_positions=POSITIONS).mlm_logits  # (B, P, V)
    full = model(**batch).mlm_logits  # (B, T, V)
    assert gathered.shape == (3, 3, 99) and full.shape == (3, 10, 99)
    torch.testing.assert_close(gathered, full[torch.arange(3)[:, None], POSITIONS], rtol=0, atol=1e-6)


def test_mlm_loss_is_the_same_with_or_without_positions(config, batch):
    model = perturb(BertForMaskedLM(config))
    sparse = model(**batch, masked_positions=POSITIONS, labels=MLM_LABELS).loss
    dense = model(**batch, labels=full_labels(POSITIONS, MLM_LABELS, 10)).loss
    torch.testing.assert_close(sparse, dense, rtol=0, atol=1e-6)


def test_pretraining_loss_is_mlm_plus_nsp(config, batch):
    model = perturb(BertForPreTraining(config))
    out = model(**batch, masked_positions=POSITIONS, mlm_labels=MLM_LABELS, nsp_labels=NSP_LABELS)
    assert out.nsp_logits.shape == (3, 2)
    torch.testing.assert_close(out.nsp_loss, F.cross_entropy(out.nsp_logits, NSP_LABELS))
    keep = MLM_LABELS != -100
    torch.testing.assert_close(out.mlm_loss, F.cross_entropy(out.mlm_logits[keep], MLM_LABELS[keep]))
    torch.testing.assert_close(out.loss, out.mlm_loss + out.nsp_loss)
    only_mlm = model(**batch, masked_positions=POSITIONS, mlm_labels=MLM_LABELS)
    assert only_mlm.nsp_loss is None and torch.equal(only_mlm.loss, only_mlm.mlm_loss)
    assert model(**batch).loss is None


def test_nsp_reads_the_pooled_cls_vector(config, batch):
    model = perturb(BertForPreTraining(config))
    out = model(**batch)
    torch.testing.assert_close(out.nsp_logits, model.cls.seq_relationship(out.bert.pooler_output), rtol=0, atol=0)


def test_mlm_labels_of_wrong_shape_say_what_to_give(config, batch):
    with pytest.raises(ValueError, match=r"mlm_labels should have shape \(3, 3\).*-100 where there is nothing"):
        BertForPreTraining(config)(**batch, masked_positions=POSITIONS, mlm_labels=MLM_LABELS[:, :2])


def test_label_outside_the_classes_is_refused(config, batch):
    with pytest.raises(ValueError, match=r"mlm_labels contains 99, but there are 99 classes.*use -100"):
        BertForPreTraining(config)(**batch, masked_positions=POSITIONS, mlm_labels=MLM_LABELS.clamp(min=99))


def test_masked_position_outside_the_input_is_refused(config, batch):
    with pytest.raises(ValueError, match=r"masked_positions must index a token of the input \(0 to 9\)"):
        BertForPreTraining(config)(**batch, masked_positions=POSITIONS + 5)


def test_sequence_classifier_reads_the_pooler_by_default(config, batch):
    model = perturb(BertForSequenceClassification(config))
    labels = torch.tensor([0, 2, 1])
    out = model(**batch, labels=labels)
    assert out.logits.shape == (3, 3)
    torch.testing.assert_close(out.logits, model.classifier(out.bert.pooler_output), rtol=0, atol=0)
    torch.testing.assert_close(out.loss, F.cross_entropy(out.logits, labels))


def test_mean_pooling_averages_real_tokens_only(config, batch):
    model = perturb(BertForSequenceClassification(config.replace(classifier_pooling="mean")))
    out = model(**batch)
    expected = out.bert.last_hidden_state[2, :4].mean(0)  # sequence 2 has 4 real tokens
    torch.testing.assert_close(mean_pool(out.bert.last_hidden_state, batch["attention_mask"])[2], expected)
    torch.testing.assert_close(out.logits[2], model.classifier(expected), rtol=0, atol=1e-6)
    torch.testing.assert_close(mean_pool(torch.ones(1, 3, 2), None), torch.ones(1, 2))


def test_token_classifier_ignores_minus_100(config, batch):
    model = perturb(BertForTokenClassification(config))
    labels = torch.randint(0, 3, (3, 10)).masked_fill(batch["attention_mask"] == 0, -100)
    out = model(**batch, labels=labels)
    assert out.logits.shape == (3, 10, 3)
    keep = labels != -100
    torch.testing.assert_close(out.loss, F.cross_entropy(out.logits[keep], labels[keep]))
    assert model.bert.pooler is None  # as in HF: no pooler under a token head


def test_qa_loss_is_mean_of_start_and_end_cross_entropy(config, batch):
    model = perturb(BertForQuestionAnswering(config))
    starts, ends = torch.tensor([1, 2, 0]), torch.tensor([3, 5, 0])
    out = model(**batch, start_positions=starts, end_positions=ends)
    assert out.start_logits.shape == out.end_logits.shape == (3, 10)
    expected = (F.cross_entropy(out.start_logits, starts) + F.cross_entropy(out.end_logits, ends)) / 2
    torch.testing.assert_close(out.loss, expected)


def test_qa_positions_outside_the_input_are_an_error(config, batch):
    model = BertForQuestionAnswering(config)
    with pytest.raises(ValueError, match=r"end_positions must index a token of the input \(0 to 9\)"):
        model(**batch, start_positions=torch.tensor([1, 2, 0]), end_positions=torch.tensor([3, 10, 0]))
    with pytest.raises(ValueError, match="both start_positions and end_positions"):
        model(**batch, start_positions=torch.tensor([1, 2, 0]))


def test_classifier_dropout_defaults_to_hidden_dropout(config):
    assert BertForSequenceClassification(config).dropout.p == config.hidden_dropout_prob
    assert BertForTokenClassification(config.replace(classifier_dropout=0.3)).dropout.p == 0.3


@pytest.mark.parametrize("head", [BertForPreTraining, BertForSequenceClassification, BertForQuestionAnswering])
def test_heads_start_with_googles_init(config, head):
    model = head(config)
    for name, parameter in model.named_parameters():
        if name.startswith("bert."):
            continue
        if "LayerNorm.weight" in name:
            assert torch.all(parameter == 1), name
        elif name.endswith("bias"):
            assert torch.count_nonzero(parameter) == 0, name
        else:
            assert 0.01 < parameter.std().item() < 0.03, name
