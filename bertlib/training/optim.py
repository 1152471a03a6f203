"""The optimiser and learning-rate schedule BERT was trained with.

AdamW with decoupled weight decay on the weight matrices and embeddings only (never on biases or
LayerNorm parameters, as Google's `exclude_from_weight_decay`), and a learning rate that rises
linearly from 0 over the warm-up and then falls linearly to 0 at the last step. Its job ends at
building them; stepping them is the trainer's job.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

#: Parameter-name parts that take no weight decay (Google's BERT: "LayerNorm", "layer_norm", "bias").
NO_DECAY = ("bias", "LayerNorm.weight", "LayerNorm.bias")


@dataclass(frozen=True)
class ParameterGroups:
    """A model's trainable parameters split by whether they get weight decay."""

    decay: list[str]  # names of the parameters that are decayed
    no_decay: list[str]  # names of the biases and LayerNorm parameters


def split_for_weight_decay(model: nn.Module) -> ParameterGroups:
    """Names of the decayed and the undecayed trainable parameters. A tied parameter (the MLM
    decoder is the word-embedding matrix) is listed once, under its first name."""
    decay: list[str] = []
    no_decay: list[str] = []
    for name, parameter in model.named_parameters():  # named_parameters() skips tied duplicates
        if parameter.requires_grad:
            (no_decay if name.endswith(NO_DECAY) else decay).append(name)
    return ParameterGroups(decay, no_decay)


def build_optimizer(
    model: nn.Module,
    lr: float,
    weight_decay: float = 0.01,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-6,
    *,
    fused: bool = False,
) -> torch.optim.AdamW:
    """AdamW over two parameter groups: weight decay on matrices and embeddings, none on biases
    and LayerNorm. Defaults are Google's BERT's (eps 1e-6, decay 0.01).

    `fused` updates every parameter in one kernel (torch's `fused=True`) instead of one pass per
    group of tensors: the same update, and on a GPU a step that no longer waits on dozens of launches."""
    if lr <= 0:
        raise ValueError(f"lr must be positive, not {lr}.")
    parameters = dict(model.named_parameters())
    groups = split_for_weight_decay(model)
    return torch.optim.AdamW(
        [
            {"params": [parameters[n] for n in groups.decay], "weight_decay": weight_decay},
            {"params": [parameters[n] for n in groups.no_decay], "weight_decay": 0.0},
        ],
        lr=lr,
        betas=betas,
        eps=eps,
        fused=fused,
    )


class LinearWarmupDecay:
    """The factor that multiplies the peak learning rate at a step:

        step / warmup                             while step < warmup
        (total - step) / (total - warmup)         after, reaching 0 at step = total

    A class rather than a lambda, so that it is plain data and the schedule's state saves and loads.
    """

    def __init__(self, warmup_steps: int, total_steps: int):
        """Warm up over `warmup_steps`, reach 0 at `total_steps`."""
        if total_steps < 1 or not 0 <= warmup_steps <= total_steps:
            raise ValueError(
                f"Need 0 <= warmup_steps ({warmup_steps}) <= total_steps ({total_steps}) and total_steps >= 1."
            )
        self.warmup_steps = warmup_steps
        self.total_steps = total_steps

    def __call__(self, step: int) -> float:
        """The learning-rate factor at `step`: rising linearly to 1 over the warm-up, then falling to 0."""
        if step < self.warmup_steps:
            return step / self.warmup_steps
        return max(0.0, (self.total_steps - step) / max(1, self.total_steps - self.warmup_steps))


def build_scheduler(
    optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up to the optimiser's lr over `warmup_steps`, then linear decay to 0 at `total_steps`."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, LinearWarmupDecay(warmup_steps, total_steps))
