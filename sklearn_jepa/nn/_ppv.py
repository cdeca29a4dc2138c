"""PPV of MiniRocket's kernels from shared sums: the kernel bank's numerics.

Every kernel is -1 at its nine taps and +2 at three of them, so its output
is ``alpha + gamma[a] + gamma[b] + gamma[c]`` with ``alpha = -(sum of the
nine taps)`` and ``gamma[j] = 3 * tap j``: the nine taps are summed once per
dilation and channel, each of the 84 kernels then costs three additions a
step (MiniRocket's own arithmetic, Dempster et al., KDD 2021), not nine
multiply-adds.

Two implementations, equal bit for bit (the same float32 operations in the
same order, tested):

- :func:`ppv_torch`, the reference, in torch: any device, any float dtype,
  ``torch.export`` and ONNX;
- ``_ppv_numba.ppv_rows``, a compiled loop that counts each kernel's
  positive values while its output is in cache, never materialising a
  comparison per bias. Used for float32 CPU tensors when numba is installed
  (``pip install sklearn-jepa[numba]``; aeon and sktime users have it),
  several times faster (docs/timeseries.md).

PPV is the share of the counted steps whose output is above the bias
(MiniRocket's rule). Kernels in the second half of each dilation's slots count the
steps whose receptive field lies inside the series only (all of its steps
when none does), the first half every step up to the series' end.
"""

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "KERNEL_LENGTH",
    "KERNEL_POSITIONS",
    "compilable",
    "count_ranges",
    "exporting",
    "numba_available",
    "ppv",
    "ppv_torch",
]

KERNEL_LENGTH = 9
# the three +2 taps of each of the 84 kernels, in combinations order
KERNEL_POSITIONS = torch.tensor(
    list(itertools.combinations(range(KERNEL_LENGTH), 3)), dtype=torch.long
)
_HALF = len(KERNEL_POSITIONS) // 2
# output values (rows * 84 * L) of one dilation the torch path holds at a
# time: one series of a million steps at a time
_BLOCK_VALUES = 2**22
# SKLEARN_JEPA_BANK=torch uses the reference even where numba is installed
_BACKEND_VARIABLE = "SKLEARN_JEPA_BANK"


def numba_available():
    """Whether the compiled path can run (numba importable, not switched off)."""
    if os.environ.get(_BACKEND_VARIABLE, "").lower() == "torch":
        return False
    try:
        from . import _ppv_numba  # noqa: F401
    except ImportError:
        return False
    return True


def compilable(x):
    """Whether the compiled loop may read ``x``: a float32 CPU tensor that
    needs no gradient, outside an export, with numba installed."""
    return (
        x.device.type == "cpu"
        and x.dtype == torch.float32
        and not x.requires_grad
        and not exporting()
        and numba_available()
    )


def ppv(x, dilations, positions, subsets, biases, counts, ends, compiled=True):
    """``(batch_size, 84 * sum(counts))`` PPV values of ``x``.

    Parameters
    ----------
    x : Tensor of shape (batch_size, C, L)
        Zero after each series' end.
    dilations : tuple of int
    positions : Tensor of shape (n_dilations, 84, 3)
        The +2 taps of the kernel in each slot at each dilation.
    subsets : bool Tensor of shape (n_dilations, 84, C)
        The channels each slot's kernel adds.
    biases : Tensor of shape (84 * sum(counts),)
        Per dilation, ``(84, count)`` in slot order, flattened.
    counts : tuple of int
        Biases per kernel at each dilation.
    ends : Tensor of shape (batch_size,)
        Steps of each series.
    compiled : bool, default=True
        Use the compiled path where it can run (:func:`numba_available`).
        The torch path goes through the rows in blocks of at most about
        4 M output values per dilation (16 MB), so long series stay in
        bounded memory.
    """
    args = (dilations, positions, subsets, biases, counts)
    if compiled and compilable(x):
        return _ppv_compiled(x, *args, ends)
    rows = max(1, _BLOCK_VALUES // (len(KERNEL_POSITIONS) * x.shape[-1]))
    # an exported graph takes any batch size: no branch on it
    if exporting() or x.shape[0] <= rows:
        return ppv_torch(x, *args, ends)
    blocks = range(0, x.shape[0], rows)
    return torch.cat(
        [ppv_torch(x[i : i + rows], *args, ends[i : i + rows]) for i in blocks]
    )


def ppv_torch(x, dilations, positions, subsets, biases, counts, ends):
    """:func:`ppv` in torch (the reference of the compiled path)."""
    length = x.shape[-1]
    steps = torch.arange(length, device=x.device)
    out, start = [], 0
    for i, dilation in enumerate(dilations):
        h = _outputs(x, dilation, positions[i], subsets[i])
        width = len(KERNEL_POSITIONS) * counts[i]
        bias = biases[start : start + width].view(-1, counts[i]).to(h.dtype)
        start += width
        low, high = count_ranges(dilation, ends)
        keep = (steps[None, None, :] >= low[..., None]) & (
            steps[None, None, :] < high[..., None]
        )
        above = _counts_above(h.masked_fill(~keep, float("-inf")), bias)
        denominator = (high - low).to(h.dtype)[..., None]
        out.append((above.to(h.dtype) / denominator).flatten(1))
    return torch.cat(out, dim=1)


def count_ranges(dilation, ends):
    """``(low, high)``, each ``(batch_size, 84)``: the steps ``[low, high)``
    each slot's PPV counts at ``dilation`` for series of ``ends`` steps."""
    half = (KERNEL_LENGTH - 1) // 2 * dilation
    inner = ends - 2 * half >= 1
    low_inner = torch.where(inner, half, 0)
    high_inner = torch.where(inner, ends - half, ends)
    second = torch.arange(len(KERNEL_POSITIONS), device=ends.device) >= _HALF
    low = torch.where(second[None, :], low_inner[:, None], 0)
    high = torch.where(second[None, :], high_inner[:, None], ends[:, None])
    return low, high


def _outputs(x, dilation, positions, subsets):
    """``(batch_size, 84, L)``: the kernels' outputs at ``dilation`` from
    shared sums, channel by channel (the compiled path's order)."""
    n_rows, n_channels, length = x.shape
    padding = (KERNEL_LENGTH - 1) // 2 * dilation
    padded = F.pad(x, (padding, padding))
    taps = [
        padded[..., j * dilation : j * dilation + length] for j in range(KERNEL_LENGTH)
    ]
    total = taps[0]
    for tap in taps[1:]:
        total = total + tap
    alpha = -total  # (batch_size, C, L)
    gamma = torch.stack(taps, dim=2) * 3  # (batch_size, C, 9, L)
    h = x.new_zeros(n_rows, len(positions), length)
    for c in range(n_channels):
        g = gamma[:, c]
        v = alpha[:, c, None] + g[:, positions[:, 0]]
        v = v + g[:, positions[:, 1]] + g[:, positions[:, 2]]
        h = h + torch.where(subsets[None, :, c, None], v, 0.0)
    return h


def _counts_above(h, bias):
    """How many steps of ``h`` ``(batch_size, k, L)`` are above each bias
    ``(k, n)``: ``(batch_size, k, n)``.

    Eager: one comparison per bias into a reused buffer (a ``(batch_size,
    k, n, L)`` comparison's allocations dominate on long series). Exported
    graphs get the broadcast op: a few ops per dilation, not hundreds.
    """
    if exporting():
        return (h[:, :, None, :] > bias[None, :, :, None]).sum(dim=-1)
    buffer = torch.empty(h.shape, dtype=torch.bool, device=h.device)
    sums = []
    for b in bias.T:
        torch.gt(h, b[None, :, None], out=buffer)
        sums.append(buffer.sum(dim=-1))
    return torch.stack(sums, dim=2)


def _ppv_compiled(x, dilations, positions, subsets, biases, counts, ends):
    """:func:`ppv` by the compiled loop, rows split over torch's threads."""
    from ._ppv_numba import ppv_rows

    x = x.contiguous().numpy()
    args = (
        np.asarray(dilations, dtype=np.int64),
        positions.cpu().numpy().astype(np.int64),
        subsets.cpu().numpy(),
        biases.detach().cpu().numpy().astype(np.float32),
        np.asarray(counts, dtype=np.int64),
        ends.cpu().numpy().astype(np.int64),
    )
    out = np.empty((x.shape[0], len(biases)), dtype=np.float32)
    n_threads = max(1, min(torch.get_num_threads(), x.shape[0]))
    bounds = np.linspace(0, x.shape[0], n_threads + 1).astype(np.int64)
    if n_threads == 1:
        ppv_rows(x, *args, out, 0, x.shape[0])
    else:  # the loop releases the GIL
        with ThreadPoolExecutor(n_threads) as pool:
            jobs = [
                pool.submit(ppv_rows, x, *args, out, bounds[t], bounds[t + 1])
                for t in range(n_threads)
            ]
            for job in jobs:
                job.result()
    return torch.from_numpy(out)


def exporting():
    """Whether the bank runs inside ``torch.export``, an ONNX export or a
    trace."""
    return (
        torch.compiler.is_compiling()
        or torch.onnx.is_in_onnx_export()
        or torch.jit.is_tracing()
    )
