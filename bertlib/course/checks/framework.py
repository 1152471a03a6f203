"""What every exercise check shares: calling the student's code, judging it, and saying why.

A check tries several cases and stops at the first thing that is wrong, with a message that names
the kind of mistake (shape, masking, numerical stability, dtype, values) and the case that showed it.
When a result is wrong, `Checker.expect_right` compares it with the typical wrong answers of the
exercise (each a `Mistake`) and names the one it matches. Its job ends at judging: the cases and
their mistakes live beside the topic they check, and building a student's nn.Module lives in
modules.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

import torch

F = TypeVar("F", bound=Callable[..., Any])


class ExerciseNotDone(NotImplementedError):
    """The student's function still raises NotImplementedError (a fresh student copy).

    `exercise_check` catches it and hands back bertlib's version; it never reaches a notebook.
    """

    def __init__(self, exercise: str):
        super().__init__(f"{exercise} is not written yet.")
        self.exercise = exercise


class ExerciseFailed(AssertionError):
    """The student's function ran, but one of the cases shows a mistake."""

    def _render_traceback_(self) -> list[str]:
        """How IPython shows it: the message alone, in red, since the traceback would only lead
        through the check's code, not to the student's mistake."""
        return [f"\x1b[31mExerciseFailed\x1b[0m: {self}"]


#: The Checker of the check now running, so that `exercise_check` can say what the student's
#: function returned when the check's own code cannot use it.
_running: ContextVar[Checker | None] = ContextVar("running_checker", default=None)


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: its name (the message's kind), what it computes, and the fix."""

    kind: str
    result: torch.Tensor
    hint: str


def _close(got: torch.Tensor, want: torch.Tensor, atol: float) -> bool:
    """Same shape, real, and within `atol` everywhere (NaN only where `want` has NaN too)."""
    if got.shape != want.shape or got.is_complex():
        return False
    return torch.allclose(got.detach().double(), want.detach().double(), rtol=0.0, atol=atol, equal_nan=True)


def describe(value: Any) -> str:
    """A short description of a returned value for a message: its type, and shape and dtype if any."""
    if isinstance(value, torch.Tensor):
        return f"a torch.Tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"a {type(value).__module__.split('.')[0]} {type(value).__name__} of shape {tuple(value.shape)}"
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{type(value).__name__} {text}"


def exercise_check(fallback: Any) -> Callable[[F], F]:
    """Decorator for every `check_*`, given bertlib's own version of the exercise (`fallback`).

    The decorated check returns what the notebook should use from then on, so that a cell reads
    `softmax = check_softmax(softmax)`:
    - every case passes: it prints "✔ ..." and returns the student's function (or class);
    - the exercise is not written yet (a fresh student copy): it prints one friendly line and
      returns `fallback`, so that "Run All" goes on to the last cell with bertlib's version;
    - a case shows a mistake: it raises ExerciseFailed, which a notebook shows as its message
      alone, without a traceback through this module.

    When the student's function returns something of the wrong kind and the check's own code trips
    over it (a list where a tensor belongs), the student gets ExerciseFailed saying what their
    function returned and what the exercise asks for, instead of a crash inside bertlib.
    """

    def decorate(check: F) -> F:
        @functools.wraps(check)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            token = _running.set(None)
            try:
                check(*args, **kwargs)
                return args[0] if args else next(iter(kwargs.values()))
            except ExerciseNotDone as not_done:
                print(f"✎ {not_done.exercise} is not written yet: until it is, this notebook uses bertlib's version.")
                return fallback
            except ExerciseFailed:
                raise
            except Exception as error:
                checker = _running.get()
                if checker is None or not checker.cases:
                    raise  # before the student's code ran: not about what it returned
                wanted = (check.__doc__ or "").strip().splitlines()[0].rstrip(".") if check.__doc__ else ""
                detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
                raise ExerciseFailed(
                    f"{checker.exercise} — type: it returned {describe(checker.last_result)}, which the check "
                    f"cannot use ({type(error).__name__}: {detail})"
                    + (f"; it should be: {wanted}" if wanted else "")
                    + f" (case: {checker.last_case})."
                ) from error
            finally:
                _running.reset(token)

        guarded.fallback = fallback  # type: ignore[attr-defined]  # what an unwritten exercise gets
        return guarded  # type: ignore[return-value]

    return decorate


class Checker:
    """Runs one student function through cases; `done()` prints the verdict when all pass."""

    def __init__(self, exercise: str, function: Callable[..., Any]):
        if not callable(function):
            raise TypeError(
                f"check for {exercise!r} needs your function itself, e.g. check(softmax), "
                f"not {type(function).__name__}."
            )
        self.exercise = exercise
        self.function = function
        self.cases = 0
        self.last_result: Any = None  # what the function returned last, and for which case
        self.last_case = ""
        _running.set(self)

    def call(self, *args: Any, case: str, **kwargs: Any) -> Any:
        """Call the student's function on one case, turning its exceptions into friendly ones."""
        self.cases += 1
        self.last_case, self.last_result = case, None
        try:
            self.last_result = self.function(*args, **kwargs)
            return self.last_result
        except NotImplementedError:
            raise ExerciseNotDone(self.exercise) from None
        except Exception as error:
            raise ExerciseFailed(f"{self.exercise} raised {type(error).__name__}: {error} (case: {case}).") from error

    def fail(self, kind: str, message: str, case: str) -> NoReturn:
        """Stop the check with ExerciseFailed naming the kind of mistake, what was wrong and the case."""
        raise ExerciseFailed(f"{self.exercise} — {kind}: {message} (case: {case}).")

    def expect(self, condition: bool, kind: str, message: str, case: str) -> None:
        """Fail with `kind` and `message` unless `condition` holds; the one place every judgement goes."""
        if not condition:
            self.fail(kind, message, case)

    def expect_tensor(self, result: Any, case: str) -> torch.Tensor:
        """Return `result` if it is a torch.Tensor, else fail as a "type" mistake; it checks nothing else."""
        self.expect(
            isinstance(result, torch.Tensor),
            "type",
            f"it should return a torch.Tensor, but returned {type(result).__name__}",
            case,
        )
        return result

    def expect_tensor_kind(self, result: Any, shape: tuple[int, ...] | None, case: str) -> None:
        """A value that should be a tensor (of `shape`) but is not fails as a "type" mistake."""
        if not isinstance(result, torch.Tensor):
            wanted = f" of shape {tuple(shape)}" if shape is not None else ""
            self.fail("type", f"expected a torch.Tensor{wanted}, got {describe(result)}", case)

    def expect_shape(self, result: torch.Tensor, shape: tuple[int, ...], case: str) -> None:
        """Fail unless `result` is a tensor of exactly `shape` (a "type" or a "shape" mistake)."""
        self.expect_tensor_kind(result, shape, case)
        self.expect(
            tuple(result.shape) == tuple(shape),
            "shape",
            f"expected shape {tuple(shape)}, got {tuple(result.shape)}",
            case,
        )

    def expect_dtype(self, result: torch.Tensor, dtype: torch.dtype, case: str) -> None:
        """Fail unless `result` is a tensor of `dtype`; the values are not looked at."""
        self.expect_tensor_kind(result, None, case)
        self.expect(
            result.dtype == dtype, "dtype", f"expected {dtype}, got {result.dtype}; keep the input's dtype", case
        )

    def expect_finite(self, result: torch.Tensor, case: str, hint: str = "") -> None:
        """Fail as a "numerical stability" mistake if `result` holds inf or nan; `hint` says what to try."""
        self.expect_tensor_kind(result, None, case)
        self.expect(
            bool(torch.isfinite(result).all()),
            "numerical stability",
            "the result contains inf or nan" + (f"; {hint}" if hint else ""),
            case,
        )

    def expect_close(
        self,
        result: torch.Tensor,
        expected: torch.Tensor,
        case: str,
        *,
        kind: str = "values",
        atol: float = 1e-5,
        hint: str = "",
    ) -> None:
        """Fail unless `result` has `expected`'s shape, is real, and is within `atol` of it everywhere.

        The mistake is reported as `kind` (by default "values") with the largest difference found.
        """
        self.expect_shape(result, tuple(expected.shape), case)
        self.expect(not result.is_complex(), "dtype", f"expected real numbers, got {result.dtype}", case)
        error = (result.detach().double() - expected.detach().double()).abs().max().item()
        self.expect(
            error <= atol,
            kind,
            f"largest difference from the right answer is {error:.3g} (allowed {atol:g})"
            + (f"; {hint}" if hint else ""),
            case,
        )

    def expect_right(
        self,
        got: Any,
        want: torch.Tensor,
        mistakes: Iterable[Mistake],
        case: str,
        *,
        atol: float = 1e-5,
        hint: str = "",
    ) -> None:
        """Pass if `got` is within `atol` of `want`; otherwise fail naming the first typical mistake
        whose result `got` matches (a wrong shape may match one too), or else as wrong "values".

        An integer result of a float exercise is a "dtype" mistake.
        """
        self.expect_tensor_kind(got, tuple(want.shape), case)
        self.expect(
            got.is_floating_point() or got.is_complex() or not want.is_floating_point(),
            "dtype",
            f"it returned a tensor of {got.dtype}: these are real numbers, keep the input's float dtype "
            "(an integer tensor rounds every weight to 0 or 1)",
            case,
        )
        if not _close(got, want, atol):
            for mistake in mistakes:
                if _close(got, mistake.result, atol):
                    self.fail(mistake.kind, mistake.hint, case)
        self.expect_close(got, want, case, atol=atol, hint=hint)

    def done(self) -> None:
        """Print the verdict once every case has passed; call it last, after all the expectations."""
        cases = "its one case passes" if self.cases == 1 else f"all {self.cases} cases pass"
        print(f"✔ {self.exercise}: {cases}.")
