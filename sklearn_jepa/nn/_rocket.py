"""A fixed bank of MiniRocket's kernels: the signal encoder's first layer.

MiniRocket (Dempster, Schmidt and Webb, KDD 2021) is the strongest random
feature map for series on a CPU: 84 kernels of length 9 (weights -1, and 2
at three of the nine positions), each at dilations spaced exponentially up
to the series length, read out as the proportion of positive values (PPV)
of the convolution output minus a bias. About 10,000 such values per
series beat learned representations on the UCR archive. A JEPA encoder
that starts below that has lost before training begins (docs/timeseries.md),
so the conv encoder on signals keeps this bank, untrained, as its first
layer of the read-out, beside the layers JEPA trains.

Written here in torch from the paper's description (no aeon import):

- dilations and how many features each gets follow MiniRocket's rule
  (:func:`dilations_for`);
- a multichannel kernel adds the convolutions of a random subset of 1 to 9
  channels (MiniRocketMultivariate's rule); by linearity that is one
  convolution whose weight is the kernel on the chosen channels;
- the biases sit at low-discrepancy quantile levels (the fractional parts
  of ``j * golden ratio``), as MiniRocket's, but of the outputs pooled over
  many training series (aggregates, never one training row: a saved model
  holds no row of its data);
- half of the (kernel, dilation) pairs, alternating, count PPV over the
  steps whose receptive field lies inside the series only (MiniRocket's
  padding rule); at each dilation those 42 kernels come last.

Series of unequal length: PPV counts each series' own steps only.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._ppv import KERNEL_LENGTH, KERNEL_POSITIONS, ppv

__all__ = [
    "KERNEL_LENGTH",
    "N_KERNELS",
    "KernelBank",
    "bank_width",
    "default_bank_features",
    "dilations_for",
]

N_KERNELS = len(KERNEL_POSITIONS)  # every choice of 3 of the 9 positions
N_FEATURES = 10_000  # MiniRocket's default (84 * 119 = 9,996 are used)
MAX_DILATIONS = 32
MAX_CHANNELS = 9  # at most this many channels per multichannel kernel
_GOLDEN = (math.sqrt(5) + 1) / 2
# values per kernel and dilation the quantiles are computed from
_N_VALUES = 4_096


# the bank's default share of the read-out: N_FEATURES up to this many
# training series, then falling as 1 / n (at least MIN_FEATURES)
FULL_BANK_ROWS = 1_000
MIN_FEATURES = 840


def default_bank_features(n_rows):
    """The bank's default size for a fit on ``n_rows`` series.

    MiniRocket's 10,000 values up to 1,000 series, ``10,000 * 1,000 / n``
    beyond (at least 840): the read-out concatenates the bank with the
    trained layers, and a linear model weighs standardised values alike,
    so the wider part dominates. On a few hundred series training adds
    nothing and the bank is the better part (archive sets: 10,000 values
    +7 to +12 points over none); on large pools the trained layers are
    (MNIST-1D, 10 labels per class: 4,000 series 72.4 with no bank, 70.1
    with 2,500 values, 66.5 with 10,000; 10,000 series 70.3, 70.5 with
    1,000, 65.4 with 10,000; docs/timeseries_notes.md).
    """
    if n_rows is None or n_rows <= FULL_BANK_ROWS:
        return N_FEATURES
    return max(MIN_FEATURES, round(N_FEATURES * FULL_BANK_ROWS / n_rows))


def _kernel_weights():
    """``(84, 9)`` float32: -1 everywhere, 2 at three positions (sum 0)."""
    weights = -torch.ones(N_KERNELS, KERNEL_LENGTH)
    return weights.scatter_(1, KERNEL_POSITIONS, 2.0)


_KERNELS = _kernel_weights()


def dilations_for(length, n_features=N_FEATURES):
    """MiniRocket's dilations for series of ``length`` steps, and how many
    features (biases) each kernel gets at each.

    ``n_features // 84`` features per kernel, spread over at most 32
    dilations ``floor(2 ** e)`` with ``e`` evenly spaced from 0 to
    ``log2((length - 1) / 8)`` (the largest dilation spans the series);
    a dilation that recurs gets its share again. Series shorter than 10
    steps get dilation 1 only.

    Returns
    -------
    dilations, counts : tuple of int
    """
    per_kernel = max(1, n_features // N_KERNELS)
    n_dilations = min(per_kernel, MAX_DILATIONS)
    multiplier = per_kernel / n_dilations
    max_exponent = max(0.0, math.log2(max(1, length - 1) / (KERNEL_LENGTH - 1)))
    spaced = np.floor(np.logspace(0, max_exponent, n_dilations, base=2))
    dilations, counts = np.unique(spaced.astype(np.int64), return_counts=True)
    counts = (counts * multiplier).astype(np.int64)
    remainder = per_kernel - int(counts.sum())
    for i in range(remainder):
        counts[i % len(counts)] += 1
    return tuple(int(d) for d in dilations), tuple(int(c) for c in counts)


def bank_width(length, n_features=N_FEATURES):
    """Values per series the bank reads out: 84 times the features per kernel."""
    return N_KERNELS * sum(dilations_for(length, n_features)[1])


class KernelBank(nn.Module):
    """MiniRocket's kernels at MiniRocket's dilations, read out as PPV.

    Nothing here is trained: the kernels are fixed, the channel subsets are
    drawn from torch's generator when the bank is built (the estimator seeds
    it), and the biases are quantiles fitted on training series
    (:meth:`fit`). The subsets and the biases are buffers, saved with the
    model.

    Parameters
    ----------
    input_shape : tuple of int
        ``(C, L)``: channels and length of one series.
    n_features : int, default=10000
        About how many values :meth:`forward` returns (a multiple of 84).

    Examples
    --------
    >>> import torch
    >>> from sklearn_jepa.nn._rocket import KernelBank
    >>> bank = KernelBank((1, 50), n_features=840)
    >>> x = torch.randn(20, 1, 50)
    >>> bank.fit([(x, None)])
    >>> bank.dilations, bank(x).shape
    ((1, 2, 3, 4, 5, 6), torch.Size([20, 840]))
    """

    def __init__(self, input_shape, n_features=N_FEATURES):
        super().__init__()
        channels, length = input_shape
        self.input_shape = (int(channels), int(length))
        self.dilations, self.counts = dilations_for(length, n_features)
        # at dilation i, the kernels k with i + k even come first (they
        # count every step), the others last (the steps inside the series):
        # each half is one block of memory, several times faster to reduce
        kernels = [_KERNELS[_order(i)] for i in range(len(self.dilations))]
        # (n_dilations, 84, 9), the same for every bank of this length
        self.register_buffer("kernels", torch.stack(kernels), persistent=False)
        # (n_dilations, 84, 3): the +2 taps of each slot's kernel
        positions = [KERNEL_POSITIONS[_order(i)] for i in range(len(self.dilations))]
        self.register_buffer("positions", torch.stack(positions), persistent=False)
        # (n_dilations, 84, C): the channels each kernel adds, drawn
        self.register_buffer("channels", _channel_subsets(len(kernels), channels))
        self.register_buffer("biases", torch.zeros(self.n_features))

    @property
    def n_features(self):
        return N_KERNELS * sum(self.counts)

    def forward(self, x, valid=None):
        """``(batch_size, n_features)`` PPV of ``x`` ``(batch_size, C, L)``.

        ``valid``: bool ``(batch_size, L)``, the steps before each series'
        end (``None``: all); PPV counts those only
        (:func:`sklearn_jepa.nn._ppv.ppv`: compiled where numba is
        installed, else torch in bounded memory).
        """
        return ppv(
            x,
            self.dilations,
            self.positions,
            self.channels,
            self.biases,
            self.counts,
            _ends(x, valid),
        )

    @torch.no_grad()
    def fit(self, chunks):
        """Fit the biases on ``chunks`` of ``(x, valid)`` as :meth:`forward`
        takes them.

        For each kernel and dilation the output values of every series
        are pooled (at most about 4,096 of them, every ``k``-th step;
        MiniRocket takes one series' outputs), and the biases set at that
        pair's quantile levels, each lifted by a thousandth of the values'
        spread (a flat stretch gives many equal values; PPV must not flip on
        their last float bit).
        """
        chunks = list(chunks)
        n_values = sum(int(x.shape[0]) for x, _ in chunks) * self.input_shape[1]
        stride = max(1, math.ceil(n_values / _N_VALUES))
        kept = [[] for _ in self.dilations]
        first = 0  # where the next chunk's every-stride-th step starts
        for x, valid in chunks:
            n_steps = x.shape[0] * x.shape[-1]
            picked = torch.arange(first, n_steps, stride, device=x.device)
            first = (first - n_steps) % stride
            if valid is not None:
                picked = picked[valid.reshape(-1)[picked]]
            rows, steps = picked // x.shape[-1], picked % x.shape[-1]
            for i, values in enumerate(self._outputs_at(x, rows, steps)):
                kept[i].append(values.float().cpu().numpy())
        levels = quantile_levels(self.n_features)
        biases, start = [], 0
        for i, count in enumerate(self.counts):
            values = np.concatenate(kept[i], axis=1)
            width = N_KERNELS * count
            q = levels[start : start + width].reshape(N_KERNELS, count)
            lift = 1e-3 * values.std(axis=1, keepdims=True) + 1e-6
            biases.append((_quantiles(values, q) + lift).ravel())
            start += width
        biases = torch.from_numpy(np.concatenate(biases))
        self.biases.copy_(biases.to(self.biases.dtype))

    def weight(self, i, dtype=torch.float32):
        """``(84, C, 9)``: the kernels at dilation index ``i`` on their
        channels (by linearity, the sum of their convolutions)."""
        channels = self.channels[i].to(dtype)
        return self.kernels[i].to(dtype)[:, None, :] * channels[..., None]

    def _outputs_at(self, x, rows, steps):
        """Each dilation's outputs ``(84, n)`` at ``(rows, steps)`` only:
        the fit needs a few thousand values, not every step."""
        taps = torch.arange(KERNEL_LENGTH, device=x.device)
        for i, dilation in enumerate(self.dilations):
            padding = (KERNEL_LENGTH - 1) // 2 * dilation
            padded = F.pad(x, (padding, padding))
            # (n, 9, C): the nine taps of each picked step
            window = padded[rows[:, None], :, steps[:, None] + dilation * taps]
            yield torch.einsum("njc,kcj->kn", window, self.weight(i, x.dtype))

    def _biases(self, i):
        start = N_KERNELS * sum(self.counts[:i])
        count = self.counts[i]
        return self.biases[start : start + N_KERNELS * count].view(N_KERNELS, count)


def quantile_levels(n):
    """MiniRocket's low-discrepancy levels: ``frac(j * golden ratio)``,
    ``j = 1..n``."""
    return (np.arange(1, n + 1, dtype=np.float64) * _GOLDEN) % 1


def _quantiles(values, levels):
    """Per row of ``values`` ``(84, n)``, its quantiles at that row's
    ``levels`` ``(84, count)`` (linear interpolation; numpy's sort is
    several times faster than torch's on a CPU)."""
    ordered = np.sort(values, axis=1)
    position = levels * (ordered.shape[1] - 1)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, ordered.shape[1] - 1)
    frac = position - below
    low = np.take_along_axis(ordered, below, axis=1)
    high = np.take_along_axis(ordered, above, axis=1)
    return (low + frac * (high - low)).astype(np.float32)


def _ends(x, valid):
    """Steps per series: ``L`` each, or the count of ``valid`` ones (the
    valid steps are the first ones)."""
    if valid is None:
        return torch.full((x.shape[0],), x.shape[-1], device=x.device)
    return valid.sum(dim=1)


def _order(i):
    """Kernels at dilation index ``i``: those with ``i + k`` even first
    (MiniRocket alternates its padding rule so)."""
    k = np.arange(N_KERNELS)
    return np.concatenate([k[(k + i) % 2 == 0], k[(k + i) % 2 == 1]])


def _channel_subsets(n_dilations, channels):
    """Bool ``(n_dilations, 84, C)``: the channels each kernel adds
    at each dilation (all of them for one channel). MiniRocketMultivariate's
    rule: ``floor(2 ** u)`` channels, ``u`` uniform up to ``log2(m + 1)``
    with ``m = min(C, 9)``, drawn from torch's generator."""
    chosen = torch.zeros(n_dilations, N_KERNELS, channels, dtype=torch.bool)
    if channels == 1:
        return chosen | True
    top = math.log2(min(channels, MAX_CHANNELS) + 1)
    sizes = torch.floor(2 ** (torch.rand(n_dilations, N_KERNELS) * top)).long()
    order = torch.rand(n_dilations, N_KERNELS, channels).argsort(dim=-1)
    rank = order.argsort(dim=-1)  # each channel's place in a random order
    return rank < sizes.clamp(1, channels)[..., None]
