"""Devices and processes: one process, or several under `torchrun` with DistributedDataParallel.

`torchrun --nproc_per_node N` starts N copies of a command and tells each, through environment
variables, its RANK, LOCAL_RANK and WORLD_SIZE. `start_processes` reads them and joins the group
(gloo on CPU, nccl on CUDA); without them it describes a single process and joins nothing, so
the same code runs both ways. Its job ends at the process group, the device and sums over
processes; which examples each process trains on is `sampling.py`'s job.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import cast

import torch
import torch.distributed as dist
from torch import nn


def resolve_device(name: str = "auto") -> torch.device:
    """ "auto" is CUDA when there is a GPU, else the CPU; any other name is passed to torch, and a
    device that is not there is refused with the fix."""
    from bertlib.errors import BertlibInputError

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError, ValueError):
        raise BertlibInputError(f"device={name!r} (--device) is not a device; use auto, cpu, cuda or cuda:N.") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise BertlibInputError(f"device={name!r} (--device) but torch sees no CUDA GPU; use --device cpu (or auto).")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise BertlibInputError(
            f"device={name!r} (--device) but torch sees {torch.cuda.device_count()} GPU(s), "
            f"numbered from 0; use cuda:0 to cuda:{torch.cuda.device_count() - 1}."
        )
    return device


@dataclass(frozen=True)
class ProcessGroup:
    """Where this process stands among those training together."""

    rank: int = 0  # this process's number, 0 to world_size - 1
    world_size: int = 1  # how many processes train together
    device: torch.device = torch.device("cpu")  # the device this process computes on

    @property
    def is_main(self) -> bool:
        """Process 0 writes checkpoints, shows the progress bar and evaluates."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """Whether more than one process trains."""
        return self.world_size > 1


def launched_by_torchrun() -> bool:
    """Whether torchrun started this process (it sets RANK and WORLD_SIZE)."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def start_processes(device: str = "auto") -> ProcessGroup:
    """This process's place: joins torchrun's group if launched by it, else a group of one."""
    chosen = resolve_device(device)
    if not launched_by_torchrun():
        return ProcessGroup(device=chosen)
    if chosen.type == "cuda":
        chosen = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(chosen)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if chosen.type == "cuda" else "gloo")
    return ProcessGroup(rank=dist.get_rank(), world_size=dist.get_world_size(), device=chosen)


def stop_processes() -> None:
    """Leave the process group, if this process joined one."""
    if dist.is_initialized():
        dist.destroy_process_group()


def sum_over_processes(tensor: torch.Tensor) -> torch.Tensor:
    """The element-wise sum of `tensor` over every process (itself when there is one process)."""
    if dist.is_initialized() and dist.get_world_size() > 1:
        tensor = tensor.clone()
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def barrier() -> None:
    """Wait until every process gets here (nothing to wait for with one process)."""
    if dist.is_initialized() and dist.get_world_size() > 1:
        dist.barrier()


def wrap_for_processes(model: nn.Module, group: ProcessGroup) -> nn.Module:
    """The model wrapped in DistributedDataParallel when several processes train it, else itself.

    DDP averages gradients over processes after every backward; the trainer scales each
    process's loss so that this average is the gradient of the mean over the global batch.
    """
    if not group.distributed:
        return model
    device_ids = [group.device.index] if group.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=device_ids)


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside a DDP or torch.compile wrapper."""
    while True:
        if isinstance(model, nn.parallel.DistributedDataParallel):
            model = model.module
        elif hasattr(model, "_orig_mod"):  # what torch.compile returns
            model = cast(nn.Module, model._orig_mod)
        else:
            return model
