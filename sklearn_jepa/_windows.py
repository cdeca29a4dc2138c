"""Windows of long recordings: cutting them, and the estimator that embeds them.

A sensor, an ECG or a machine log is one long unlabeled recording; what a
user wants from it is an embedding per window (to cluster, search, score
anomalies or classify a few labeled windows). :func:`sliding_windows` cuts
recordings into windows of one length every ``hop`` steps, and
:class:`JEPAWindowTransformer` fits a :class:`JEPATransformer` on the
windows of one or several recordings and embeds windows
(:meth:`~JEPAWindowTransformer.transform_windows`) or whole recordings (the
mean of their windows' embeddings, :meth:`~JEPAWindowTransformer.transform`).
"""

import numbers
import warnings

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    clone,
)
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._estimator import JEPATransformer
from .inputs._collections import as_series, check_same_channels

__all__ = ["JEPAWindowTransformer", "sliding_windows"]

# a recording fitted alone is cut into windows of this share of its length
# (hop half a window: about 7 windows), at least _MIN_WINDOW steps (at most
# half the recording: a short one still gives several windows)
_SINGLE_SHARE = 4
_MIN_WINDOW = 16


def single_recording_window(length):
    """Window length for a recording fitted alone."""
    return max(1, length // _SINGLE_SHARE, min(_MIN_WINDOW, length // 2))


def _recordings(X):
    """``X`` as a list of ``(n_channels, n_timepoints)`` arrays, float32 when
    every recording is float32, float64 otherwise.

    A list or tuple holds recordings (1-D: univariate, 2-D: ``(n_channels,
    n_timepoints)``, a DataFrame: a row per time step and a column per
    channel), of any lengths; a 3-D array is ``(n_recordings,
    n_channels, n_timepoints)`` and a 2-D array holds univariate recordings,
    one per row (aeon's and scikit-learn's conventions). NaN is a missing
    step; a trailing run of NaN is the recording's end.
    """
    if hasattr(X, "to_numpy"):  # a DataFrame: univariate recordings as rows
        X = X.to_numpy()
    if isinstance(X, (list, tuple)):
        items = list(X)
    else:
        if not hasattr(X, "shape"):
            X = np.asarray(X)
        if X.ndim == 3:
            items = list(X)
        elif X.ndim == 2:
            _warn_time_major(X)
            items = [row[None, :] for row in X]
        else:
            raise ValueError(
                "X must hold recordings: a list of (n_channels, "
                "n_timepoints) or 1-D arrays, a 3-D array (n_recordings, "
                "n_channels, n_timepoints) or a 2-D array of univariate "
                f"recordings, got an array of {X.ndim} dimension(s). One "
                "recording is [recording]."
            )
    if not items:
        raise ValueError("X holds no recording (0 recordings).")
    single = all(_dtype(x) == np.float32 for x in items)
    dtype = np.float32 if single else np.float64
    out = []
    for i, x in enumerate(items):
        # a DataFrame: a row per time step, a column per channel (as_series)
        x = as_series(x, i, "Recording")
        if np.isinf(x).any():
            raise ValueError(f"Recording {i} of X contains infinity.")
        observed = np.flatnonzero(~np.isnan(x).all(axis=0))
        if not observed.size:
            raise ValueError(
                f"Recording {i} of X has no observed value (empty or all NaN)."
            )
        # a trailing NaN run is its end
        out.append(x[:, : observed[-1] + 1].astype(dtype, copy=False))
    check_same_channels(out, "recordings")
    return out


def _dtype(x):
    """The dtype of a recording (a DataFrame's common dtype)."""
    dtype = getattr(x, "dtype", None)
    if dtype is None and hasattr(x, "dtypes"):
        dtypes = set(x.dtypes)
        dtype = dtypes.pop() if len(dtypes) == 1 else None
    return dtype


# a 2-D array this much taller than wide, with at most this many columns,
# looks like one recording as pandas holds it (a row per time step)
_TALL = 10
_FEW_CHANNELS = 16


def _warn_time_major(X):
    """Warn when a 2-D array looks time-major: it is read as univariate
    recordings, one per row, which silently turns one recording of many
    steps into many recordings of a few steps."""
    n_rows, n_columns = X.shape
    if n_columns <= _FEW_CHANNELS and n_rows >= _TALL * n_columns:
        warnings.warn(
            f"X is a 2-D array of {n_rows} rows and {n_columns} column(s), read "
            f"as {n_rows} univariate recordings of {n_columns} step(s) each (a "
            "row per recording, aeon's convention). If it is one recording "
            "with a row per time step and a column per channel (as pandas "
            "holds it), pass it in a list: [X] for a DataFrame, [X.T] for an "
            "array.",
            UserWarning,
            stacklevel=4,
        )


def _check_length(value, name, allow_none=True):
    if value is None and allow_none:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}.")
    return int(value)


def window_starts(length, window_length, hop):
    """Start of every window of a recording of ``length`` steps.

    Windows start every ``hop`` steps; when steps remain after the last of
    them, one more window ends at the recording's end, so every step is in
    a window. A recording shorter than a window has one window (padded with
    NaN after its end).
    """
    if length <= window_length:
        return np.zeros(1, dtype=np.int64)
    starts = np.arange(0, length - window_length + 1, hop, dtype=np.int64)
    if starts[-1] + window_length < length:
        starts = np.append(starts, length - window_length)
    return starts


# windows are cut and embedded this many values at a time (128 MB of
# float64): a long recording is never copied into all its windows at once
# by transform
_CHUNK_VALUES = 2**24


def _index(recordings, window_length, hop):
    """``(recording, start)`` of every window, recording after recording.

    A window with no observed value (inside a gap of NaN longer than a
    window, a sensor drop-out) is left out: there is nothing to embed.
    """
    parts = []
    for i, x in enumerate(recordings):
        starts = window_starts(x.shape[1], window_length, hop)
        observed = np.r_[0, np.cumsum(~np.isnan(x).all(axis=0))]
        ends = np.minimum(starts + window_length, x.shape[1])
        starts = starts[observed[ends] > observed[starts]]
        parts.append(np.column_stack([np.full(len(starts), i), starts]))
    return np.concatenate(parts)


def _gather(recordings, index, window_length):
    """The windows of ``index`` rows (sorted by recording), NaN after an end."""
    n_channels = recordings[0].shape[0]
    shape = (len(index), n_channels, window_length)
    windows = np.full(shape, np.nan, dtype=recordings[0].dtype)
    bounds = np.r_[0, np.flatnonzero(np.diff(index[:, 0])) + 1, len(index)]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        x = recordings[index[lo, 0]]
        if x.shape[1] < window_length:
            windows[lo:hi, :, : x.shape[1]] = x
            continue
        view = np.lib.stride_tricks.sliding_window_view(x, window_length, axis=1)
        windows[lo:hi] = view[:, index[lo:hi, 1], :].transpose(1, 0, 2)
    return windows


def _chunks(index, n_channels, window_length, multiple=1):
    """Slices of ``index`` whose windows hold about ``_CHUNK_VALUES`` values
    (a multiple of ``multiple`` windows each, but the last, when that holds
    more than one)."""
    size = max(1, _CHUNK_VALUES // (n_channels * window_length))
    if size >= multiple:
        size -= size % multiple
    for lo in range(0, len(index), size):
        yield slice(lo, lo + size)


def _cut(recordings, window_length, hop):
    index = _index(recordings, window_length, hop)
    return _gather(recordings, index, window_length), index


def _recording_sums(Z, index, n_recordings):
    """Per recording, the float64 sum of its rows of ``Z`` and their count."""
    recording = index[:, 0]
    sums = np.zeros((n_recordings, Z.shape[1]), dtype=np.float64)
    np.add.at(sums, recording, Z)
    return sums, np.bincount(recording, minlength=n_recordings)


def sliding_windows(X, window_length, hop=None, *, return_index=False):
    """Cut recordings into windows of ``window_length`` steps every ``hop``.

    Parameters
    ----------
    X : list of array-like, or ndarray of shape (n_recordings, n_channels, \
            n_timepoints) or (n_recordings, n_timepoints)
        Recordings: a list of ``(n_channels, n_timepoints_i)`` or 1-D arrays
        (or of DataFrames with a row per time step and a column per
        channel) of any lengths, a 3-D array, or a 2-D array of univariate
        recordings (one per row). One recording is ``[recording]``. NaN is
        a missing step, kept in the windows.
    window_length : int
        Steps per window.
    hop : int, default=None
        Steps between the starts of consecutive windows; ``None``: half a
        window. When steps remain after the last regular window, one more
        window ends at the recording's end (every step is in a window); a
        recording shorter than a window gives one window, NaN after its end
        (which :class:`JEPATransformer` reads as the end of the series).
    return_index : bool, default=False
        Also return, per window, its recording and its first step.

    A window with no observed value (inside a gap of NaN longer than a
    window, such as a sensor drop-out) is left out; ``index`` says where
    every returned window starts.

    Returns
    -------
    windows : ndarray of shape (n_windows, n_channels, window_length)
        The windows of the first recording, then the second's, and so on.
    index : ndarray of shape (n_windows, 2)
        Only with ``return_index=True``: ``(recording, start)`` per window.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_jepa import sliding_windows
    >>> recording = np.arange(20.0).reshape(2, 10)  # 2 channels, 10 steps
    >>> windows, index = sliding_windows([recording], 4, hop=4, return_index=True)
    >>> windows.shape
    (3, 2, 4)
    >>> index[:, 1].tolist()  # the last window ends at the recording's end
    [0, 4, 6]
    """
    window_length = _check_length(window_length, "window_length", allow_none=False)
    hop = _check_length(hop, "hop")
    recordings = _recordings(X)
    windows, index = _cut(recordings, window_length, hop or max(1, window_length // 2))
    return (windows, index) if return_index else windows


class JEPAWindowTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """A JEPA fitted on the windows of long recordings.

    Cuts every recording into windows (:func:`sliding_windows`), fits a
    :class:`JEPATransformer` on all of them (batches mix windows of every
    recording) and embeds windows or whole recordings. A single recording
    is enough: the JEPA learns from its windows. With ``early_stopping``,
    the hold-out takes whole recordings (or, from a single recording, its
    end), never windows whose overlapping neighbours are trained on.
    ``transform`` gives one row per recording (the mean of its windows'
    embeddings), so the transformer sits in a scikit-learn pipeline that
    classifies recordings;
    :meth:`transform_windows` gives one row per window, for clustering,
    search, anomaly scores or a classifier on a few labeled windows.

    Parameters
    ----------
    window_length : int, default=None
        Steps per window. ``None``: the longest recording of ``fit`` when
        there are several (whole recordings; longer ones to come are cut into
        windows of that length), and for a single recording a quarter of its
        length (at least 16 steps, or half of a shorter recording), so that
        it gives several windows.
    hop : int, default=None
        Steps between window starts; ``None``: half a window.
    estimator : JEPATransformer, default=None
        The transformer fitted on the windows (cloned; ``None``:
        ``JEPATransformer()``, which reads windows as signals). Tune it
        through its parameters: ``estimator__max_iter``.

    Attributes
    ----------
    estimator_ : JEPATransformer
        The transformer fitted on the windows.
    window_length_ : int
        The window length used.
    hop_ : int
        The hop used.
    n_channels_ : int
        Channels of the recordings seen in ``fit``.
    n_windows_ : int
        Windows the JEPA was fitted on.
    n_features_in_ : int
        Steps of a recording when ``fit`` received a 2-D array (univariate
        recordings of one length); absent otherwise.

    See Also
    --------
    sliding_windows : The windows this transformer cuts.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_jepa import JEPATransformer, JEPAWindowTransformer
    >>> rng = np.random.default_rng(0)
    >>> recording = np.sin(np.arange(600) / 5.0) + 0.1 * rng.normal(size=(3, 600))
    >>> jepa = JEPAWindowTransformer(
    ...     window_length=60, estimator=JEPATransformer(max_iter=2, random_state=0)
    ... )
    >>> jepa = jepa.fit([recording])
    >>> Z, index = jepa.transform_windows([recording], return_index=True)
    >>> Z.shape[0], index[:3, 1].tolist()
    (19, [0, 30, 60])
    >>> jepa.transform([recording]).shape[0]  # one row per recording
    1
    """

    def __init__(self, window_length=None, hop=None, estimator=None):
        self.window_length = window_length
        self.hop = hop
        self.estimator = estimator

    def fit(self, X, y=None):
        """Fit the JEPA on the windows of the recordings ``X``.

        Parameters
        ----------
        X : list of array-like, or ndarray of shape (n_recordings, \
                n_channels, n_timepoints) or (n_recordings, n_timepoints)
            Unlabeled recordings (see :func:`sliding_windows`).
        y : None
            Ignored.

        Returns
        -------
        self : JEPAWindowTransformer

        Notes
        -----
        The JEPA trains on all windows in memory (``n_windows * n_channels
        * window_length`` values, twice: as given and standardised). For a
        recording too long for that, fit with a larger ``hop`` (fewer,
        less overlapping windows) and embed with the hop you need:
        ``transform_windows(X, hop=...)``.
        """
        estimator = JEPATransformer() if self.estimator is None else self.estimator
        if not isinstance(estimator, JEPATransformer):
            raise TypeError(
                f"estimator must be a JEPATransformer, got {type(estimator).__name__}."
            )
        recordings = self._check_recordings(X, reset=True)
        lengths = [x.shape[1] for x in recordings]
        window_length = _check_length(self.window_length, "window_length")
        hop = _check_length(self.hop, "hop")
        if window_length is None:
            if len(recordings) > 1:
                window_length = max(lengths)
            else:
                window_length = single_recording_window(lengths[0])
        self.window_length_ = window_length
        self.hop_ = hop or max(1, window_length // 2)
        windows, index = _cut(recordings, self.window_length_, self.hop_)
        if len(windows) < 2:
            raise ValueError(
                f"X gives one sample (1 window of {window_length} steps); the "
                "JEPA needs at least 2 windows: give a shorter window_length, a "
                "smaller hop or more recordings."
            )
        # early stopping holds out whole recordings, or the end of one with
        # the windows that overlap it left out, never a window whose
        # overlapping neighbours are trained on
        gap = -(-self.window_length_ // self.hop_)
        self.estimator_ = clone(estimator).fit(
            windows, groups=index[:, 0], hold_out_gap=gap
        )
        self.n_windows_ = len(windows)
        return self

    def transform_windows(self, X, return_index=False, hop=None):
        """Embed every window of the recordings ``X``.

        Parameters
        ----------
        X : list of array-like, or ndarray
            Recordings (see :func:`sliding_windows`), cut with the fitted
            ``window_length_`` and ``hop_``.
        return_index : bool, default=False
            Also return ``(recording, start)`` per window.
        hop : int, default=None
            Steps between the windows embedded here; ``None``: the fitted
            ``hop_``. ``hop=1`` embeds a window at every step (a dense
            profile for change points or anomaly scores).

        Windows are cut and embedded at most 128 MB of them at a time, so a
        long recording is never copied into all its windows at once; with a
        ``verbose`` estimator, each such chunk prints its progress.

        Returns
        -------
        Z : ndarray of shape (n_windows, n_components)
        index : ndarray of shape (n_windows, 2)
            Only with ``return_index=True``.
        """
        check_is_fitted(self, "estimator_")
        recordings = self._check_recordings(X, reset=False)
        hop = _check_length(hop, "hop") or self.hop_
        index = _index(recordings, self.window_length_, hop)
        Z = np.concatenate([Z for _, Z in self._embed_chunks(recordings, index)])
        return (Z, index) if return_index else Z

    def transform(self, X):
        """One row per recording: the mean of its windows' embeddings.

        Parameters
        ----------
        X : list of array-like, or ndarray
            Recordings (see :func:`sliding_windows`).

        Returns
        -------
        X_new : ndarray of shape (n_recordings, n_components)
        """
        check_is_fitted(self, "estimator_")
        recordings = self._check_recordings(X, reset=False)
        index = _index(recordings, self.window_length_, self.hop_)
        # summed chunk by chunk: never every window's embedding at once
        sums = counts = 0
        for rows, Z in self._embed_chunks(recordings, index):
            chunk_sums, chunk_counts = _recording_sums(Z, index[rows], len(recordings))
            sums, counts = sums + chunk_sums, counts + chunk_counts
        return (sums / counts[:, None]).astype(Z.dtype, copy=False)

    def score(self, X, y=None):
        """Label-free score of the JEPA on the windows of ``X``.

        :meth:`JEPATransformer.score` (the share of the target embeddings'
        variance the predictor recovers from half-masked windows) on the
        windows cut with the fitted ``window_length_`` and ``hop_``, so a
        ``GridSearchCV`` tunes the JEPA without labels.

        Parameters
        ----------
        X : list of array-like, or ndarray
            Recordings (see :func:`sliding_windows`).
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        check_is_fitted(self, "estimator_")
        recordings = self._check_recordings(X, reset=False)
        index = _index(recordings, self.window_length_, self.hop_)
        estimator = self.estimator_
        # cut chunk by chunk, in whole batches: the batches, hence the score,
        # of all windows at once, in bounded memory
        parts = (
            _gather(recordings, index[rows], self.window_length_).reshape(
                -1, self.n_channels_ * self.window_length_
            )
            for rows in _chunks(
                index,
                self.n_channels_,
                self.window_length_,
                estimator.config_.batch_size,
            )
        )
        return estimator.score_parts(parts)

    def _embed_chunks(self, recordings, index):
        """``(rows, Z)``: the windows of ``index[rows]`` embedded, at most
        ``_CHUNK_VALUES`` window values at a time (with a ``verbose``
        estimator, each chunk prints its progress)."""
        for rows in _chunks(index, self.n_channels_, self.window_length_):
            windows = _gather(recordings, index[rows], self.window_length_)
            Z = self.estimator_.transform(windows)
            yield rows, Z
            if self.estimator_.verbose and len(Z) < len(index):
                done = rows.start + len(Z)
                print(f"embedded {done:,} of {len(index):,} windows", flush=True)

    @property
    def _n_features_out(self):
        return self.estimator_.n_components_

    def _check_recordings(self, X, reset):
        if isinstance(X, (list, tuple)):
            if reset:
                for name in ("n_features_in_", "feature_names_in_"):
                    if hasattr(self, name):
                        delattr(self, name)
        elif getattr(X, "ndim", None) == 3:
            X = check_array(X, ensure_all_finite="allow-nan", allow_nd=True)
        else:
            # a table of univariate recordings of one length (features are
            # steps): scikit-learn's contract, n_features_in_ included;
            # recordings of other lengths come as a list or a 3-D array
            X = validate_data(self, X, reset=reset, ensure_all_finite="allow-nan")
        recordings = _recordings(X)
        if reset:
            self.n_channels_ = recordings[0].shape[0]
        elif recordings[0].shape[0] != self.n_channels_:
            raise ValueError(
                f"X has {recordings[0].shape[0]} channel(s), but "
                f"{type(self).__name__} was fitted on {self.n_channels_}."
            )
        return recordings

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
