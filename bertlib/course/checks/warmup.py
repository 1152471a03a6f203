"""The check for notebook 00's demonstration exercise: a dot product, the operation attention is made of."""

from __future__ import annotations

from collections.abc import Callable

import torch

from bertlib.course.checks.framework import Checker, exercise_check


def dot_product(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """bertlib's version of the exercise: u · v for two vectors of length d, a 0-dimensional tensor."""
    return torch.dot(u, v)


@exercise_check(fallback=dot_product)
def check_dot_product(dot_product: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> None:
    """dot_product(u (d,), v (d,)) -> a 0-dimensional tensor: Σ_i u_i · v_i."""
    check = Checker("dot_product", dot_product)
    generator = torch.Generator().manual_seed(0)
    cases = [
        ("u = [1, 2, 3], v = [4, 5, 6]", torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0, 5.0, 6.0])),
        ("orthogonal u = [1, 0], v = [0, 1]", torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])),
        ("random vectors of length 16", torch.randn(16, generator=generator), torch.randn(16, generator=generator)),
    ]
    for case, u, v in cases:
        got = check.expect_tensor(check.call(u.clone(), v.clone(), case=case), case)
        check.expect(
            got.dim() == 0,
            "shape",
            f"return one number (a 0-dimensional tensor), not shape {tuple(got.shape)}: "
            "did you multiply elementwise and forget to sum?",
            case,
        )
        check.expect_close(got, (u * v).sum(), case, hint="multiply matching entries, then add them all up")
    check.done()
