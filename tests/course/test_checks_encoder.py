"""The encoder checks (notebook 05): the solutions pass with every case, an unwritten exercise falls
back to bertlib's version, each typical mistake is caught and named, and the solutions, assembled,
load a real checkpoint strictly."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from bertlib.course import checks
from bertlib.course.checks import ExerciseFailed
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
    (checks.check_add_and_norm, add_and_norm, "add_and_norm"),
    (checks.check_dense_add_norm, DenseAddNorm, "DenseAddNorm"),
    (checks.check_attention_block, AttentionBlock, "AttentionBlock"),
    (checks.check_intermediate, Intermediate, "Intermediate"),
    (checks.check_encoder_layer, EncoderLayer, "EncoderLayer"),
    (checks.check_encoder, Encoder, "Encoder"),
    (checks.check_layer_parameter_count, count_layer_parameters, "count_layer_parameters"),
]
SOLUTION_IDS = [name for _, _, name in SOLUTIONS]


@pytest.mark.parametrize(("check", "solution", "name"), SOLUTIONS, ids=SOLUTION_IDS)
def test_the_solution_passes_every_case_and_is_handed_back(check, solution, name, capsys):
    assert check(solution) is solution
    assert capsys.readouterr().out == f"✔ {name}: all 3 cases pass.\n"


@pytest.mark.parametrize(("check", "solution", "name"), SOLUTIONS, ids=SOLUTION_IDS)
def test_the_checks_leave_the_notebooks_random_numbers_alone(check, solution, name, capsys):
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    check(solution)
    assert torch.equal(torch.rand(3), expected)
    assert torch.is_grad_enabled()  # the checks run without gradients, and give them back


def unwritten_forward(solution):
    """The solution's __init__, but forward still blank: half-written counts as not written
    (test_checks.py tries every check with an unwritten __init__)."""

    class HalfWritten(solution):
        def forward(self, *args):
            raise NotImplementedError()

    return HalfWritten


@pytest.mark.parametrize(
    ("check", "solution", "fallback"),
    [
        (checks.check_encoder_layer, EncoderLayer, bertlib_encoder.EncoderLayer),
        (checks.check_encoder, Encoder, bertlib_encoder.Encoder),
    ],
)
def test_a_half_written_module_gets_bertlibs_version_and_one_line(check, solution, fallback, capsys):
    assert check(unwritten_forward(solution)) is fallback
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "is not written yet" in out and "uses bertlib's version" in out


def test_the_fallbacks_answer_as_the_solutions_do():
    x, s, norm = torch.randn(2, 3, 8), torch.randn(2, 3, 8), nn.LayerNorm(8)
    assert torch.equal(checks.check_add_and_norm.fallback(x, s, norm), add_and_norm(x, s, norm))
    assert checks.check_layer_parameter_count.fallback(768, 3072) == count_layer_parameters(768, 3072) == 7_087_872


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


def renamed(solution, name, wrong_name):
    """An __init__ body for `init_with`: the solution's, with its submodule `name` kept as `wrong_name`."""

    def build(self, *args):
        solution.__init__(self, *args)
        setattr(self, wrong_name, self._modules.pop(name))

    return build


def returning_layer_output(forward):
    """`forward`, with the hidden tensor it returns wrapped in a LayerOutput."""
    return lambda self, *args: LayerOutput(hidden=forward(self, *args))


def wrong(check, solution, *, forwards=(), layer_forwards=(), inits=()):
    """Rows of MISTAKES for one check: (check, the wrong class, the name its message must have).

    `forwards` replace the solution's forward; `layer_forwards` too, with the hidden tensor they
    return wrapped in a LayerOutput; `inits` replace its __init__ (see `init_with`).
    """
    return [
        *[(check, variant(solution, forward=f), named) for f, named in forwards],
        *[(check, variant(solution, forward=returning_layer_output(f)), named) for f, named in layer_forwards],
        *[(check, init_with(solution, build), named) for build, named in inits],
    ]


def dense_add_norm_parts(self, in_features, config, *, eps=None, bias=True, reversed_linear=False):
    sizes = (config.hidden_size, in_features) if reversed_linear else (in_features, config.hidden_size)
    self.dense = nn.Linear(*sizes, bias=bias)
    self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=eps or config.layer_norm_eps)
    self.dropout = nn.Dropout(config.hidden_dropout_prob)


def pre_ln_block(self, x, mask):
    return x + self.output.dense(self.self(self.output.LayerNorm(x), mask).context)


def pre_ln_layer(self, x, mask):
    block = self.attention
    a = x + block.output.dense(block.self(block.output.LayerNorm(x), mask).context)
    return a + self.output.dense(self.intermediate(self.output.LayerNorm(a)))


def no_hidden_states_input(self, x, mask=None):
    states = []
    for layer in self.layer:
        states.append(layer(states[-1] if states else x, mask).hidden)
    return EncoderOutput(last_hidden_state=states[-1], hidden_states=tuple(states))


def every_layer_reads_x(self, x, mask=None):
    states = [x] + [layer(x, mask).hidden for layer in self.layer]
    return EncoderOutput(last_hidden_state=states[-1], hidden_states=tuple(states))


def miscounted(by):
    """count_layer_parameters off by `by(hidden, intermediate)`: one typical miscount."""
    return lambda h, i: count_layer_parameters(h, i) + by(h, i)


MISTAKES = [
    *[
        (checks.check_add_and_norm, add_and_norm_variant, named)
        for add_and_norm_variant, named in [
            (lambda x, s, norm: x + norm(s), "the LayerNorm before the residual.*pre-LN"),
            (lambda x, s, norm: norm(s), "missing residual"),
            (lambda x, s, norm: x + s, "missing LayerNorm"),
            (lambda x, s, norm: norm(x) + s, "normalised the wrong tensor"),
            (lambda x, s, norm: (x + s).long(), "dtype torch.int64"),
        ]
    ],
    *wrong(
        checks.check_dense_add_norm,
        DenseAddNorm,
        forwards=[
            (lambda self, x, r: r + self.LayerNorm(self.dropout(self.dense(x))), "the LayerNorm before the residual"),
            (lambda self, x, r: self.LayerNorm(self.dropout(self.dense(x))), "missing residual"),
            (
                lambda self, x, r: self.LayerNorm(r + F.dropout(self.dense(x), 0.1)),
                "dropout not turned off in eval.*nn.Dropout",
            ),
            (lambda self, x, r: self.LayerNorm(r + self.dense(x)), "missing dropout"),
        ],
        inits=[
            (lambda s, i, c: dense_add_norm_parts(s, i, c, eps=1e-5), "eps"),
            (
                lambda s, i, c: dense_add_norm_parts(s, i, c, bias=False),
                r"parameter names.*unexpected keys dense.bias.*bias=False",
            ),
            (
                lambda s, i, c: dense_add_norm_parts(s, i, c, reversed_linear=True),
                r"shape: dense.weight has shape \(24, 16\) but should have \(16, 24\)",
            ),
            (
                renamed(DenseAddNorm, "LayerNorm", "layer_norm"),
                r"parameter names: .*missing keys layer_norm.weight.*unexpected keys LayerNorm.weight.*"
                r"rename `layer_norm` -> `LayerNorm`",
            ),
        ],
    ),
    *wrong(
        checks.check_attention_block,
        AttentionBlock,
        layer_forwards=[
            (pre_ln_block, "pre-LN instead of post-LN"),
            (
                lambda self, x, m: x + self.output.LayerNorm(self.output.dense(self.self(x, m).context)),
                "the LayerNorm before the residual",
            ),
            (lambda self, x, m: self.output.LayerNorm(self.output.dense(self.self(x, m).context)), "missing residual"),
            (lambda self, x, m: self.output.LayerNorm(x + self.self(x, m).context), "missing output projection"),
            (lambda self, x, m: self.output(self.self(x, None).context, x), "mask not passed on"),
        ],
        forwards=[
            (
                lambda self, x, m: self.output(self.self(x, m).context, x),
                r"type: forward returned a torch.Tensor.*LayerOutput\(hidden=...\)",
            )
        ],
        inits=[
            (
                renamed(AttentionBlock, "self", "attention"),
                r"parameter names: .*missing keys attention.query.weight.*rename `attention` -> `self`",
            )
        ],
    ),
    *wrong(
        checks.check_intermediate,
        Intermediate,
        forwards=[
            (lambda self, x: F.relu(self.dense(x)), "ReLU instead of GELU"),
            (lambda self, x: F.gelu(self.dense(x), approximate="tanh"), "tanh-approximate GELU"),
            (lambda self, x: self.dense(x), "missing activation"),
        ],
        inits=[
            (
                lambda s, c: setattr(s, "dense", nn.Linear(c.intermediate_size, c.hidden_size)),
                r"shape: dense.weight has shape \(16, 24\) but should have \(24, 16\)"
                r".*stores its weight as \(out, in\)",
            )
        ],
    ),
    *wrong(
        checks.check_encoder_layer,
        EncoderLayer,
        layer_forwards=[
            (pre_ln_layer, "pre-LN instead of post-LN"),
            (
                lambda self, x, m: (
                    (a := self.attention(x, m).hidden) + self.output.LayerNorm(self.output.dense(self.intermediate(a)))
                ),
                "the LayerNorm before the residual",
            ),
            (
                lambda self, x, m: self.output.LayerNorm(
                    self.output.dense(self.intermediate(self.attention(x, m).hidden))
                ),
                "missing residual",
            ),
            (
                lambda self, x, m: self.output(self.intermediate(self.attention(x, m).hidden), x),
                "wrong residual: the feed-forward's residual is the attention block's output a",
            ),
            (
                lambda self, x, m: self.output(F.relu(self.intermediate.dense(a := self.attention(x, m).hidden)), a),
                "ReLU instead of GELU",
            ),
            (lambda self, x, m: self.output(self.intermediate(x), x), "attention block skipped"),
            (
                lambda self, x, m: self.output(self.intermediate(a := self.attention(x, None).hidden), a),
                "mask not passed on",
            ),
            (
                lambda self, x, m: self.output(F.dropout(self.intermediate(a := self.attention(x, m).hidden), 0.5), a),
                "dropout not turned off in eval",
            ),
        ],
        inits=[
            (
                renamed(EncoderLayer, "intermediate", "feed_forward"),
                r"parameter names: .*rename `feed_forward` -> `intermediate`",
            )
        ],
    ),
    *wrong(
        checks.check_encoder,
        Encoder,
        inits=[
            (renamed(Encoder, "layer", "layers"), r"parameter names: .*rename `layers` -> `layer`"),
            (
                lambda s, c: s.__dict__.update(layer=[EncoderLayer(c) for _ in range(c.num_hidden_layers)]),
                "parameter names: .*plain Python list hides its layers from PyTorch: keep them in an nn.ModuleList",
            ),
            (
                lambda s, c: setattr(s, "layer", nn.ModuleList([EncoderLayer(c)] * c.num_hidden_layers)),
                r"shared weights: .*\[EncoderLayer\(config\)\] \* n",
            ),
        ],
        forwards=[
            (every_layer_reads_x, "every layer reads the input"),
            (lambda self, x, mask=None: Encoder.forward(self, x, None), "mask not passed on"),
            (no_hidden_states_input, "hidden states: hidden_states has 1 tensors"),
            (
                lambda self, x, mask=None: Encoder.forward(self, x, mask).last_hidden_state,
                r"type: forward returned a torch.Tensor.*EncoderOutput\(",
            ),
        ],
    ),
    *[
        (checks.check_layer_parameter_count, miscount, named)
        for miscount, named in [
            (miscounted(lambda h, i: -5 * h - i), "forgot the biases"),
            (miscounted(lambda h, i: -4 * h), "forgot the LayerNorms.*off by -3,072"),
            (miscounted(lambda h, i: -2 * h), "counted one LayerNorm"),
            (miscounted(lambda h, i: -h * h - h), "forgot the output projection"),
            (miscounted(lambda h, i: -h - i), "forgot the feed-forward's biases"),
            (miscounted(lambda h, i: 1), r"values: .*off by \+1"),
            (lambda h, i: float(count_layer_parameters(h, i)), "type: return an int"),
        ]
    ],
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
