"""Loading and saving in Hugging Face's format: a folder with config.json and model.safetensors.

Every model class inherits `from_pretrained` and `save_pretrained` from `PretrainedModel`. Its job
ends at moving weights between a folder and a model that the class built: a checkpoint that does
not fit is refused with one error that lists every problem and how to fix it. Nothing is skipped
silently: the only keys left behind are those of parts the model does not have by design (another
task's head, a pooler), and `model.load_report` lists them. `load_pretrained(module, folder)` fills
any module laid out as Hugging Face's BertModel (one you built yourself), strictly: every weight used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from bertlib.errors import BertlibInputError, UnsafeFileError, safe_torch_load
from bertlib.model.config import BertConfig

#: Where each task head lives in a checkpoint, outside the `bert.` trunk.
HEAD_PREFIXES = ("cls.", "classifier.", "qa_outputs.")
#: Constants that Hugging Face's BertEmbeddings stores as buffers and older checkpoints contain.
BUFFER_KEYS = ("bert.embeddings.position_ids", "bert.embeddings.token_type_ids")
#: Copies of tied weights that some checkpoints store twice: alias -> the weight it is tied to.
TIED_KEYS = {
    "cls.predictions.decoder.weight": "bert.embeddings.word_embeddings.weight",
    "cls.predictions.decoder.bias": "cls.predictions.bias",
}
POOLER = "bert.pooler."
_LISTED = 8  # keys named per problem in an error; the count says how many more


class CheckpointError(BertlibInputError):
    """A checkpoint that cannot be loaded into the model asked for (a ValueError, as before)."""


class UnsafeCheckpointError(CheckpointError, UnsafeFileError):
    """A pytorch_model.bin whose pickle holds more than tensors: refused, since loading it could run code."""


@dataclass(frozen=True)
class LoadReport:
    """What `from_pretrained` did besides copying weights one for one."""

    dropped: tuple[str, ...]  # checkpoint keys of parts this model does not have (another head, a pooler)
    new: tuple[str, ...]  # this model's keys the checkpoint lacked, left freshly initialised (allow_new_head)


def read_weights(directory: Path) -> dict[str, torch.Tensor]:
    """The tensors of model.safetensors, or else of pytorch_model.bin. A .bin file is a pickle, and
    a pickle can run code: it is read with torch.load(weights_only=True), which refuses anything
    but tensors and plain containers. A truncated or garbled file is an error naming it."""
    safetensors_file = directory / "model.safetensors"
    if safetensors_file.is_file():
        try:
            return load_file(safetensors_file)
        except SafetensorError as error:
            raise CheckpointError(
                f"{safetensors_file} is damaged: it is truncated or not a safetensors file ({error}). "
                "Copy or download it again (compare its size with the original), or write it again with "
                "save_pretrained from the run that trained it."
            ) from None
    bin_file = directory / "pytorch_model.bin"
    if not bin_file.is_file():
        raise FileNotFoundError(
            f"{directory} has neither model.safetensors nor pytorch_model.bin; "
            "point from_pretrained at a folder written by save_pretrained."
        )
    try:
        weights = safe_torch_load(bin_file, "the model weights")
    except UnsafeFileError as error:
        raise UnsafeCheckpointError(str(error)) from None
    except BertlibInputError as error:
        raise CheckpointError(str(error)) from None
    except (IndexError, KeyError, TypeError, ValueError, AttributeError) as error:
        # torch's unpickler meets garbage in many ways besides the ones safe_torch_load names
        raise CheckpointError(
            f"Could not read {bin_file} (the model weights): the file is truncated or not a PyTorch file "
            f"({type(error).__name__}: {error}). Write it again (re-run the step that made it), or point at "
            "another copy."
        ) from None
    if not isinstance(weights, dict) or not all(isinstance(t, torch.Tensor) for t in weights.values()):
        raise CheckpointError(
            f"{bin_file} does not hold a dict of named tensors (a state_dict), so it is not "
            "a model's weights; point at a folder written by save_pretrained."
        )
    return weights


def canonical_key(key: str) -> str:
    """A checkpoint key with its trunk under `bert.`, whether or not the file wrote the prefix."""
    return key if key.startswith(HEAD_PREFIXES) or key.startswith("bert.") else "bert." + key


def _listed(keys: list[str]) -> str:
    more = f" and {len(keys) - _LISTED} more" if len(keys) > _LISTED else ""
    return ", ".join(keys[:_LISTED]) + more


class PretrainedModel(nn.Module):
    """Base of every bertlib model: it holds the config, and reads and writes HF checkpoints.

    A subclass names where its trunk lives (`trunk_prefix`: "bert." under a head, "" for
    BertModel itself) and which keys are its task head (`head_prefixes`).
    """

    trunk_prefix = "bert."
    head_prefixes: tuple[str, ...] = ()

    def __init__(self, config: BertConfig):
        """Keep `config` (saved beside the weights by `save_pretrained`)."""
        super().__init__()
        self.config = config
        self.load_report: LoadReport | None = None  # set by from_pretrained

    @classmethod
    def from_pretrained(cls, path: str | Path, *, allow_new_head: bool = False, **config_overrides: Any):
        """Build this class from a folder with config.json and model.safetensors (or pytorch_model.bin).

        allow_new_head=True accepts a checkpoint without this class's head (e.g. a pre-trained
        encoder, to fine-tune): the head, and the pooler if missing, keep their fresh init.
        config_overrides change settings that leave the weights' shapes alone (dropout, num_labels
        of a new head, attention_path). The model comes back in eval mode, as HF's does.
        """
        directory = Path(path).expanduser()
        if not (directory / "config.json").is_file():
            raise FileNotFoundError(
                f"{directory / 'config.json'} not found: from_pretrained needs the folder "
                "that save_pretrained (bertlib's or transformers') wrote."
            )
        config = BertConfig.from_json_file(directory / "config.json").replace(**config_overrides)
        model = cls(config)
        model.load_report = model.load_weights(
            read_weights(directory), allow_new_head=allow_new_head, source=str(directory)
        )
        return model.eval()

    def save_pretrained(self, path: str | Path) -> None:
        """Write config.json and model.safetensors that this class and transformers' class of the
        same name both load. Tied copies are written once, as transformers writes them."""
        directory = _save_folder(path, "save_pretrained", "config.json and model.safetensors")
        self.config.to_json_file(directory / "config.json", architecture=type(self).__name__)
        weights = {
            key: tensor.detach().cpu().contiguous()
            for key, tensor in self.state_dict().items()
            if self._canonical(key) not in TIED_KEYS
        }
        save_file(weights, directory / "model.safetensors", metadata={"format": "pt"})

    def load_weights(
        self, weights: dict[str, torch.Tensor], *, allow_new_head: bool = False, source: str = "the checkpoint"
    ) -> LoadReport:
        """Copy a checkpoint's tensors into this model, after checking that every key fits."""
        return load_weights_into(self, weights, allow_new_head=allow_new_head, source=source)

    def _canonical(self, model_key: str) -> str:
        return layout_of(self).canonical(model_key)


def load_pretrained(module: nn.Module, path: str | Path, *, strict: bool = True) -> LoadReport:
    """Fill any nn.Module laid out as Hugging Face's BertModel with the weights in the folder `path`.

    The module's parameter names are the checkpoint's keys (`embeddings.word_embeddings.weight`,
    `encoder.layer.0.attention.self.query.weight`, ..., `pooler.dense.bias`): a model you built
    yourself loads as long as you named its submodules as HF's BERT does. strict=True (the
    default) uses every weight of the checkpoint and fills every parameter of the module; anything
    else is one CheckpointError naming the keys and the fix. HF's constant buffers
    (`embeddings.position_ids`) are not weights: they are checked to hold what bertlib computes, and
    the report lists them as `dropped`, in the module's key names. The module's train/eval mode is
    left as it is: call `.eval()` to turn dropout off.
    """
    directory = Path(path).expanduser()
    return load_weights_into(module, read_weights(directory), strict=strict, source=str(directory))


@dataclass(frozen=True)
class KeyLayout:
    """Where a model keeps its parameters, against a checkpoint's canonical keys (trunk under `bert.`).

    `trunk_prefix` is "bert." for a model with a task head, "" for a bare encoder (BertModel, or any
    module laid out like it); `head_prefixes` are the keys of its task head.
    """

    trunk_prefix: str = ""
    head_prefixes: tuple[str, ...] = ()

    def canonical(self, model_key: str) -> str:
        """The checkpoint's (canonical) name of one of the model's keys."""
        return model_key if self.trunk_prefix else "bert." + model_key

    def model_key(self, canonical: str) -> str:
        """The model's name of a canonical checkpoint key."""
        return canonical if self.trunk_prefix else canonical.removeprefix("bert.")

    def is_head(self, key: str) -> bool:
        """Whether a canonical key belongs to the task head (or the pooler), which may be new."""
        return key.startswith((*self.head_prefixes, POOLER))


def layout_of(module: nn.Module) -> KeyLayout:
    """A bertlib model's layout, or a bare encoder's for any other module."""
    if isinstance(module, PretrainedModel):
        return KeyLayout(module.trunk_prefix, module.head_prefixes)
    return KeyLayout()


def load_weights_into(
    module: nn.Module,
    weights: dict[str, torch.Tensor],
    *,
    allow_new_head: bool = False,
    strict: bool = False,
    source: str = "the checkpoint",
) -> LoadReport:
    """Copy a checkpoint's tensors into `module`, after checking that every key fits: the one loader.

    Not strict (bertlib's models): keys of parts the model lacks by design (another task's head, a
    pooler, HF's buffers) are left out and listed in the report. strict: every weight must be used.
    """
    layout = layout_of(module)
    given = _untie(_canonical_checkpoint(weights, source), source)
    expected = {layout.canonical(k): t for k, t in module.state_dict().items()}
    expected = {k: t for k, t in expected.items() if k not in TIED_KEYS}
    dropped = [k for k in given if k not in expected and (k in BUFFER_KEYS or (not strict and _belongs_elsewhere(k)))]
    unexpected = [k for k in given if k not in expected and k not in dropped]
    missing = [k for k in expected if k not in given]
    new = [k for k in missing if allow_new_head and not strict and layout.is_head(k)]
    wrong_shape = [k for k in given if k in expected and given[k].shape != expected[k].shape]
    missing = [k for k in missing if k not in new]
    mismatch = KeyMismatch(layout, missing, unexpected, wrong_shape, given, expected)
    problems = _problems(mismatch) if isinstance(module, PretrainedModel) else _naming_problems(mismatch)
    if strict:
        problems += _buffer_problems({k: given[k] for k in dropped}, layout)
    if problems:
        raise CheckpointError(f"Cannot load {source} into {type(module).__name__}:\n- " + "\n- ".join(problems))
    module.load_state_dict({layout.model_key(k): given[k] for k in given if k in expected}, strict=False)
    if not isinstance(module, PretrainedModel):  # a module of your own: its keys as it names them
        dropped = [layout.model_key(k) for k in dropped]
    return LoadReport(dropped=tuple(dropped), new=tuple(new))


def _belongs_elsewhere(key: str) -> bool:
    """A key of a part a bertlib model may lack by design: another task's head, HF's constant
    buffers, or the pooler of a model built without one."""
    return key.startswith(HEAD_PREFIXES) or key in BUFFER_KEYS or key.startswith(POOLER)


def _canonical_checkpoint(weights: dict[str, torch.Tensor], source: str) -> dict[str, torch.Tensor]:
    given = {canonical_key(k): t for k, t in weights.items()}
    if len(given) != len(weights):
        raise CheckpointError(
            f"{source} holds some weights twice, with and without the `bert.` prefix; keep one copy of each."
        )
    return given


def _untie(given: dict[str, torch.Tensor], source: str) -> dict[str, torch.Tensor]:
    """Drop stored copies of tied weights, after checking that they are copies."""
    for alias, tied_to in TIED_KEYS.items():
        if alias not in given:
            continue
        copy = given.pop(alias)
        original = given.setdefault(tied_to, copy)
        if original.shape != copy.shape or not torch.equal(original, copy):
            raise CheckpointError(
                f"In {source}, {alias} differs from {tied_to}. BERT ties its MLM output layer to the "
                "word embeddings, so bertlib keeps one of them; this checkpoint was trained untied "
                "and would lose weights. Load it with transformers instead."
            )
    return given


@dataclass(frozen=True)
class KeyMismatch:
    """How a checkpoint's keys and a model's differ, all in canonical checkpoint names (`layout` maps
    them to the model's): what `load_weights_into` found, for the error that explains it."""

    layout: KeyLayout  # the model's key layout (trunk prefix, head prefixes)
    missing: list[str]  # the model's keys that the checkpoint lacks (and that may not stay new)
    unexpected: list[str]  # the checkpoint's keys that the model has no place for
    wrong_shape: list[str]  # keys of both whose tensors differ in shape
    given: dict[str, torch.Tensor]  # the checkpoint's tensors
    expected: dict[str, torch.Tensor]  # the model's tensors (their shapes are what counts)

    def shape_clashes(self, *, model_names: bool = False) -> list[str]:
        """ "key is (a, b) in the checkpoint but (c, d) in the model" for each key of `wrong_shape`
        (named as the model names it with `model_names`)."""
        return [
            f"{self.layout.model_key(k) if model_names else k} is {tuple(self.given[k].shape)} in the checkpoint "
            f"but {tuple(self.expected[k].shape)} in the model"
            for k in self.wrong_shape
        ]


def _problems(mismatch: KeyMismatch) -> list[str]:
    """One line per kind of problem of a bertlib model (built from config.json), each naming the keys and the fix."""
    layout, missing, given, expected = mismatch.layout, mismatch.missing, mismatch.given, mismatch.expected
    problems = []
    missing_head = [k for k in missing if layout.is_head(k)]
    missing_trunk = [k for k in missing if not layout.is_head(k)]
    if not any(k in given for k in expected if not layout.is_head(k)):
        return [
            f"it holds none of a BERT's weights (no {_listed(sorted(expected)[:2])}; it has e.g. "
            f"{_listed(sorted(given)[:3]) or 'nothing'}), so it is not a BERT checkpoint. Point at the "
            "folder of a BERT checkpoint (one written by save_pretrained), or load this model with "
            "transformers."
        ]
    if missing_head:
        problems.append(
            f"missing keys of this model's head: {_listed(missing_head)}. The checkpoint was saved "
            "from a model without this head (e.g. a bare encoder); to fine-tune from it with a "
            "freshly initialised head, pass allow_new_head=True."
        )
    if missing_trunk:
        problems.append(
            f"missing keys: {_listed(missing_trunk)}. The checkpoint has fewer layers or parts "
            "than config.json describes; fix config.json (e.g. num_hidden_layers) to match the weights."
        )
    if mismatch.unexpected:
        problems.append(
            f"unexpected keys: {_listed(mismatch.unexpected)}. They are not weights of a BERT that config.json "
            "describes; fix config.json (e.g. num_hidden_layers), or convert the checkpoint."
        )
    if mismatch.wrong_shape:
        problems.append(
            f"wrong shapes: {_listed(mismatch.shape_clashes())}. config.json (or a config override) "
            "does not describe these weights; set its sizes (vocab_size, hidden_size, num_labels, ...) to the "
            "checkpoint's."
        )
    return problems


#: HF's names for a BERT's submodules, which a module of your own must use to load a checkpoint.
HF_NAMES = (
    "embeddings.{word_embeddings,position_embeddings,token_type_embeddings,LayerNorm}; "
    "encoder.layer.<i>.attention.self.{query,key,value}; encoder.layer.<i>.attention.output.{dense,LayerNorm}; "
    "encoder.layer.<i>.intermediate.dense; encoder.layer.<i>.output.{dense,LayerNorm}; pooler.dense"
)


def _naming_problems(mismatch: KeyMismatch) -> list[str]:
    """One line per kind of problem of a module built by hand, in the module's own key names: what
    it has that the checkpoint lacks, the reverse, the renames that would fix both, and shapes."""
    layout = mismatch.layout
    ours = [layout.model_key(k) for k in mismatch.missing]
    theirs = [layout.model_key(k) for k in mismatch.unexpected]
    problems = []
    if ours:
        problems.append(
            f"missing keys: {_listed(ours)}. Your model has these parameters, but the checkpoint has no "
            "weights of these names."
        )
    if theirs:
        problems.append(
            f"unexpected keys: {_listed(theirs)}. The checkpoint has these weights, but your model has no "
            "parameters of these names, and a strict load uses every weight."
        )
    renames = rename_hints(ours, theirs)
    if renames:
        problems.append(f"rename {_listed(renames)} in your model's __init__, so that its keys are the checkpoint's.")
    if ours or theirs:
        problems.append(
            f"Name your submodules as Hugging Face's BERT does: {HF_NAMES}. "
            "sorted(model.state_dict()) lists your model's keys."
        )
    if mismatch.wrong_shape:
        problems.append(
            f"wrong shapes: {_listed(mismatch.shape_clashes(model_names=True))}. "
            "Build the model from the checkpoint's config.json (BertConfig.from_json_file), and check the sizes "
            "each nn.Linear maps from and to: nn.Linear(in, out) stores its weight as (out, in)."
        )
    return problems


def rename_hints(ours: list[str], theirs: list[str]) -> list[str]:
    """`layer_norm` -> `LayerNorm` for every pair of keys (yours, the checkpoint's) that differ in one
    dotted part only: the renames that would make a module's keys the checkpoint's."""
    renames: dict[str, None] = {}  # ordered and without repeats: one rename serves every layer
    for key in ours:
        parts = key.split(".")
        for other in theirs:
            other_parts = other.split(".")
            if len(other_parts) != len(parts):
                continue
            differing = [(a, b) for a, b in zip(parts, other_parts, strict=True) if a != b]
            if len(differing) == 1:
                renames[f"`{differing[0][0]}` -> `{differing[0][1]}`"] = None
    return list(renames)


def _buffer_problems(buffers: dict[str, torch.Tensor], layout: KeyLayout) -> list[str]:
    """HF's constant buffers must hold what bertlib computes instead of storing (positions 0, 1, ...; segments 0)."""
    problems = []
    for key, tensor in buffers.items():
        flat = tensor.reshape(-1)  # HF stores (1, max_position_embeddings)
        positions = key.endswith("position_ids")
        wanted = torch.arange(flat.numel()) if positions else torch.zeros(flat.numel(), dtype=torch.long)
        if not torch.equal(flat.long(), wanted):
            problems.append(
                f"{layout.model_key(key)} is not Hugging Face's constant ({'0, 1, 2, ...' if positions else 'all 0'}), "
                "which bertlib computes instead of storing, so loading would change the model; "
                "load it with transformers."
            )
    return problems


def _save_folder(path: str | Path, method: str, files: str) -> Path:
    """The folder to save into (``~`` expanded), made if missing; a file in the way is an error
    that names it, not a bare FileExistsError from mkdir."""
    directory = Path(path).expanduser()
    blocker = next((p for p in (directory, *directory.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise BertlibInputError(
            f"{blocker} is a file, so {method} cannot make the folder {directory} (it writes {files} "
            "there). Choose another path, e.g. a new folder name."
        )
    directory.mkdir(parents=True, exist_ok=True)
    return directory
