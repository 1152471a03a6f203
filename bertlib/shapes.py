"""Shape assertions at function boundaries, in the spirit of d2l's `check_shape`.

Its job ends at checking: it never reshapes or fixes anything.
"""

from __future__ import annotations

import torch


def check_shape(tensor: torch.Tensor, shape: tuple[int | None, ...], name: str = "tensor", fix: str = "") -> None:
    """Raise a ValueError unless `tensor` has `shape`; `None` in `shape` matches any size.

    `fix`, when given, is appended to the message: a sentence that tells the caller what to pass.
    """
    ok = tensor.dim() == len(shape) and all(
        want is None or got == want for got, want in zip(tensor.shape, shape, strict=True)
    )
    if not ok:
        pretty = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
        message = f"{name} should have shape {pretty} but has shape {tuple(tensor.shape)}."
        raise ValueError(f"{message} {fix}" if fix else message)
