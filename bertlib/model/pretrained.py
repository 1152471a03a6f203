"""Loading and saving in Hugging Face's format: a folder with config.json and model.safetensors.

Every model class inherits `from_pretrained` and `save_pretrained` from `PretrainedModel`. Its job
ends at moving weights between a folder and a model that the class built: a checkpoint that does
not fit is refused with one error that lists every problem and how to fix it. Nothing is skipped
silently: the only keys left behind are those of parts the model does not have by design (another
task's head, a pooler), and `model.load_report` lists them.
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
        given = self._untie(self._canonical_checkpoint(weights, source), source)
        expected = {self._canonical(k): t for k, t in self.state_dict().items()}
        expected = {k: t for k, t in expected.items() if k not in TIED_KEYS}
        dropped = [k for k in given if k not in expected and self._belongs_elsewhere(k)]
        unexpected = [k for k in given if k not in expected and k not in dropped]
        missing = [k for k in expected if k not in given]
        new = [k for k in missing if allow_new_head and self._is_head(k)]
        wrong_shape = [k for k in given if k in expected and given[k].shape != expected[k].shape]
        problems = self._problems([k for k in missing if k not in new], unexpected, wrong_shape, given, expected)
        if problems:
            raise CheckpointError(f"Cannot load {source} into {type(self).__name__}:\n- " + "\n- ".join(problems))
        self.load_state_dict({self._model_key(k): given[k] for k in given if k in expected}, strict=False)
        return LoadReport(dropped=tuple(dropped), new=tuple(new))

    # -- key bookkeeping -------------------------------------------------------------------------

    def _canonical(self, model_key: str) -> str:
        return model_key if self.trunk_prefix else "bert." + model_key

    def _model_key(self, canonical: str) -> str:
        return canonical if self.trunk_prefix else canonical.removeprefix("bert.")

    def _is_head(self, key: str) -> bool:
        return key.startswith((*self.head_prefixes, POOLER))

    def _belongs_elsewhere(self, key: str) -> bool:
        """A key of a part this model does not have by design: another task's head, HF's constant
        buffers, or the pooler of a model built without one."""
        return key.startswith(HEAD_PREFIXES) or key in BUFFER_KEYS or key.startswith(POOLER)

    @staticmethod
    def _canonical_checkpoint(weights: dict[str, torch.Tensor], source: str) -> dict[str, torch.Tensor]:
        given = {canonical_key(k): t for k, t in weights.items()}
        if len(given) != len(weights):
            raise CheckpointError(
                f"{source} holds some weights twice, with and without the `bert.` prefix; keep one copy of each."
            )
        return given

    @staticmethod
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

    def _problems(
        self,
        missing: list[str],
        unexpected: list[str],
        wrong_shape: list[str],
        given: dict[str, torch.Tensor],
        expected: dict[str, torch.Tensor],
    ) -> list[str]:
        """One line per kind of problem, each naming the keys and the fix."""
        problems = []
        missing_head = [k for k in missing if self._is_head(k)]
        missing_trunk = [k for k in missing if not self._is_head(k)]
        if not any(k in given for k in expected if not self._is_head(k)):
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
        if unexpected:
            problems.append(
                f"unexpected keys: {_listed(unexpected)}. They are not weights of a BERT that config.json "
                "describes; fix config.json (e.g. num_hidden_layers), or convert the checkpoint."
            )
        if wrong_shape:
            shapes = [
                f"{k} is {tuple(given[k].shape)} in the checkpoint but {tuple(expected[k].shape)} in the model"
                for k in wrong_shape
            ]
            problems.append(
                f"wrong shapes: {_listed(shapes)}. config.json (or a config override) does not describe "
                "these weights; set its sizes (vocab_size, hidden_size, num_labels, ...) to the checkpoint's."
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
