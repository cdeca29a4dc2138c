"""aeon's and sktime's collections of series as rows the estimator reads.

A collection is a 3-D array ``(n_cases, n_channels, n_timepoints)`` or,
when the series differ in length, a list of ``(n_channels, n_timepoints_i)``
arrays (aeon's unequal-length format; 1-D arrays are univariate series).
Unequal series become rows of the longest length with NaN after each
series' end: the encoder reads trailing NaN as the end of a shorter series
(the steps after it are zero in every layer and not pooled), so a series
embeds the same whatever it is padded to.
"""

import numpy as np

__all__ = ["as_series", "check_same_channels", "is_series_list", "pad_series"]


def is_series_list(X):
    """Whether ``X`` is a collection of series as a list: a list or tuple of
    2-D arrays, or of 1-D arrays of different lengths (1-D arrays of one
    length are rows, as scikit-learn reads them)."""
    if not isinstance(X, (list, tuple)) or not len(X):
        return False
    if not all(hasattr(x, "shape") for x in X):
        return False
    ndims = {np.ndim(x) for x in X}
    if ndims == {1}:
        return len({np.shape(x)[0] for x in X}) > 1
    return ndims <= {1, 2}


def as_series(x, i, noun="Series"):
    """Item ``i`` of a collection as a float64 ``(n_channels, n_timepoints)``
    array (a 1-D array is one channel).

    A DataFrame holds a series as pandas does: a row per time step and a
    column per channel (sktime's df-list), whichever estimator reads it.

    Raises
    ------
    TypeError
        A non-numeric item.
    ValueError
        An item that is neither 1-D nor 2-D.
    """
    x = np.asarray(x).T if hasattr(x, "columns") else np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(
            f"{noun} {i} of X is not numeric (dtype kind {x.dtype.kind!r}); a "
            "collection holds numeric arrays (NaN for missing steps)."
        )
    if x.ndim not in (1, 2):
        raise ValueError(
            f"{noun} {i} of X has {x.ndim} dimensions; a {noun.lower()} is "
            "(n_timepoints,) or (n_channels, n_timepoints)."
        )
    x = np.asarray(x, dtype=np.float64)
    return x[None, :] if x.ndim == 1 else x


def check_same_channels(series, plural="series"):
    """Raise a ``ValueError`` unless every item has the same channels."""
    channels = {x.shape[0] for x in series}
    if len(channels) > 1:
        raise ValueError(
            f"The {plural} of X have different numbers of channels "
            f"{sorted(channels)}; every item of a collection has the same channels."
        )


def pad_series(X, length=None):
    """``(n_cases, n_channels, length)`` float array, NaN after each end.

    Parameters
    ----------
    X : list of array-like of shape (n_channels, n_timepoints_i) or (n_timepoints_i,)
    length : int, default=None
        Length to pad to (the fitted series length); ``None``: the longest.

    Raises
    ------
    ValueError
        Series with different numbers of channels, an empty series, or a
        series longer than ``length``.
    """
    series = [as_series(x, i) for i, x in enumerate(X)]
    check_same_channels(series)
    lengths = np.array([x.shape[1] for x in series])
    if (lengths == 0).any():
        raise ValueError(f"Series {int(np.argmin(lengths))} of X is empty.")
    longest = int(lengths.max())
    if length is None:
        length = longest
    elif longest > length:
        raise ValueError(
            f"Series {int(np.argmax(lengths))} of X has {longest} time points, "
            f"more than the {length} this transformer reads; truncate or "
            "resample it, or fit with input_shape=(n_channels, n_timepoints) "
            "set to the longest length to come (as in cross-validation)."
        )
    out = np.full((len(series), series[0].shape[0], length), np.nan)
    for i, x in enumerate(series):
        out[i, :, : x.shape[1]] = x
    return out
