"""Which examples make each batch: an order that is a pure function of (seed, epoch, position).

A training set here is one `bertlib.tokenization.Batch` (a subclass with the task's labels) of N
rows, already made by `bertlib.data`. The batch at any position can be computed without replaying
the ones before it, which is what lets a resumed run see exactly the batches an uninterrupted run
would have seen. Under DistributedDataParallel every process takes its own slice of the same
global batch (a distributed sampler), so N processes see the batch one process would. Its job
ends at choosing examples; making them is `bertlib.data`'s job, slicing them is `Batch.select`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import torch

from bertlib.tokenization.batch import Batch

B = TypeVar("B", bound=Batch)


@dataclass(frozen=True)
class BatchOrder:
    """Which examples make up each micro-batch of each process.

    Each epoch shuffles all N examples with a generator seeded by (seed, epoch) and cuts the
    permutation into global micro-batches of `global_batch` examples (the last, incomplete one is
    dropped). Process `rank` of `world_size` takes the rank-th contiguous slice of each.
    """

    num_examples: int
    global_batch: int  # examples in one micro-batch over all processes
    seed: int
    rank: int = 0
    world_size: int = 1

    def __post_init__(self) -> None:
        """Refuse a batch that cannot be split over the processes, or more than the examples."""
        if self.global_batch % self.world_size:
            raise ValueError(
                f"A micro-batch of {self.global_batch} examples cannot be split evenly over "
                f"{self.world_size} processes; choose a batch size divisible by {self.world_size}."
            )
        if self.batches_per_epoch < 1:
            raise ValueError(
                f"There are {self.num_examples} examples, fewer than one micro-batch of "
                f"{self.global_batch}; lower the batch size or make more examples."
            )

    @property
    def batches_per_epoch(self) -> int:
        """Whole micro-batches in one pass over the examples."""
        return self.num_examples // self.global_batch

    def epoch_permutation(self, epoch: int) -> torch.Tensor:
        """The shuffled example order of an epoch, the same in every process and every run."""
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(self.num_examples, generator=generator)

    def indices(self, position: int) -> torch.Tensor:
        """This process's example indices for micro-batch number `position` (counted from 0 over
        the whole run, across epochs)."""
        epoch, within = divmod(position, self.batches_per_epoch)
        start = within * self.global_batch
        global_indices = self.epoch_permutation(epoch)[start : start + self.global_batch]
        share = self.global_batch // self.world_size
        return global_indices[self.rank * share : (self.rank + 1) * share]


def batch_at(examples: B, order: BatchOrder, position: int) -> B:
    """The micro-batch at `position`, padding trimmed."""
    return examples.select(order.indices(position)).trim_padding()


def batches_in_order(examples: B, batch_size: int) -> list[B]:
    """The examples in their own order, in batches (the last may be smaller): for evaluation."""
    return [
        examples.select(slice(start, start + batch_size)).trim_padding()
        for start in range(0, len(examples), batch_size)
    ]
