"""What every exercise check shares: calling the student's code, judging it, and saying why.

A check tries several cases and stops at the first thing that is wrong, with a message that names
the kind of mistake (shape, masking, numerical stability, dtype, values) and the case that showed it.
Its job ends at judging: the cases themselves live beside the topic they check.
"""

from __future__ import annotations

from typing import Any, Callable

import torch


class ExerciseNotDone(NotImplementedError):
    """The student's function still raises NotImplementedError (a fresh student copy)."""


class ExerciseFailed(AssertionError):
    """The student's function ran, but one of the cases shows a mistake."""


class Checker:
    """Runs one student function through cases; `done()` prints the verdict when all pass."""

    def __init__(self, exercise: str, function: Callable[..., Any]):
        if not callable(function):
            raise TypeError(f"check for {exercise!r} needs your function itself, e.g. check(softmax), "
                            f"not {type(function).__name__}.")
        self.exercise = exercise
        self.function = function
        self.cases = 0

    def call(self, *args: Any, case: str, **kwargs: Any) -> Any:
        """Call the student's function on one case, turning its exceptions into friendly ones."""
        self.cases += 1
        try:
            return self.function(*args, **kwargs)
        except NotImplementedError:
            raise ExerciseNotDone(
                f"{self.exercise} is not written yet: replace `raise NotImplementedError()` in the "
                "exercise cell with your code, run that cell, then run this check again."
            ) from None
        except Exception as error:
            raise ExerciseFailed(
                f"{self.exercise} raised {type(error).__name__}: {error} (case: {case})."
            ) from error

    def fail(self, kind: str, message: str, case: str) -> None:
        raise ExerciseFailed(f"{self.exercise} — {kind}: {message} (case: {case}).")

    def expect(self, condition: bool, kind: str, message: str, case: str) -> None:
        if not condition:
            self.fail(kind, message, case)

    def expect_tensor(self, result: Any, case: str) -> torch.Tensor:
        self.expect(isinstance(result, torch.Tensor), "type",
                    f"it should return a torch.Tensor, but returned {type(result).__name__}", case)
        return result

    def expect_shape(self, result: torch.Tensor, shape: tuple[int, ...], case: str) -> None:
        self.expect(tuple(result.shape) == tuple(shape), "shape",
                    f"expected shape {tuple(shape)}, got {tuple(result.shape)}", case)

    def expect_dtype(self, result: torch.Tensor, dtype: torch.dtype, case: str) -> None:
        self.expect(result.dtype == dtype, "dtype",
                    f"expected {dtype}, got {result.dtype}; keep the input's dtype", case)

    def expect_finite(self, result: torch.Tensor, case: str, hint: str = "") -> None:
        self.expect(bool(torch.isfinite(result).all()), "numerical stability",
                    "the result contains inf or nan" + (f"; {hint}" if hint else ""), case)

    def expect_close(self, result: torch.Tensor, expected: torch.Tensor, case: str, *,
                     kind: str = "values", atol: float = 1e-5, hint: str = "") -> None:
        self.expect_shape(result, tuple(expected.shape), case)
        error = (result.detach().double() - expected.detach().double()).abs().max().item()
        self.expect(error <= atol, kind,
                    f"largest difference from the right answer is {error:.3g} (allowed {atol:g})"
                    + (f"; {hint}" if hint else ""), case)

    def done(self) -> None:
        cases = "its one case passes" if self.cases == 1 else f"all {self.cases} cases pass"
        print(f"✔ {self.exercise}: {cases}.")
