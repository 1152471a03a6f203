"""Checking an nn.Module exercise: build the student's module, fill it with bertlib's weights by
name (as a strict load would), and run its forward with friendly errors.

Notebook 04's MultiHeadSelfAttention and notebook 05's encoder modules are checked this one way,
each check decorated with `module_check`, which gives it its `ModuleChecker` and prints the verdict. A
wrong parameter name or shape is reported as PyTorch's strict load reports it (missing / unexpected
keys), with the rename that would fix it. Its job ends at running the module: what the outputs
should be, and the typical wrong ones, live in the check of each exercise.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from bertlib.course.checks.framework import Checker, ExerciseFailed, ExerciseNotDone, describe, exercise_check
from bertlib.model.pretrained import HF_NAMES, rename_hints


def isolated(check: Callable[..., None]) -> Callable[..., None]:
    """Run a check from seed 0 and without gradients, leaving the notebook's random numbers alone
    (the copy of a notebook must draw the same numbers after the check whether the exercise is
    written or not)."""

    @functools.wraps(check)
    def seeded(*args: Any, **kwargs: Any) -> None:
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(0)
            check(*args, **kwargs)

    return seeded


def module_check(
    fallback: type[nn.Module],
) -> Callable[[Callable[[ModuleChecker], None]], Callable[[type[nn.Module]], Any]]:
    """Decorator for the check of an nn.Module exercise, given bertlib's class (`fallback`).

    The decorated function gets a `ModuleChecker` named after `fallback`, holding the student's
    class, and tries its cases. What notebooks call takes the student's class instead,
    `DenseAddNorm = check_dense_add_norm(DenseAddNorm)`: it runs those cases `isolated`, prints the
    verdict once they all pass, and hands back what `exercise_check` does (the student's class, or
    `fallback` while the exercise is not written yet).
    """

    def decorate(cases: Callable[[ModuleChecker], None]) -> Callable[[type[nn.Module]], Any]:
        @functools.wraps(cases)
        def check(module_class: type[nn.Module]) -> None:
            checker = ModuleChecker(fallback.__name__, module_class)
            cases(checker)
            checker.done()

        del check.__wrapped__  # help() shows the student's side: check(module_class)
        return exercise_check(fallback)(isolated(check))

    return decorate


class ModuleChecker(Checker):
    """A Checker for an nn.Module exercise: `build` makes the student's module (via `call`, one
    case each) and fills it with bertlib's weights by name; `run` calls its forward."""

    def build(self, args: tuple, reference: nn.Module, case: str, *, shapes: str = "") -> nn.Module:
        """The student's module built from `args`, with `reference`'s weights, in eval mode.

        `shapes` says what the exercise's parameters should be, for a parameter of the wrong shape.
        """
        module = self.call(*args, case=case)
        self.expect(
            isinstance(module, nn.Module),
            "type",
            f"{self.exercise}(...) built {describe(module)}; the class should subclass nn.Module",
            case,
        )
        _expect_same_names(self, module, reference, case, shapes)
        module.load_state_dict(reference.state_dict())
        return module.eval()

    def run(self, module: nn.Module, *args: Any, case: str, counts: bool = False, **kwargs: Any) -> Any:
        """Call the student's module's forward on one case, with the same friendly errors as `call`.

        `counts`: this forward is a case of its own (one module run on several cases), not a part of
        the case that built the module.
        """
        if counts:
            self.cases += 1
        self.last_case, self.last_result = case, None
        try:
            self.last_result = module(*args, **kwargs)
            return self.last_result
        except NotImplementedError:
            raise ExerciseNotDone(self.exercise) from None
        except Exception as error:
            raise ExerciseFailed(
                f"{self.exercise}.forward raised {type(error).__name__}: {error} (case: {case})."
            ) from error

    def hidden(self, result: Any, case: str) -> torch.Tensor:
        """The (B, T, H) tensor inside a LayerOutput, or a "type" mistake."""
        self.expect(
            isinstance(getattr(result, "hidden", None), torch.Tensor),
            "type",
            f"forward returned {describe(result)}; return LayerOutput(hidden=...) as bertlib's modules do",
            case,
        )
        return result.hidden

    def expect_deterministic(self, module: nn.Module, args: tuple, first: Any, case: str) -> None:
        """In eval mode a second run gives the same numbers; otherwise dropout is still on."""
        again = self.run(module, *args, case=case)
        a, b = (getattr(r, "hidden", getattr(r, "last_hidden_state", r)) for r in (first, again))
        if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.shape == b.shape:
            self.expect(
                torch.equal(a, b),
                "dropout not turned off in eval",
                "two runs in eval mode gave different numbers; use an nn.Dropout module (self.dropout = "
                "nn.Dropout(config.hidden_dropout_prob)), which .eval() turns off, not F.dropout(x, p), which "
                "drops whatever the mode",
                case,
            )


def _expect_same_names(check: Checker, module: nn.Module, reference: nn.Module, case: str, shapes: str) -> None:
    """The student's keys and shapes are bertlib's (= Hugging Face's), or the strict load's report, named."""
    ours, theirs = module.state_dict(), reference.state_dict()
    missing = [k for k in ours if k not in theirs]  # what load_state_dict(strict=True) calls them
    unexpected = [k for k in theirs if k not in ours]
    if missing or unexpected:
        check.fail("parameter names", _names_report(ours, missing, unexpected), case)
    for key, tensor in ours.items():
        want = tuple(theirs[key].shape)
        check.expect(
            tuple(tensor.shape) == want,
            "shape",
            f"{key} has shape {tuple(tensor.shape)} but should have {want}; "
            + (shapes or "nn.Linear(in, out) maps in -> out and stores its weight as (out, in)"),
            case,
        )
    tensors = list(ours.values())
    check.expect(
        len({t.data_ptr() for t in tensors}) == len(tensors),
        "shared weights",
        "some layers share one set of weights (e.g. [EncoderLayer(config)] * n repeats ONE layer); build a "
        "new one for each: nn.ModuleList(EncoderLayer(config) for _ in range(n))",
        case,
    )


def _names_report(ours: dict[str, torch.Tensor], missing: list[str], unexpected: list[str]) -> str:
    """What a strict load of Hugging Face's weights says about these keys, and the likely fix."""
    parts = []
    if missing:
        parts.append(f"missing keys {_few(missing)} (your module has them, the weights do not)")
    if unexpected:
        parts.append(f"unexpected keys {_few(unexpected)} (the weights have them, your module does not)")
    renames = _unambiguous(rename_hints(missing, unexpected))
    hint = f"; rename {', '.join(renames)}" if renames else ""
    tops = {key.split(".")[0] for key in ours}  # the module's own attributes
    in_a_list = [k for k in unexpected if re.search(r"\.\d+\.", k) and k.split(".")[0] not in tops]
    if any(k.endswith(".bias") and k.removesuffix("bias") + "weight" in ours for k in unexpected):
        hint += "; nn.Linear(..., bias=False) drops the bias, and BERT's linear layers have one: leave bias on"
    if in_a_list and not renames:
        hint += "; a plain Python list hides its layers from PyTorch: keep them in an nn.ModuleList"
    elif not ours:
        hint += (
            "; your module has no parameters at all: call super().__init__() first, then assign the "
            "layers as attributes (self.dense = nn.Linear(...))"
        )
    return f"a strict load of Hugging Face's weights reports {' and '.join(parts)}{hint}. HF's names: {HF_NAMES}"


def _unambiguous(renames: list[str]) -> list[str]:
    """The renames ("`a` -> `b`") of names that have one candidate only: `q`, `k`, `v` against
    `query`, `key`, `value` pair every way, and nine guesses would mislead more than none."""
    sources = [rename.split(" -> ")[0] for rename in renames]
    return [rename for rename, source in zip(renames, sources, strict=True) if sources.count(source) == 1]


def _few(keys: list[str], shown: int = 4) -> str:
    """The first `shown` keys, and how many more."""
    more = f" and {len(keys) - shown} more" if len(keys) > shown else ""
    return ", ".join(keys[:shown]) + more
