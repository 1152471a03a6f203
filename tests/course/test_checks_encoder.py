"""The encoder checks (notebook 05): the solutions pass with every case, an unwritten exercise falls
back to bertlib's version, each typical mistake is caught and named, and the solutions, assembled,
load a real checkpoint strictly."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from bertlib.course.checks import (
    ExerciseFailed,
    check_add_and_norm,
    check_attention_block,
    check_dense_add_norm,
    check_encoder,
    check_encoder_layer,
    check_intermediate,
    check_layer_parameter_count,
)
from bertlib.model import (
    BertConfig,
    BertModel,
    BertModelOutput,
    EncoderOutput,
    LayerOutput,
    MultiHeadSelfAttention,
    load_pretrained,
    padding_mask,
)
from bertlib.model import encoder as bertlib_encoder
from bertlib.model.bert import Pooler
from bertlib.model.embeddings import BertEmbeddings

# ----------------------------------------------------------------------------- the notebook's solutions


def add_and_norm(x, sublayer_out, layer_norm):
    return layer_norm(x + sublayer_out)


class DenseAddNorm(nn.Module):
    def __init__(self, in_features, config):
        super().__init__()
        self.dense = nn.Linear(in_features, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, x, residual):
        return add_and_norm(residual, self.dropout(self.dense(x)), self.LayerNorm)


class AttentionBlock(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.self = MultiHeadSelfAttention(config)
        self.output = DenseAddNorm(config.hidden_size, config)

    def forward(self, x, mask):
        context = self.self(x, mask).context
        return LayerOutput(hidden=self.output(context, x))


class Intermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)

    def forward(self, x):
        return F.gelu(self.dense(x))


class EncoderLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = AttentionBlock(config)
        self.intermediate = Intermediate(config)
        self.output = DenseAddNorm(config.intermediate_size, config)

    def forward(self, x, mask):
        a = self.attention(x, mask).hidden
        return LayerOutput(hidden=self.output(self.intermediate(a), a))


class Encoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.layer = nn.ModuleList(EncoderLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, x, mask=None):
        states = [x]
        for layer in self.layer:
            states.append(layer(states[-1], mask).hidden)
        return EncoderOutput(last_hidden_state=states[-1], hidden_states=tuple(states))


def count_layer_parameters(hidden, intermediate):
    attention = 4 * (hidden * hidden + hidden)
    feed_forward = (hidden * intermediate + intermediate) + (intermediate * hidden + hidden)
    return attention + feed_forward + 2 * 2 * hidden


class YourBert(nn.Module):
    """The notebook's assembly: bertlib's embeddings and pooler around the student's encoder."""

    def __init__(self, config, encoder=Encoder):
        super().__init__()
        self.embeddings = BertEmbeddings(config)
        self.encoder = encoder(config)
        self.pooler = Pooler(config)

    def forward(self, input_ids, token_type_ids, attention_mask):
        encoded = self.encoder(self.embeddings(input_ids, token_type_ids), padding_mask(attention_mask))
        return BertModelOutput(
            last_hidden_state=encoded.last_hidden_state,
            hidden_states=encoded.hidden_states,
            pooler_output=self.pooler(encoded.last_hidden_state),
        )


SOLUTIONS = [
    (check_add_and_norm, add_and_norm, "add_and_norm"),
    (check_dense_add_norm, DenseAddNorm, "DenseAddNorm"),
    (check_attention_block, AttentionBlock, "AttentionBlock"),
    (check_intermediate, Intermediate, "Intermediate"),
    (check_encoder_layer, EncoderLayer, "EncoderLayer"),
    (check_encoder, Encoder, "Encoder"),
    (check_layer_parameter_count, count_layer_parameters, "count_layer_parameters"),
]
SOLUTION_IDS = [name for _, _, name in SOLUTIONS]


@pytest.mark.parametrize(("check", "solution", "name"), SOLUTIONS, ids=SOLUTION_IDS)
def test_the_solution_passes_every_case_and_is_handed_back(check, solution, name, capsys):
    assert check(solution) is solution
    out = capsys.readouterr().out
    assert out.startswith(f"✔ {name}: all ") and "cases pass." in out
    assert int(out.split("all ")[1].split()[0]) >= 3


@pytest.mark.parametrize(("check", "solution", "name"), SOLUTIONS, ids=SOLUTION_IDS)
def test_the_checks_leave_the_notebooks_random_numbers_alone(check, solution, name, capsys):
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    check(solution)
    assert torch.equal(torch.rand(3), expected)


# ----------------------------------------------------------------------------- unwritten exercises


def unwritten_function(*args):
    raise NotImplementedError()


class UnwrittenInit(nn.Module):
    def __init__(self, *args):
        super().__init__()
        raise NotImplementedError()


def unwritten_forward(solution):
    """The solution's __init__, but forward still blank: half-written counts as not written."""

    class HalfWritten(solution):
        def forward(self, *args):
            raise NotImplementedError()

    return HalfWritten


FALLBACKS = [
    (check_add_and_norm, unwritten_function, "add_and_norm"),
    (check_dense_add_norm, UnwrittenInit, bertlib_encoder.DenseAddNorm),
    (check_attention_block, UnwrittenInit, bertlib_encoder.AttentionBlock),
    (check_intermediate, UnwrittenInit, bertlib_encoder.Intermediate),
    (check_encoder_layer, UnwrittenInit, bertlib_encoder.EncoderLayer),
    (check_encoder, UnwrittenInit, bertlib_encoder.Encoder),
    (check_encoder_layer, unwritten_forward(EncoderLayer), bertlib_encoder.EncoderLayer),
    (check_encoder, unwritten_forward(Encoder), bertlib_encoder.Encoder),
    (check_layer_parameter_count, unwritten_function, "count_layer_parameters"),
]


@pytest.mark.parametrize(("check", "unwritten", "fallback"), FALLBACKS)
def test_an_unwritten_exercise_gets_bertlibs_version_and_one_line(check, unwritten, fallback, capsys):
    got = check(unwritten)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "is not written yet" in out and "uses bertlib's version" in out
    if isinstance(fallback, str):  # a function: bertlib's version answers as the solution does
        assert got is not unwritten and check(got) is got
    else:
        assert got is fallback


def test_the_fallbacks_answer_as_the_solutions_do():
    x, s, norm = torch.randn(2, 3, 8), torch.randn(2, 3, 8), nn.LayerNorm(8)
    assert torch.equal(check_add_and_norm.fallback(x, s, norm), add_and_norm(x, s, norm))
    assert check_layer_parameter_count.fallback(768, 3072) == count_layer_parameters(768, 3072) == 7_087_872


# ----------------------------------------------------------------------------- typical mistakes


def variant(solution, **methods):
    """A subclass of a solution class with some methods replaced: one typical mistake."""
    return type(f"Wrong{solution.__name__}", (solution,), methods)


def init_with(solution, build):
    """A variant whose __init__ is `build(self, *args)` instead of the solution's."""

    def __init__(self, *args):
        nn.Module.__init__(self)
        build(self, *args)

    return variant(solution, __init__=__init__)


def dense_add_norm_parts(self, in_features, config, *, eps=None, bias=True, reversed_linear=False):
    sizes = (config.hidden_size, in_features) if reversed_linear else (in_features, config.hidden_size)
    self.dense = nn.Linear(*sizes, bias=bias)
    self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=eps or config.layer_norm_eps)
    self.dropout = nn.Dropout(config.hidden_dropout_prob)


def pre_ln_block(self, x, mask):
    return LayerOutput(hidden=x + self.output.dense(self.self(self.output.LayerNorm(x), mask).context))


def pre_ln_layer(self, x, mask):
    block = self.attention
    a = x + block.output.dense(block.self(block.output.LayerNorm(x), mask).context)
    return LayerOutput(hidden=a + self.output.dense(self.intermediate(self.output.LayerNorm(a))))


def no_hidden_states_input(self, x, mask=None):
    states = []
    for layer in self.layer:
        states.append(layer(states[-1] if states else x, mask).hidden)
    return EncoderOutput(last_hidden_state=states[-1], hidden_states=tuple(states))


def every_layer_reads_x(self, x, mask=None):
    states = [x] + [layer(x, mask).hidden for layer in self.layer]
    return EncoderOutput(last_hidden_state=states[-1], hidden_states=tuple(states))


MISTAKES = [
    # add & norm
    (check_add_and_norm, lambda x, s, norm: x + norm(s), "the LayerNorm before the residual.*pre-LN"),
    (check_add_and_norm, lambda x, s, norm: norm(s), "missing residual"),
    (check_add_and_norm, lambda x, s, norm: x + s, "missing LayerNorm"),
    (check_add_and_norm, lambda x, s, norm: norm(x) + s, "normalised the wrong tensor"),
    (check_add_and_norm, lambda x, s, norm: (x + s).long(), "dtype torch.int64"),
    # dense, dropout, add & norm
    (
        check_dense_add_norm,
        variant(DenseAddNorm, forward=lambda self, x, r: r + self.LayerNorm(self.dropout(self.dense(x)))),
        "the LayerNorm before the residual",
    ),
    (
        check_dense_add_norm,
        variant(DenseAddNorm, forward=lambda self, x, r: self.LayerNorm(self.dropout(self.dense(x)))),
        "missing residual",
    ),
    (
        check_dense_add_norm,
        variant(DenseAddNorm, forward=lambda self, x, r: self.LayerNorm(r + F.dropout(self.dense(x), 0.1))),
        "dropout not turned off in eval.*nn.Dropout",
    ),
    (
        check_dense_add_norm,
        variant(DenseAddNorm, forward=lambda self, x, r: self.LayerNorm(r + self.dense(x))),
        "missing dropout",
    ),
    (check_dense_add_norm, init_with(DenseAddNorm, lambda s, i, c: dense_add_norm_parts(s, i, c, eps=1e-5)), "eps"),
    (
        check_dense_add_norm,
        init_with(DenseAddNorm, lambda s, i, c: dense_add_norm_parts(s, i, c, bias=False)),
        r"parameter names.*unexpected keys dense.bias.*bias=False",
    ),
    (
        check_dense_add_norm,
        init_with(DenseAddNorm, lambda s, i, c: dense_add_norm_parts(s, i, c, reversed_linear=True)),
        r"shape: dense.weight has shape \(24, 16\) but should have \(16, 24\)",
    ),
    (
        check_dense_add_norm,
        init_with(
            DenseAddNorm,
            lambda s, i, c: (
                dense_add_norm_parts(s, i, c),
                setattr(s, "layer_norm", s.LayerNorm),
                delattr(s, "LayerNorm"),
            ),
        ),
        r"parameter names: .*missing keys layer_norm.weight.*unexpected keys LayerNorm.weight.*"
        r"rename `layer_norm` -> `LayerNorm`",
    ),
    # the attention block
    (check_attention_block, variant(AttentionBlock, forward=pre_ln_block), "pre-LN instead of post-LN"),
    (
        check_attention_block,
        variant(
            AttentionBlock,
            forward=lambda self, x, m: LayerOutput(
                hidden=x + self.output.LayerNorm(self.output.dense(self.self(x, m).context))
            ),
        ),
        "the LayerNorm before the residual",
    ),
    (
        check_attention_block,
        variant(
            AttentionBlock,
            forward=lambda self, x, m: LayerOutput(
                hidden=self.output.LayerNorm(self.output.dense(self.self(x, m).context))
            ),
        ),
        "missing residual",
    ),
    (
        check_attention_block,
        variant(
            AttentionBlock,
            forward=lambda self, x, m: LayerOutput(hidden=self.output.LayerNorm(x + self.self(x, m).context)),
        ),
        "missing output projection",
    ),
    (
        check_attention_block,
        variant(
            AttentionBlock, forward=lambda self, x, m: LayerOutput(hidden=self.output(self.self(x, None).context, x))
        ),
        "mask not passed on",
    ),
    (
        check_attention_block,
        variant(AttentionBlock, forward=lambda self, x, m: self.output(self.self(x, m).context, x)),
        r"type: forward returned a torch.Tensor.*LayerOutput\(hidden=...\)",
    ),
    (
        check_attention_block,
        init_with(
            AttentionBlock,
            lambda s, c: (
                setattr(s, "attention", MultiHeadSelfAttention(c)),
                setattr(s, "output", DenseAddNorm(c.hidden_size, c)),
            ),
        ),
        r"parameter names: .*missing keys attention.query.weight.*rename `attention` -> `self`",
    ),
    # the feed-forward's first half
    (check_intermediate, variant(Intermediate, forward=lambda self, x: F.relu(self.dense(x))), "ReLU instead of GELU"),
    (
        check_intermediate,
        variant(Intermediate, forward=lambda self, x: F.gelu(self.dense(x), approximate="tanh")),
        "tanh-approximate GELU",
    ),
    (check_intermediate, variant(Intermediate, forward=lambda self, x: self.dense(x)), "missing activation"),
    (
        check_intermediate,
        init_with(Intermediate, lambda s, c: setattr(s, "dense", nn.Linear(c.intermediate_size, c.hidden_size))),
        r"shape: dense.weight has shape \(16, 24\) but should have \(24, 16\).*stores its weight as \(out, in\)",
    ),
    # the encoder layer
    (check_encoder_layer, variant(EncoderLayer, forward=pre_ln_layer), "pre-LN instead of post-LN"),
    (
        check_encoder_layer,
        variant(
            EncoderLayer,
            forward=lambda self, x, m: LayerOutput(
                hidden=(a := self.attention(x, m).hidden)
                + self.output.LayerNorm(self.output.dense(self.intermediate(a)))
            ),
        ),
        "the LayerNorm before the residual",
    ),
    (
        check_encoder_layer,
        variant(
            EncoderLayer,
            forward=lambda self, x, m: LayerOutput(
                hidden=self.output.LayerNorm(self.output.dense(self.intermediate(self.attention(x, m).hidden)))
            ),
        ),
        "missing residual",
    ),
    (
        check_encoder_layer,
        variant(
            EncoderLayer,
            forward=lambda self, x, m: LayerOutput(
                hidden=self.output(self.intermediate(self.attention(x, m).hidden), x)
            ),
        ),
        "wrong residual: the feed-forward's residual is the attention block's output a",
    ),
    (
        check_encoder_layer,
        variant(
            EncoderLayer,
            forward=lambda self, x, m: LayerOutput(
                hidden=self.output(F.relu(self.intermediate.dense(a := self.attention(x, m).hidden)), a)
            ),
        ),
        "ReLU instead of GELU",
    ),
    (
        check_encoder_layer,
        variant(EncoderLayer, forward=lambda self, x, m: LayerOutput(hidden=self.output(self.intermediate(x), x))),
        "attention block skipped",
    ),
    (
        check_encoder_layer,
        variant(
            EncoderLayer,
            forward=lambda self, x, m: LayerOutput(
                hidden=self.output(self.intermediate(a := self.attention(x, None).hidden), a)
            ),
        ),
        "mask not passed on",
    ),
    (
        check_encoder_layer,
        variant(
            EncoderLayer,
            forward=lambda self, x, m: LayerOutput(
                hidden=self.output(F.dropout(self.intermediate(a := self.attention(x, m).hidden), 0.5), a)
            ),
        ),
        "dropout not turned off in eval",
    ),
    (
        check_encoder_layer,
        init_with(
            EncoderLayer,
            lambda s, c: (
                setattr(s, "attention", AttentionBlock(c)),
                setattr(s, "feed_forward", Intermediate(c)),
                setattr(s, "output", DenseAddNorm(c.intermediate_size, c)),
            ),
        ),
        r"parameter names: .*rename `feed_forward` -> `intermediate`",
    ),
    # the encoder
    (
        check_encoder,
        init_with(
            Encoder,
            lambda s, c: setattr(s, "layers", nn.ModuleList(EncoderLayer(c) for _ in range(c.num_hidden_layers))),
        ),
        r"parameter names: .*rename `layers` -> `layer`",
    ),
    (
        check_encoder,
        init_with(Encoder, lambda s, c: s.__dict__.update(layer=[EncoderLayer(c) for _ in range(c.num_hidden_layers)])),
        "parameter names: .*plain Python list hides its layers from PyTorch: keep them in an nn.ModuleList",
    ),
    (
        check_encoder,
        init_with(Encoder, lambda s, c: setattr(s, "layer", nn.ModuleList([EncoderLayer(c)] * c.num_hidden_layers))),
        r"shared weights: .*\[EncoderLayer\(config\)\] \* n",
    ),
    (check_encoder, variant(Encoder, forward=every_layer_reads_x), "every layer reads the input"),
    (
        check_encoder,
        variant(Encoder, forward=lambda self, x, mask=None: Encoder.forward(self, x, None)),
        "mask not passed on",
    ),
    (check_encoder, variant(Encoder, forward=no_hidden_states_input), "hidden states: hidden_states has 1 tensors"),
    (
        check_encoder,
        variant(Encoder, forward=lambda self, x, mask=None: Encoder.forward(self, x, mask).last_hidden_state),
        r"type: forward returned a torch.Tensor.*EncoderOutput\(",
    ),
    # counting
    (check_layer_parameter_count, lambda h, i: count_layer_parameters(h, i) - 5 * h - i, "forgot the biases"),
    (check_layer_parameter_count, lambda h, i: count_layer_parameters(h, i) - 4 * h, "forgot the LayerNorms.*off by"),
    (check_layer_parameter_count, lambda h, i: count_layer_parameters(h, i) - 2 * h, "counted one LayerNorm"),
    (
        check_layer_parameter_count,
        lambda h, i: count_layer_parameters(h, i) - h * h - h,
        "forgot the output projection",
    ),
    (
        check_layer_parameter_count,
        lambda h, i: count_layer_parameters(h, i) - h - i,
        "forgot the feed-forward's biases",
    ),
    (check_layer_parameter_count, lambda h, i: count_layer_parameters(h, i) + 1, r"values: .*off by \+1"),
    (check_layer_parameter_count, lambda h, i: float(count_layer_parameters(h, i)), "type: return an int"),
]


def mistake_id(mistake):
    check, _, pattern = mistake
    return f"{check.__name__.removeprefix('check_')}-{pattern.split(':')[0].split('.')[0][:40]}"


@pytest.mark.parametrize(("check", "wrong", "named"), MISTAKES, ids=[mistake_id(m) for m in MISTAKES])
def test_each_typical_mistake_is_caught_and_named(check, wrong, named):
    with pytest.raises(ExerciseFailed, match=named):
        check(wrong)


# ----------------------------------------------------------------------------- the assembled model


def tiny_config():
    return BertConfig(
        vocab_size=60,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=24,
        max_position_embeddings=12,
    )


def test_the_assembled_solutions_load_a_checkpoint_strictly_and_compute_bertmodel(tmp_path):
    config = tiny_config()
    reference = BertModel(config)
    with torch.no_grad():
        for parameter in reference.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    reference.save_pretrained(tmp_path)
    yours = YourBert(config)
    report = load_pretrained(yours, tmp_path)
    assert report.dropped == () and report.new == ()
    yours.eval()
    reference.eval()
    input_ids = torch.randint(1, 60, (2, 7))
    attention_mask = torch.tensor([[1] * 7, [1] * 4 + [0] * 3])
    token_type_ids = torch.zeros_like(input_ids)
    with torch.no_grad():
        mine = yours(input_ids, token_type_ids, attention_mask)
        theirs = reference(input_ids, token_type_ids, attention_mask)
    assert torch.allclose(mine.last_hidden_state, theirs.last_hidden_state, atol=1e-6)
    assert torch.allclose(mine.pooler_output, theirs.pooler_output, atol=1e-6)


def test_the_assembled_solutions_take_every_minilm_weight(minilm_dir):
    yours = YourBert(BertConfig.from_json_file(minilm_dir / "config.json"))
    report = load_pretrained(yours, minilm_dir)  # strict: raises if a key does not fit
    assert report.dropped == ("embeddings.position_ids",)  # HF's constant, checked, not a weight
    expected = BertModel.from_pretrained(minilm_dir).state_dict()
    assert set(yours.state_dict()) == set(expected)
    assert all(torch.equal(tensor, expected[key]) for key, tensor in yours.state_dict().items())
