"""The training pool read lazily: standardised batch by batch, subsets by
index, statistics in chunks, so that a pool as large as memory (a float32
``np.memmap``) is read, never copied whole (docs/memory.md).

Every value is the one a whole standardised copy would hold: the
standardisation is elementwise, and the per-feature statistics add the rows
in numpy's own order (tested equal to ``np.nanmean`` and ``np.nanstd``).
"""

import numpy as np
import torch

__all__ = ["StandardizedRows", "nan_mean_std"]

# rows read at a time by the statistics
_CHUNK_ROWS = 65_536


class StandardizedRows(torch.utils.data.Dataset):
    """Rows ``index`` of ``X``, standardised when they are read.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Raw rows (an array or a memmap); never copied whole.
    standardize : callable
        Raw rows to float32 standardised rows (elementwise).
    index : ndarray of int, default=None
        The rows this dataset holds, in this order (``None``: all of ``X``).

    Indexing with an array or tensor of positions gives those rows as one
    float32 tensor (a whole batch: :class:`~._training.BatchLoader`).
    """

    def __init__(self, X, standardize, index=None):
        self.X = X
        self.standardize = standardize
        self.index = np.arange(len(X)) if index is None else np.asarray(index)

    def __len__(self):
        return len(self.index)

    def __getitem__(self, positions):
        return torch.from_numpy(self.rows(positions))

    def rows(self, positions):
        """The standardised rows at ``positions`` as a float32 array."""
        if isinstance(positions, torch.Tensor):
            positions = positions.numpy()
        return self.standardize(self.X[self.index[positions]])

    def subset(self, positions):
        """The rows at ``positions`` of this one, as a dataset (no copy)."""
        return StandardizedRows(self.X, self.standardize, self.index[positions])


def nan_mean_std(X):
    """``np.nanmean(X, axis=0)`` and ``np.nanstd(X, axis=0)``, bit for bit,
    reading ``X`` (C-contiguous, 2-D) a chunk of rows at a time.

    numpy sums a C-ordered array over its rows one row after another, so
    each chunk's sum continues from the previous one (prepended as a row);
    the means, deviations and divisions repeat ``np.nanstd``'s operations.
    """
    count = _row_sum(X, lambda c: (~np.isnan(c)).astype(np.intp))
    total = _row_sum(X, _zeroed)
    mean = np.true_divide(total, count, out=total.copy(), casting="unsafe")

    def squares(chunk):
        missing = np.isnan(chunk)
        chunk = _zeroed(chunk)
        np.subtract(chunk, mean[None, :], out=chunk, casting="unsafe")
        np.copyto(chunk, 0, where=missing)
        return np.multiply(chunk, chunk, out=chunk)

    var = _row_sum(X, squares)
    var = np.true_divide(var, count, out=var, casting="unsafe")
    return mean, np.sqrt(var)


def _row_sum(X, f):
    """``f(chunk)`` summed over all rows, in numpy's row order."""
    total = None
    for start in range(0, len(X), _CHUNK_ROWS):
        part = f(np.asarray(X[start : start + _CHUNK_ROWS]))
        if total is not None:
            part = np.concatenate([total[None, :], part])
        total = np.add.reduce(part, axis=0)
    return total


def _zeroed(chunk):
    """A copy of ``chunk`` with NaN as 0 (``np.nanmean``'s replacement)."""
    chunk = np.array(chunk, copy=True)
    np.copyto(chunk, 0, where=np.isnan(chunk))
    return chunk
