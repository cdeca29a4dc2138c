"""The ``"blocks"`` read-out: max, mean and PPV of every convolutional layer.

A time-series representation keeps more than one pooled vector of the last
layer: MiniRocket (Dempster et al., KDD 2021) keeps, for each of thousands
of random convolutions, the proportion of time steps whose output exceeds a
bias drawn from the training data (PPV). This read-out does the same with
the JEPA-trained encoder: for each layer (the input projection, every
residual block, the normalised embedding), each channel's maximum and mean
over time and its PPV against biases at fixed quantiles of that channel's
values on the training series. Shallow layers keep local shapes, deep ones
whole-series context; the biases make PPV a soft histogram per channel.

The biases are quantiles over many rows and time steps (aggregates, never a
training row) and are fitted once after training (:func:`fit_biases`).
"""

import math

import numpy as np
import torch

from ._ppv import compilable

__all__ = [
    "QUANTILES",
    "N_STATS",
    "block_stats",
    "fit_biases",
    "masked_max",
    "masked_mean",
]

# quantiles of each channel's values the PPV biases sit at
QUANTILES = (0.1, 0.3, 0.5, 0.7, 0.9)
# values per channel: max, mean, one PPV per bias
N_STATS = 2 + len(QUANTILES)
# values per channel and layer the quantiles are computed from: enough for
# the 10 % quantile to move by well under its spacing between fits
_N_VALUES = 8_192


def block_stats(layers, biases, valid=None):
    """``(batch_size, n_layers * dim * N_STATS)`` read-out of ``layers``.

    Parameters
    ----------
    layers : list of Tensor of shape (batch_size, dim, n_tokens)
        A layer of shape (batch_size, width) is already read out (the
        kernel bank's PPV values) and comes first in the output, as it is.
    biases : Tensor of shape (n_layers, dim, len(QUANTILES))
        One per 3-D layer.
    valid : bool Tensor of shape (batch_size, n_tokens), default=None
        The tokens before each series' end; the statistics are over those
        only (``None``: every token).
    """
    features = []
    keep = None if valid is None else valid[:, None, :]
    # a 2-D layer is already read out (the kernel bank's PPV) and passes as is
    features += [h for h in layers if h.dim() == 2]
    layers = [h for h in layers if h.dim() == 3]
    compiled = compilable(layers[0])
    for h, bias in zip(layers, biases.to(layers[0].dtype), strict=True):
        if keep is None:
            top, mean = h.amax(dim=2), h.mean(dim=2)
        else:
            top, mean = masked_max(h, keep, 2), masked_mean(h, keep, 2)
        if compiled:
            ppv = _shares_compiled(h, bias, valid)
        elif keep is None:
            ppv = (h[:, :, None, :] > bias[None, :, :, None]).to(h.dtype).mean(dim=3)
        else:
            above = h[:, :, None, :] > bias[None, :, :, None]
            ppv = masked_mean(above.to(h.dtype), keep[:, :, None, :], 3)
        features += [top, mean, ppv.flatten(1)]
    return torch.cat(features, dim=1)


def _shares_compiled(h, bias, valid):
    """The PPV of ``h`` by the compiled loop: the same values, without a
    ``(batch_size, dim, n_quantiles, n_tokens)`` comparison."""
    from ._ppv_numba import shares_above

    n_rows, n_tokens = h.shape[0], h.shape[2]
    if valid is None:
        ends = np.full(n_rows, n_tokens, dtype=np.int64)
    else:  # the valid tokens are each series' first ones
        ends = valid.sum(dim=1).cpu().numpy().astype(np.int64)
    out = np.empty((n_rows, h.shape[1], bias.shape[1]), dtype=np.float32)
    shares_above(
        h.contiguous().numpy(), bias.contiguous().numpy().astype(np.float32), ends, out
    )
    return torch.from_numpy(out)


def masked_max(h, keep, dim):
    """Maximum of ``h`` over ``dim`` where ``keep`` (broadcast) is true."""
    return h.masked_fill(~keep, float("-inf")).amax(dim=dim)


def masked_mean(h, keep, dim):
    """Mean of ``h`` over ``dim`` where ``keep`` (broadcast) is true."""
    return (h * keep).sum(dim=dim) / keep.sum(dim=dim)


@torch.no_grad()
def fit_biases(layer_chunks, n_rows, n_tokens):
    """Per-layer, per-channel quantiles (:data:`QUANTILES`) of the values of
    ``n_rows`` rows, from every ``step``-th time step so that at most
    about ``_N_VALUES`` values per channel are kept, each lifted by a
    thousandth of the channel's standard deviation (ties).

    ``layer_chunks`` yields, per chunk of rows, a list of
    ``(rows, dim, n_tokens)`` tensors and the bool ``(rows, n_tokens)``
    tokens before each series' end (or ``None``: all); only those count.
    Returns a float32 array ``(n_layers, dim, len(QUANTILES))``.
    """
    step = max(1, math.ceil(n_rows * n_tokens / _N_VALUES))
    kept = None
    for layers, valid in layer_chunks:
        keep = None if valid is None else valid[:, ::step].reshape(-1)
        values = []
        for h in (h for h in layers if h.dim() == 3):
            v = h[:, :, ::step].transpose(0, 1).flatten(1).float()
            values.append(v if keep is None else v[:, keep])
        if kept is not None:
            values = [torch.cat(p, 1) for p in zip(kept, values, strict=True)]
        kept = values
    q = torch.tensor(QUANTILES, dtype=torch.float32)
    biases = []
    for v in kept:
        # a quantile often equals many values at once (a flat stretch, the
        # zero padding): lifted above them by a thousandth of the channel's
        # spread, PPV does not flip on the last float bit of those ties
        lift = 1e-3 * v.std(dim=1, keepdim=True) + 1e-6
        # numpy's quantile (a partition) is about 8x faster than torch's sort
        quantiles = np.quantile(v.numpy(), q.numpy(), axis=1).T
        biases.append(torch.from_numpy(quantiles).float() + lift)
    return torch.stack(biases).numpy().astype(np.float32)
