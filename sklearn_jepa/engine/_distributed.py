"""Data-parallel training with torch.distributed, when a launcher started us.

``torchrun`` (or ``accelerate launch``, Ray Train, ...) sets ``WORLD_SIZE``,
``RANK`` and ``LOCAL_RANK``; with ``WORLD_SIZE > 1`` ``fit`` trains data
parallel:

- every rank calls ``fit`` with the same ``X`` (checked); the standardisation,
  the configuration, the initial weights and the projection are computed from
  all of ``X`` identically on every rank;
- the training rows are shuffled once with the fit's seed and dealt out,
  ``rows[rank::world_size]``, truncated to equal shards so every rank runs the
  same number of steps (at most ``world_size - 1`` rows sit out);
- ``batch_size`` is the *global* batch: each rank takes
  ``batch_size // world_size`` rows per step, and gradients are averaged by
  :class:`~torch.nn.parallel.DistributedDataParallel`, which wraps only the
  online encoder and the predictor; the EMA target encoder stays outside (it
  has no gradients) and is re-copied from the online encoder after DDP has
  broadcast rank 0's weights;
- shuffling and masks use per-rank streams of the fit's ``SeedSequence``;
- only rank 0 prints; every rank ends with the same fitted estimator
  (bit-identical weights), so any rank can save it.

A process group that ``fit`` created stays for the later fits of the process
(a second ``fit`` that re-created it hung) and is destroyed at interpreter
exit (gloo can abort there otherwise); one the user created is left alone.
"""

import atexit
import os
from contextlib import contextmanager

import numpy as np
import torch
import torch.distributed as dist

__all__ = ["Distributed", "distributed_context"]


class Distributed:
    """Where this process sits in a data-parallel fit (one rank of ``world_size``)."""

    def __init__(self, rank=0, world_size=1, local_rank=0):
        self.rank = rank
        self.world_size = world_size
        self.local_rank = local_rank

    @property
    def active(self):
        return self.world_size > 1

    @property
    def is_main(self):
        return self.rank == 0

    def shard(self, n_rows, rng):
        """This rank's rows of a seeded permutation, in equal shards."""
        order = rng.permutation(n_rows)
        n_each = n_rows // self.world_size
        return np.sort(order[self.rank :: self.world_size][:n_each])

    def device(self, device):
        """``cuda`` becomes this rank's GPU (``LOCAL_RANK``)."""
        if torch.device(device).type == "cuda" and torch.device(device).index is None:
            return f"cuda:{self.local_rank}"
        return device

    def check_same_data(self, X):
        """Raise if the ranks were given different ``X`` (shape or content)."""
        summary = torch.tensor(
            [X.shape[0], X.shape[1], float(np.nansum(X, dtype=np.float64))],
            dtype=torch.float64,
        )
        gathered = [torch.zeros_like(summary) for _ in range(self.world_size)]
        dist.all_gather(gathered, summary)
        if any(not torch.equal(g, gathered[0]) for g in gathered):
            raise ValueError(
                "In a distributed fit every rank must call fit with the same X "
                f"(rank summaries: {[g.tolist() for g in gathered]}); each rank "
                "then trains on its own shard of the rows."
            )


def launched_world():
    """``(rank, world_size, local_rank)`` from the launcher, or ``None``."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1 or "RANK" not in os.environ:
        return None
    rank = int(os.environ["RANK"])
    return rank, world_size, int(os.environ.get("LOCAL_RANK", rank))


@contextmanager
def distributed_context(device):
    """The :class:`Distributed` of this fit, joining or creating the group.

    Outside a launcher, a single-process ``Distributed`` (inactive).
    """
    world = launched_world()
    if world is None or not dist.is_available():
        yield Distributed()
        return
    rank, world_size, local_rank = world
    if not dist.is_initialized():
        backend = "nccl" if torch.device(device).type == "cuda" else "gloo"
        dist.init_process_group(backend=backend, rank=rank, world_size=world_size)
        atexit.register(_destroy_group)
    yield Distributed(dist.get_rank(), dist.get_world_size(), local_rank)


def _destroy_group():
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def wrap_online(module, device):
    """Wrap the online encoder and predictor of ``module`` in DDP.

    DDP broadcasts rank 0's parameters on construction; the target encoder
    is then copied from the (broadcast) online encoder, so every rank starts
    from the same target too.
    """
    from torch.nn.parallel import DistributedDataParallel

    device_ids = None
    if torch.device(device).type == "cuda":
        device_ids = [torch.device(device).index]
    # find_unused_parameters: some parameters get no gradient in a step (the
    # empty register tensor of image encoders, custom encoders' extras);
    # without it DDP waits for them forever
    parallel = DistributedDataParallel(
        module.online, device_ids=device_ids, find_unused_parameters=True
    )
    with torch.no_grad():
        module.target_encoder.load_state_dict(module.encoder.state_dict())
    module.use_parallel(parallel)
    return parallel
