"""The kernel bank's compiled loop (numba): :func:`sklearn_jepa.nn._ppv.ppv`
for float32 CPU tensors.

The same float32 operations in the same order as the torch reference
(``_ppv.ppv_torch``), so both give the same bits; the loop keeps one
kernel's output (``L`` values) in cache while it counts it against each of
its biases, as MiniRocket's own implementation does.
"""

import numba
import numpy as np

__all__ = ["ppv_rows", "shares_above"]

# len(_ppv.KERNEL_POSITIONS): _ppv imports this module, so not imported back
_N_KERNELS = 84
_HALF = _N_KERNELS // 2
_INF = np.float32(np.inf)


@numba.njit(cache=True, nogil=True)
def ppv_rows(x, dilations, positions, subsets, biases, counts, ends, out, first, last):
    """Fill ``out[first:last]`` with the PPV values of ``x[first:last]``.

    ``x`` float32 ``(n_rows, C, L)``; ``positions`` ``(n_dilations, 84, 3)``;
    ``subsets`` bool ``(n_dilations, 84, C)``; ``biases`` float32, per
    dilation ``(84, count)`` flattened; ``ends`` the steps of each series.
    """
    n_channels, length = x.shape[1], x.shape[2]
    three = np.float32(3.0)
    taps = np.zeros((n_channels, 9, length), dtype=np.float32)
    alpha = np.empty((n_channels, length), dtype=np.float32)
    gamma = np.empty((n_channels, 9, length), dtype=np.float32)
    h = np.empty(length, dtype=np.float32)
    pairs = np.empty((7, 8, length), dtype=np.float32)
    for r in range(first, last):
        end = ends[r]
        start = 0
        for i in range(len(dilations)):
            dilation = dilations[i]
            half = 4 * dilation
            _fill_taps(x[r], dilation, taps)
            for c in range(n_channels):
                alpha[c] = taps[c, 0]
                for j in range(1, 9):
                    for t in range(length):
                        alpha[c, t] = alpha[c, t] + taps[c, j, t]
                for t in range(length):
                    alpha[c, t] = -alpha[c, t]
                for j in range(9):
                    for t in range(length):
                        gamma[c, j, t] = taps[c, j, t] * three
            if n_channels == 1:
                _pairs(alpha[0], gamma[0], pairs)
            count = counts[i]
            inner = end - 2 * half >= 1
            for k in range(_N_KERNELS):
                low, high = 0, end
                if k >= _HALF and inner:
                    low, high = half, end - half
                a, b, e = positions[i, k, 0], positions[i, k, 1], positions[i, k, 2]
                b0, b1, b2, b3 = _group(biases, start + k * count, count, 0)
                if n_channels == 1:
                    _add(pairs[a, b], gamma[0, e], h)
                else:
                    _outputs(alpha, gamma, a, b, e, subsets[i, k], h)
                above = _above(h, low, high, b0, b1, b2, b3)
                denominator = np.float32(high - low)
                for n in range(0, count, 4):
                    where = start + k * count + n
                    if n > 0:
                        b0, b1, b2, b3 = _group(biases, start + k * count, count, n)
                        above = _above(h, low, high, b0, b1, b2, b3)
                    for m in range(min(4, count - n)):
                        out[r, where + m] = np.float32(above[m]) / denominator
            start += _N_KERNELS * count


@numba.njit(cache=True, nogil=True)
def _fill_taps(series, dilation, taps):
    """``taps[c, j, t] = series[c, t + (j - 4) * dilation]``, 0 outside."""
    n_channels, length = series.shape
    for c in range(n_channels):
        for j in range(9):
            shift = (j - 4) * dilation
            low, high = max(0, -shift), min(length, length - shift)
            taps[c, j, :] = 0.0
            if low < high:
                taps[c, j, low:high] = series[c, low + shift : high + shift]


@numba.njit(cache=True, nogil=True)
def _group(biases, first, count, n):
    """Biases ``n`` to ``n + 3`` of a kernel's ``count`` (``inf``: none)."""
    b0 = biases[first + n]
    b1 = biases[first + n + 1] if n + 1 < count else _INF
    b2 = biases[first + n + 2] if n + 2 < count else _INF
    b3 = biases[first + n + 3] if n + 3 < count else _INF
    return b0, b1, b2, b3


@numba.njit(cache=True, nogil=True)
def _outputs(alpha, gamma, a, b, e, subset, h):
    """One kernel's outputs summed over its channels into ``h``."""
    h[:] = 0.0
    for c in range(alpha.shape[0]):
        if subset[c]:
            for t in range(h.shape[0]):
                v = alpha[c, t] + gamma[c, a, t]
                v = v + gamma[c, b, t]
                h[t] = h[t] + (v + gamma[c, e, t])


@numba.njit(cache=True, nogil=True)
def _pairs(alpha, gamma, pairs):
    """``pairs[a, b] = (alpha + gamma[a]) + gamma[b]`` for ``a < b < 8``:
    the first two of a kernel's three additions, shared by the kernels
    whose first two +2 taps agree (36 sums serve the 84 kernels)."""
    for a in range(7):
        for b in range(a + 1, 8):
            for t in range(alpha.shape[0]):
                pairs[a, b, t] = (alpha[t] + gamma[a, t]) + gamma[b, t]


@numba.njit(cache=True, nogil=True)
def _add(u, v, h):
    """``h = u + v``: a one-channel kernel's outputs from its pair sum
    (``0 + w`` is ``w``: the same bits as :func:`_outputs`)."""
    for t in range(h.shape[0]):
        h[t] = u[t] + v[t]


@numba.njit(cache=True, nogil=True)
def _above(h, low, high, b0, b1, b2, b3):
    """How many of ``h[low:high]`` are above each of four biases: one pass
    for four (loads shared, four int32 counts that vectorise)."""
    a0, a1, a2, a3 = np.int32(0), np.int32(0), np.int32(0), np.int32(0)
    for t in range(low, high):
        v = h[t]
        a0 = np.int32(a0 + np.int32(v > b0))
        a1 = np.int32(a1 + np.int32(v > b1))
        a2 = np.int32(a2 + np.int32(v > b2))
        a3 = np.int32(a3 + np.int32(v > b3))
    return a0, a1, a2, a3


@numba.njit(cache=True, nogil=True)
def shares_above(h, biases, ends, out):
    """``out[r, d, q]``: the share of ``h[r, d, :ends[r]]`` above
    ``biases[d, q]`` (the ``"blocks"`` read-out's PPV of a trained layer),
    ``float32(count) / float32(steps)`` as torch's mean of the comparison."""
    n_rows, dim = h.shape[0], h.shape[1]
    n_biases = biases.shape[1]
    for r in range(n_rows):
        steps = np.float32(ends[r])
        for d in range(dim):
            for n in range(0, n_biases, 4):
                b0, b1, b2, b3 = _group(biases[d], 0, n_biases, n)
                above = _above(h[r, d], 0, ends[r], b0, b1, b2, b3)
                for m in range(min(4, n_biases - n)):
                    out[r, d, n + m] = np.float32(above[m]) / steps
