"""The scikit-learn estimator: ``JEPATransformer``.

The scikit-learn layer only (parameters, validation, tags, the state hooks);
what a fit learns and does lives in :class:`~sklearn_jepa.engine._state.FitState`.
"""

import inspect
from collections.abc import Iterable
from numbers import Integral, Real

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from torch import nn

from ._version import __version__
from .configuration._config import KINDS, check_params
from .engine._distributed import distributed_context
from .engine._export import JEPAEncoder
from .engine._state import FitState, check_distributed
from .inputs._collections import is_series_list, pad_series
from .inputs._columns import (
    check_numbers,
    encode_columns,
    feature_groups,
    fit_columns,
)
from .inputs._images import image_layout, stack_rows
from .inputs._validation import check_observed
from .nn._losses import LOSSES
from .utils._compat import MOVED, from_0_3, state_from_0_2, translate
from .utils._parameters import check_unknown, flatten, route
from .utils._runtime import forked_rng, resolve_device, resolve_n_threads, torch_threads
from .utils._warnings import ModelVersionWarning, warn

__all__ = ["JEPATransformer"]

# fitted attributes, published from the FitState after each training call
_PUBLISHED = (
    "config_",
    "net_",
    "mean_",
    "scale_",
    "projection_",
    "n_components_",
    "history_",
    "n_iter_",
    "loss_curve_",
    "best_loss_",
)


class JEPATransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Self-supervised representation learning with a JEPA.

    Learns an encoder from unlabeled ``X`` by predicting, in embedding space,
    the representation of a hidden part of each row from the visible part
    (Joint-Embedding Predictive Architecture). The online encoder sees the
    context view (the row with a random subset of features, blocks or spans
    hidden), a narrow predictor predicts, from that embedding and the mask,
    the embedding that an EMA copy of the encoder (the target encoder, under
    stop-gradient) gives to the whole row, and the loss is a regression
    between the two. No decoder, no reconstruction.

    ``transform`` returns the **target encoder's** embedding of whole rows
    (the EMA weights, as I-JEPA evaluates), computed in batches, in eval mode
    and without gradients.

    Inputs are standardised internally with the training mean and standard
    deviation, so no scaler is needed in front: per feature for tables, per
    channel for images and signals (per-pixel scaling would magnify rarely
    used border pixels and distort the image). Missing values (``NaN``) are
    hidden features, tokens or time steps, never imputed numbers.

    A fitted transformer pickles without torch pickles inside, stores with
    skops, saves to a weights-only file (:func:`save`) and gives its encoder
    as a plain torch module (:meth:`to_torch`).

    Every ``"auto"`` and ``None`` below is resolved once at ``fit``; the
    fitted ``config_`` shows what was chosen. A parameter that has no effect
    in that configuration (``n_heads`` with the MLP, a mask ratio for
    images) warns. Measured reasons for the
    defaults: docs/benchmarks.md and docs/timeseries.md.

    Parameters
    ----------
    n_components : int or None, default=None
        Size of the embedding returned by ``transform``. ``None`` (as in
        :class:`~sklearn.decomposition.PCA`) keeps the whole pooled embedding
        (the fitted width is ``n_components_``): ``n_tokens * width`` values
        with ``"flatten"`` pooling, ``width`` with ``"mean"`` or ``"max"``,
        ``(n_layers + 1) * hidden_size`` for the MLP's ``"layers"``
        read-out. An int projects the pooled embedding on its first
        ``n_components`` principal directions (fitted on the training rows),
        or, with ``pooling="last"``, makes the whole-row MLP's output that
        narrow.
    input_shape : tuple of int, default=None
        Shape of one row: ``None`` for a table, ``(H, W)`` or ``(C, H, W)``
        for images and ``(L,)`` (or ``(C, L)`` with ``input_kind="signal"``)
        for 1-D signals, with rows of ``X`` flattened in C order. Its product
        must equal ``n_features``.
    input_kind : {"auto", "table", "image", "signal"}, default="auto"
        How to read ``input_shape``; ``"auto"``: ``None`` is a table, a
        1-tuple a signal, a 2- or 3-tuple an image. With ``input_shape=None``,
        ``"signal"`` reads each row as a signal of length ``n_features`` and
        ``"image"`` as an image one pixel high.
    encoder : {"auto", "mlp", "transformer", "conv"} or torch.nn.Module, \
            default="auto"
        ``"mlp"``: a whole-row MLP over masked features. ``"transformer"``:
        tokens and a transformer; patches for images and signals, one token
        per feature plus ``n_registers`` register tokens for tables (T-JEPA).
        ``"conv"``: for signals residual dilated 1-D convolutions with one
        embedding per time step (:class:`DilatedConvEncoder`), for images a
        sparse-masked CNN with one embedding per cell of its last stage
        (:class:`ConvImageEncoder`). ``"auto"``: ``"mlp"`` for tables,
        ``"conv"`` for images and signals. A module is used as the online
        encoder (deep-copied at ``fit``); it must implement
        ``forward(x, mask=None)`` with ``x`` of shape ``(batch_size,
        n_features)`` (standardised) and ``mask`` a
        bool tensor of the tokens it may see (``None``: all), and return
        ``(batch_size, dim)`` or ``(batch_size, n_tokens, dim)``. Masks cover
        the module's ``grid`` attribute if it has one, else the input
        features (2-D output) or the output tokens (3-D output). Its class
        must be importable (defined in a module, not in ``__main__``) for
        ``GridSearchCV(n_jobs>1)`` and ``joblib`` round trips.
    encoder_params : dict, default=None
        Secondary sizes of the built-in encoders, each ``None`` (chosen at
        ``fit``) unless given: ``patch_size`` (transformer: the patch side
        for images or length for signals; sides that are not multiples are
        zero-padded; ``None``: about 4 patches per image side, at most 64
        patches per signal), ``stride`` (conv: steps per token, the stride
        of its input convolution; ``None``: at most 128 tokens),
        ``predictor_size`` (the predictor's width; ``None``: half the
        encoder's, or for a custom encoder twice its output width with a
        whole-row output and its token width with token output),
        ``n_heads`` (transformer attention heads; ``None``: 4),
        ``n_registers`` (register tokens of the feature-token transformer
        for tables; ``None``: 4) and ``kernel_bank`` (conv on signals: about
        how many values the fixed bank of MiniRocket's kernels adds to the
        ``"blocks"`` read-out; ``None``: 10,000 up to 1,000 training series,
        ``10,000 * 1,000 / n_samples`` beyond, at least 840; 0: none, 0.4's
        read-out). Search over one key with
        ``{"jepa__encoder_params__n_heads": [2, 4]}``.
    pooling : {"auto", "mean", "max", "flatten", "blocks", "layers", "last"}, \
            default="auto"
        How token embeddings become one vector: their mean, their maximum
        over tokens, or all of them concatenated. ``"blocks"`` (conv encoder
        on signals) first reads out a fixed bank of MiniRocket's kernels
        (84 kernels at dilations up to the series length, the proportion of
        steps above biases fitted on the training series, PPV: 9,996 values
        up to 1,000 training series, fewer beyond, see ``encoder_params``),
        then every trained layer, not only the last: per channel its
        maximum and mean over time and its PPV against 5 biases, ``(n_layers
        + 2) * hidden_size * 7`` values (3,584 for a series of 128 tokens or
        more). In all 13,580 values at most: 109 MB per 1,000 series in
        float64, half in float32 (``transform`` works in chunks of
        ``batch_size`` series; its output is what grows). The pooled
        vector is then projected on its first ``n_components`` principal
        directions (fitted on the training rows), unless
        ``n_components=None``. ``"auto"``: ``"blocks"`` for the conv encoder
        on signals (docs/timeseries.md), ``"layers"`` for it on images
        (every stage averaged over 2x2 regions: ``4 * hidden_size * (2 **
        n_layers - 1)`` values, 896 by default, for any image size),
        ``"mean"`` for the signal transformer and custom token encoders,
        ``"flatten"`` for the image transformer and feature tokens (where a
        token is matters). The MLP reads out ``"layers"``: every hidden
        layer and its output, concatenated (``"auto"``); the target it is
        trained on is then every layer of the target encoder too, so that
        what ``transform`` returns is what training shaped (docs/pools.md).
        ``"last"``: its output only, 0.3's read-out.
    masking : float, pair of float or callable, default=None
        What the context hides. A float is the fraction of a table's
        features hidden from the context, and a pair ``(low, high)`` (tuple
        or list) draws that fraction uniformly per row; ``None``: ``(0.15,
        0.5)``. Images hide blocks and signals spans
        (:class:`MultiBlockMask`, :class:`SpanMask`, with the number of
        blocks scaled to the grid), whatever the ratio. A callable is a
        masking strategy ``masking(batch_size, grid, generator) -> (context,
        target)`` returning bool tensors ``(batch_size, n_tokens)`` (see
        :class:`FeatureMask`); it must be picklable (a module-level function
        or class).
    hidden_size : int, default=None
        Width of a built-in encoder: the MLP's hidden layers (``None``: 256),
        the transformer's token width or the signal convolutions' channels
        (``None``: 64), the image CNN's first stage (``None``: 32; each
        stage doubles it).
    n_layers : int, default=None
        Depth of a built-in encoder: MLP hidden layers (``None``: 2, also for
        its predictor), transformer layers (``None``: 4; the predictor gets
        half), residual convolution blocks (``None``: a receptive field at
        least as long as the series, ``ceil(log2((T + 3) / 4))`` blocks for
        ``T`` tokens, at least 2; the predictor gets that many) or the image
        CNN's stages (``None``: 3; a 2x2 max pool between stages while the
        last grid keeps at least 4 cells a side).
    loss : {"l2", "cosine", "smooth_l1"}, default="l2"
        Regression loss between the prediction and the (layer-normalised)
        target embedding; ``"cosine"`` is the normalised form.
    ema_momentum : pair of float or None, default=None
        ``(start, end)`` of the target encoder's EMA momentum, with ``0 <=
        start <= end <= 1``, ramped per optimizer step over ``max_iter``
        epochs with a cosine. ``None``: ``(1 - 10 / n_steps, 1.0)`` with the
        start kept within ``[0.95, 0.99]``, so the target averages over
        about a tenth of the schedule.
    max_iter : int or None, default=None
        Number of epochs (passes over the data); ``partial_fit`` makes one.
        ``None``: a budget that follows the data and the model: at most
        ``1000 * sqrt(n_samples / 1000)`` optimizer steps (at least 100) and
        at most ``2e11 * sqrt(n_samples / 1000)`` floating-point operations
        (ten times that for images; counted on one batch), in whole epochs
        (1 to 500), so large pools train longest. The fitted value is
        ``config_.max_iter``; ``verbose=1`` shows the epochs.
    batch_size : int or None, default=None
        Rows per optimizer step; also the chunk size of ``transform``, which
        bounds its memory. ``None``: 32 for the conv encoders (more optimizer
        steps in the same budget), 128 otherwise.
    learning_rate : float or None, default=None
        Peak learning rate of AdamW, reached after a linear warmup and then
        decayed with a cosine to 1% of it. ``None``: ``1e-3`` for schedules
        of 1,000 optimizer steps or more, up to ``3e-3`` for shorter ones
        (``1e-3 * sqrt(1000 / n_steps)``). The fitted value is
        ``config_.learning_rate``.
    optimizer_params : dict, default=None
        Secondary settings of the optimizer and its schedule: ``weight_decay``
        (AdamW's, not applied to biases and normalisation weights; default
        0.05), ``warmup_fraction`` (share of the optimizer steps of
        ``max_iter`` used for the linear warmup; default 0.1) and
        ``grad_clip`` (maximum gradient norm, ``None`` for no clipping;
        default 1.0).
    early_stopping : bool or dict, default=False
        Hold out a share of the rows, stop when the held-out JEPA loss has
        not improved by ``tol`` for ``n_iter_no_change`` epochs, and restore
        the best weights. ``True`` holds out 10 % with a patience of 10
        epochs and a tolerance of 1e-4; a dict turns it on and sets any of
        ``validation_fraction``, ``n_iter_no_change`` and ``tol``
        (``early_stopping={"n_iter_no_change": 5}``).
    warm_start : bool, default=False
        If True, ``fit`` continues from the previous solution (weights, EMA
        state, optimizer state and scaler) instead of starting over; after a
        completed fit the schedules restart (warmup and cosine again).
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks, appended to the built-in ones.
    device : {"cpu", "cuda", "auto"} or str, default="cpu"
        Torch device; ``"auto"`` picks CUDA when it is available. A device
        torch does not know or that this machine lacks raises a
        ``ValueError`` at the start of ``fit``.
    bf16 : bool, default=False
        Use bfloat16 autocast for the forward pass on CUDA, and on CPUs with
        native bfloat16 instructions (AVX-512 BF16, AMX; elsewhere it warns
        and is ignored): the image CNN fits faster at the same accuracy
        (measured: docs/image_speed.md). Off by default: float32 gives the same
        embeddings on every CPU.
    n_threads : int, default=None
        Torch intra-op threads used during ``fit``, ``transform`` and
        ``score``; torch's own setting is restored afterwards. ``None``: one
        thread on a CPU, for numpy's BLAS too (these models are too small to
        split, and spinning worker threads slow a fit many times over when
        another process shares the cores: docs/threads.md; several fits, e.g.
        ``GridSearchCV(n_jobs=-1)``, then use the cores in parallel) and
        torch's setting on an accelerator. ``-1``: every core this process
        may use (its CPU affinity, within the thread limits of joblib
        workers and ``OMP_NUM_THREADS``).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, masks and the projection
        (independent streams of one :class:`numpy.random.SeedSequence`). An
        int gives bit-identical embeddings on CPU.
    verbose : int, default=0
        0 prints nothing; 1 prints a line per epoch (colours only on a
        terminal) and, on a terminal, a progress bar when an epoch has many
        batches; 2 always shows the progress bar.
    **deprecated_params
        0.3's names of the settings that 0.4 moved into ``masking``,
        ``encoder_params``, ``optimizer_params`` and ``early_stopping``,
        and 0.1's ``max_epochs`` and ``lr``, still work, here and in
        ``set_params``, with a ``FutureWarning`` that names the new
        spelling (CHANGELOG.md, 0.4.0).

    Attributes
    ----------
    config_ : JEPAConfig
        The configuration the fit used, with every ``"auto"`` and ``None``
        resolved: ``encoder``, ``width``, ``n_layers``, ``grid``,
        ``pooling``, ``masking``, ``batch_size``, ``max_iter``,
        ``learning_rate``, ``ema_momentum``, ...
    n_components_ : int
        Number of values ``transform`` returns per row (``n_components``, or
        the width of the pooled embedding when ``n_components=None``).
    projection_ : tuple of (ndarray, ndarray) or None
        Mean and principal directions that map pooled token embeddings to
        ``n_components``; ``None`` for whole-row encoders and for
        ``n_components=None``.
    net_ : skorch.NeuralNet
        The trained skorch net; ``net_.module_`` holds the encoder, the
        predictor and the target encoder.
    history_ : skorch.History
        Per-epoch records: ``train_loss``, ``valid_loss`` (with early
        stopping), and, for the pooled embeddings of a fixed sample of rows,
        ``effective_rank``, ``std_min``, ``std_median``, ``dead_fraction``;
        ``dur``. Index it like ``history_[:, "train_loss"]``.
    loss_curve_ : list of float
        Training loss per epoch.
    best_loss_ : float
        Lowest training loss, or lowest validation loss with early stopping.
    n_iter_ : int
        Number of epochs run.
    mean_ : ndarray of shape (n_features,)
        Mean subtracted from each feature (for images and signals, the mean
        of the feature's channel).
    scale_ : ndarray of shape (n_features,)
        Standard deviation each feature is divided by (per channel for images
        and signals; 1 where it is zero).
    n_features_in_ : int
        Number of features seen during ``fit`` (``n_channels * n_timepoints``
        for a 3-D collection).
    collection_shape_ : tuple of int or None
        ``(n_channels, n_timepoints)`` when ``fit`` was given a 3-D array
        (aeon's and sktime's collection layout), else ``None``. ``transform``
        then takes that 3-D shape or the same series flattened in C order.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during ``fit`` (only when they are strings).

    See Also
    --------
    sklearn.decomposition.PCA : Linear projection on the directions of largest
        variance.
    sklearn.neural_network.BernoulliRBM : Another unsupervised neural
        transformer.

    Notes
    -----
    Collapse is measured, not assumed: every epoch records the effective rank
    and the per-dimension spread of a fixed sample's pooled embeddings, and
    ``fit`` emits a :class:`CollapseWarning` when what ``transform`` returns
    for that sample collapsed.

    The training-loop parameters follow scikit-learn's names
    (:class:`~sklearn.neural_network.MLPClassifier`: ``max_iter``,
    ``batch_size``, ``learning_rate``, ``early_stopping`` and its
    ``validation_fraction``, ``n_iter_no_change``, ``tol``, ``warm_start``,
    and the fitted ``n_iter_``, ``loss_curve_``, ``best_loss_``); skorch's
    own names (``max_epochs``, ``lr``) appear only on ``net_``. Settings
    that are part of another parameter travel inside it (the mask ratio in
    ``masking``, the secondary encoder sizes in ``encoder_params``, the
    optimizer's in ``optimizer_params``), so the constructor has 23
    parameters, each one a user sets or searches over.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_jepa import JEPATransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> jepa = JEPATransformer(n_components=8, max_iter=2, random_state=0)
    >>> jepa.fit_transform(X).shape
    (1797, 8)
    >>> jepa.config_.encoder, jepa.config_.max_iter
    ('mlp', 2)

    A DataFrame's text columns go in as they are (one indicator per level):

    >>> import pandas as pd
    >>> df = pd.DataFrame({"size": [1.0, 2.5, 3.0, 0.5] * 5,
    ...                    "colour": ["red", "blue", None, "red"] * 5})
    >>> jepa = JEPATransformer(4, max_iter=1, random_state=0).fit(df)
    >>> jepa.n_features_in_, jepa.config_.n_features
    (2, 3)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "input_shape": [tuple, list, None],
        "input_kind": [StrOptions(set(KINDS))],
        "encoder": [StrOptions({"auto", "mlp", "transformer", "conv"}), nn.Module],
        "encoder_params": [dict, None],
        "pooling": [
            StrOptions({"auto", "mean", "max", "flatten", "blocks", "layers", "last"})
        ],
        "masking": [
            Interval(Real, 0, 1, closed="neither"),
            tuple,
            list,
            callable,
            None,
        ],
        "hidden_size": [Interval(Integral, 1, None, closed="left"), None],
        "n_layers": [Interval(Integral, 1, None, closed="left"), None],
        "loss": [StrOptions(set(LOSSES))],
        "ema_momentum": [tuple, list, None],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "optimizer_params": [dict, None],
        "early_stopping": ["boolean", dict],
        "warm_start": ["boolean"],
        "callbacks": [list, None],
        "device": [str, torch.device],
        "bf16": ["boolean"],
        "n_threads": [
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
            None,
        ],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components=None,
        *,
        input_shape=None,
        input_kind="auto",
        encoder="auto",
        encoder_params=None,
        pooling="auto",
        masking=None,
        hidden_size=None,
        n_layers=None,
        loss="l2",
        ema_momentum=None,
        max_iter=None,
        batch_size=None,
        learning_rate=None,
        optimizer_params=None,
        early_stopping=False,
        warm_start=False,
        callbacks=None,
        device="cpu",
        bf16=False,
        n_threads=None,
        random_state=None,
        verbose=0,
        **deprecated_params,
    ):
        self.n_components = n_components
        self.input_shape = input_shape
        self.input_kind = input_kind
        self.encoder = encoder
        self.encoder_params = encoder_params
        self.pooling = pooling
        self.masking = masking
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.loss = loss
        self.ema_momentum = ema_momentum
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer_params = optimizer_params
        self.early_stopping = early_stopping
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.device = device
        self.bf16 = bf16
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        if deprecated_params:
            # 0.3's spellings, for one release (sklearn_jepa.utils._parameters);
            # anything else is an error at fit, where scikit-learn validates
            # (get_params carries it, so a clone fails the same way)
            new, unknown = translate(vars(self), deprecated_params)
            vars(self).update(new)
            if unknown:
                self._unknown_params = unknown

    def get_params(self, deep=True):
        """Get the parameters of this estimator.

        As :meth:`sklearn.base.BaseEstimator.get_params`, plus any keyword
        that is no parameter (a misspelt ``hiden_size=8``): ``clone``
        rebuilds an estimator from these, so a clone fails at ``fit`` as
        the original does, instead of running the default silently.

        Parameters
        ----------
        deep : bool, default=True
            Also the parameters of contained estimators (none here).

        Returns
        -------
        params : dict
        """
        params = super().get_params(deep=deep)
        params.update(getattr(self, "_unknown_params", None) or {})
        return params

    def set_params(self, **params):
        """Set the parameters of this estimator.

        As :meth:`sklearn.base.BaseEstimator.set_params`, and a key of
        ``encoder_params``, ``optimizer_params`` or ``early_stopping`` can
        be set on its own as ``<parameter>__<key>`` (search grids write
        ``{"jepa__encoder_params__n_heads": [2, 4]}``). 0.3's parameter
        names work with a ``FutureWarning``.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : JEPATransformer
        """
        old = {name: params.pop(name) for name in list(params) if name in MOVED}
        if "deprecated_params" in params:
            # the signature's **deprecated_params, given by name: a dict of
            # old spellings, anything else an error at fit
            given = params.pop("deprecated_params")
            old.update(
                given if isinstance(given, dict) else {"deprecated_params": given}
            )
        params = route(self, params)
        if old:
            current = {**self.get_params(deep=False), **params}
            new, unknown = translate(current, old)
            params.update(new)
            if unknown:
                self._unknown_params = unknown
        return super().set_params(**params)

    def fit(
        self,
        X: ArrayLike,
        y: None = None,
        *,
        groups: ArrayLike | None = None,
        hold_out_gap: int = 0,
    ) -> "JEPATransformer":
        """Learn the encoder from unlabeled ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or ndarray of shape \
                (n_cases, n_channels, n_timepoints)
            Training rows, or a collection of series (read as signals of
            that shape: no ``input_shape`` needed). ``NaN`` marks a missing
            value, read as a hidden feature or time step (never in the
            context, never a target); inf and rows with no observed value
            are rejected. A DataFrame (pandas, polars) or object array may
            hold text, ``category`` and boolean columns: a category becomes
            one indicator per level (at most 20, the rest ``"other"``), a
            missing or unseen level is hidden, and the masks hide a
            column's indicators together; date and nested columns raise a
            ``TypeError``.
        y : None
            Ignored; present for API consistency.
        groups : array-like of shape (n_samples,), default=None
            Group of each row (the recording a window comes from, the
            patient of a visit), used by ``early_stopping`` only: its
            hold-out takes whole groups while they keep to
            ``validation_fraction``, so correlated rows never sit on both
            sides. When whole groups cannot hold half that share (a single
            group, or a few large ones), the rest is the last rows of one
            group (for the windows of one recording, its end).
            ``None``: rows at random.
        hold_out_gap : int, default=0
            When that hold-out is the end of one group: how many rows
            before it are left out of training too, because they share
            values with it (overlapping windows of one recording: the
            window length over the hop, as :class:`JEPAWindowTransformer`
            passes it). Ignored without ``groups`` or ``early_stopping``.

        Returns
        -------
        self : JEPATransformer
        """
        self._validate_params()
        start_over = not (self.warm_start and hasattr(self, "_state"))
        X = self._validate_input(X, reset=start_over)
        groups = _check_groups(groups, len(X))
        if not isinstance(hold_out_gap, Integral) or hold_out_gap < 0:
            raise ValueError(
                f"hold_out_gap must be a non-negative int, got {hold_out_gap!r}."
            )
        return self._fit(
            X,
            epochs=None,
            start_over=start_over,
            groups=groups,
            hold_out_gap=int(hold_out_gap),
        )

    def partial_fit(self, X: ArrayLike, y: None = None) -> "JEPATransformer":
        """Train for one more pass over ``X``, keeping all training state.

        The first call initialises the model (scaler, weights, optimizer);
        later calls carry on the weights, the EMA target encoder, the
        optimizer state and the learning-rate and momentum schedules. The
        schedules span ``max_iter`` passes; the call after a completed span
        starts a new one (a warm restart), so streaming never stalls at the
        final learning rate with a frozen target encoder. Changed
        ``max_iter``, ``learning_rate``, ``ema_momentum`` or the
        ``warmup_fraction`` of ``optimizer_params`` take effect from the
        next call on; other changed parameters warn (only a fresh ``fit``
        applies them).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : JEPATransformer
        """
        start_over = not hasattr(self, "_state")
        if start_over:
            self._validate_params()
        X = self._validate_input(X, reset=start_over)
        return self._fit(X, epochs=1, start_over=start_over, hold_out=False)

    def transform(self, X: ArrayLike) -> np.ndarray:
        """Embed ``X`` with the target encoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            ``n_components_`` columns, in the floating dtype of ``X``
            (float64 for integer input).
        """
        check_is_fitted(self, "net_")
        X = self._validate_input(X, reset=False)
        with torch_threads(self._n_threads()):
            return self._state.embed(X)

    def score(self, X: ArrayLike, y: None = None) -> float:
        """Label-free quality score: how predictable the embedding is.

        The R^2 of the predictor on ``X``: the share of the variance of the
        target embeddings of whole rows that the predictor recovers from
        half-masked views (the data kind's default masks at ratio 0.5,
        whatever the fit used). At most 1, higher is better, near 0 for an
        untrained model, and comparable across ``loss``, ``masking`` or
        model sizes, so ``GridSearchCV(JEPATransformer(), grid)`` works
        without labels. How well it ranks configurations against a labeled
        probe, and which parameters it cannot choose (those that change what
        is predicted: the embedding's width, the EMA), is measured in
        docs/score.md.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return self.score_parts([X])

    def score_parts(self, parts: Iterable[ArrayLike]) -> float:
        """:meth:`score` of the rows of consecutive arrays, in bounded memory.

        Equal to ``score`` of their concatenation when every part but the
        last holds a multiple of ``config_.batch_size`` rows (the batches,
        hence the masks, are then the same); what
        :meth:`JEPAWindowTransformer.score` calls with the windows of long
        recordings, cut a chunk at a time.

        Parameters
        ----------
        parts : iterable of array-like of shape (n_rows, n_features)

        Returns
        -------
        score : float
        """
        check_is_fitted(self, "net_")
        rows = (self._validate_input(part, reset=False) for part in parts)
        with torch_threads(self._n_threads()):
            return self._state.score(rows)

    def to_torch(self) -> JEPAEncoder:
        """The trained encoder as a plain torch module, on the CPU.

        Standardisation, the target encoder in eval mode, pooling and
        projection in one :class:`torch.nn.Module` whose output equals
        ``transform`` (float64, up to float rounding of the batch shape),
        for a torch serving stack. It exports with a dynamic batch size:
        ``torch.export.export(module, (x,), dynamic_shapes=({0: batch},))``
        with ``batch = torch.export.Dim("batch")``, and to ONNX with
        ``torch.onnx.export``.

        Returns
        -------
        encoder : JEPAEncoder

        Examples
        --------
        >>> import numpy as np, torch
        >>> from sklearn.datasets import load_digits
        >>> from sklearn_jepa import JEPATransformer
        >>> X, _ = load_digits(return_X_y=True)
        >>> jepa = JEPATransformer(8, max_iter=1, random_state=0).fit(X)
        >>> encoder = jepa.to_torch()
        >>> Z = encoder(torch.from_numpy(X[:5])).numpy()
        >>> Z.shape, bool(np.allclose(Z, jepa.transform(X[:5]), atol=1e-5))
        ((5, 8), True)
        """
        check_is_fitted(self, "net_")
        return self._state.to_torch()

    # -- fitting -----------------------------------------------------------

    def _fit(
        self, X, *, epochs, start_over, hold_out=True, groups=None, hold_out_gap=0
    ):
        """Train for ``epochs`` passes (``None``: ``config_.max_iter``).

        Under a launcher (``torchrun``: ``WORLD_SIZE > 1``) every rank trains
        on its shard of the rows, data parallel (``_distributed``).
        """
        params = self._params()
        device = resolve_device(self.device) if start_over else self.net_.device
        with distributed_context(device) as world:
            if world.active:
                check_distributed(params, X, world)
                device = world.device(device)
            threads = resolve_n_threads(self.n_threads, device)
            with torch_threads(threads), forked_rng(device):
                if start_over:
                    self._state = FitState.start(
                        params,
                        X,
                        callbacks=self.callbacks or (),
                        device=device,
                        world=world,
                        groups=groups,
                        hold_out_gap=hold_out_gap,
                    )
                else:
                    self._state.update(params)
                self._state.train(
                    X,
                    epochs=epochs,
                    hold_out=hold_out,
                    groups=groups,
                    hold_out_gap=hold_out_gap,
                    world=world,
                )
        self._publish()
        return self

    def _publish(self):
        """The fitted attributes, read from the fit state."""
        state = self._state
        history = state.net.history
        self.config_ = state.config
        self.net_ = state.net
        self.mean_ = state.mean
        self.scale_ = state.scale
        self.projection_ = state.projection
        self.n_components_ = state.n_components
        self.history_ = history
        self.n_iter_ = len(history)
        self.loss_curve_ = list(history[:, "train_loss"])
        key = "valid_loss" if "valid_loss" in history[-1] else "train_loss"
        self.best_loss_ = float(np.nanmin([row.get(key, np.nan) for row in history]))

    def _params(self):
        """The flat parameters a fit reads (``_parameters.flatten``)."""
        check_unknown(getattr(self, "_unknown_params", None))
        params = flatten(self.get_params(deep=False))
        image_shape = getattr(self, "_image_shape", None)
        if image_shape is not None:
            # a stack of images: (C, H, W), whatever its layout
            params["input_shape"] = image_shape
            params["input_kind"] = "image"
        shape = getattr(self, "collection_shape_", None)
        if shape is not None:
            # a collection: signals of that shape (a given input_shape was
            # checked against it)
            params["input_shape"] = shape
            if params["input_kind"] == "auto":
                params["input_kind"] = "signal"
        columns = getattr(self, "_columns", None)
        if columns is not None:
            # a category's indicators are masked as one group
            params["feature_groups"] = feature_groups(columns)
        check_params(params)
        return params

    def _n_threads(self):
        return resolve_n_threads(self.n_threads, self.net_.device)

    def _standardized_rows(self, X):
        """``X`` as the fitted encoder reads it: validated (every layout
        ``transform`` takes), flat, standardised float32 rows; what
        :class:`~sklearn_jepa.JEPAClassifier` fine-tunes and predicts on."""
        check_is_fitted(self, "net_")
        return self._state.standardize(self._validate_input(X, reset=False))

    def _validate_input(self, X, reset):
        X = self._flatten_collection(X, reset)
        if reset:
            # text, category and boolean columns as they come (_columns)
            self._columns = fit_columns(X)
        columns = getattr(self, "_columns", None)  # None: numbers only, 0.4
        checks = dict(
            dtype=[np.float64, np.float32],
            ensure_min_samples=2 if reset else 1,
            ensure_all_finite="allow-nan",
        )
        if columns is None:
            if not reset:
                check_numbers(X)
            X = validate_data(self, X, reset=reset, **checks)
        else:
            # the names and count of the columns as given, then their features
            validate_data(self, X, reset=reset, skip_check_array=True)
            X = check_array(encode_columns(X, columns), **checks)
        check_observed(X)
        return X

    def _flatten_collection(self, X, reset):
        """A 3-D array ``(n_cases, n_channels, n_timepoints)`` (aeon's and
        sktime's collection layout) as rows of signals of that shape; a list
        of series of unequal lengths padded with NaN after each end (to the
        longest in ``fit``, to the fitted length after)."""
        if reset:
            self._image_shape = None
        series = is_series_list(X)
        if series:
            # fit: to the longest series, or to input_shape's length (series
            # to transform later may be longer, as in cross-validation)
            fitted = getattr(self, "collection_shape_", None)  # None: 0.2
            shape = self.input_shape if reset else fitted
            X = pad_series(X, None if shape is None else tuple(shape)[-1])
        if getattr(X, "ndim", None) not in (3, 4) or not hasattr(X, "reshape"):
            if reset:
                self.collection_shape_ = None
            # flattened rows of a fitted collection's shape are fine too
            return X
        # a list of series is series; an array may be a stack of images
        layout = None if series else self._image_layout(X, reset)
        if layout is not None:
            return stack_rows(X, layout)
        if X.ndim == 4:
            raise ValueError(
                f"X is a 4-D stack of shape {X.shape[1:]} but this "
                "JEPATransformer was not fitted on images."
            )
        shape = tuple(int(s) for s in X.shape[1:])
        if reset:
            if self.input_shape is not None and tuple(self.input_shape) not in (
                shape,
                shape[1:] if shape[0] == 1 else shape,
            ):
                raise ValueError(
                    f"X is a collection of series of shape {shape} but "
                    f"input_shape={self.input_shape!r}; leave input_shape=None "
                    "for 3-D input."
                )
            self.collection_shape_ = shape
        elif getattr(self, "collection_shape_", None) != shape:
            expected = getattr(self, "collection_shape_", None)
            raise ValueError(
                f"X has series of shape {shape} (n_channels, n_timepoints), but "
                f"this JEPATransformer was fitted on "
                + (f"series of shape {expected}." if expected else "2-D rows.")
            )
        return np.reshape(X, (X.shape[0], -1))

    def _image_layout(self, X, reset):
        """How the 3-D or 4-D ``X`` holds images (``_images.image_layout``),
        or ``None`` for a collection of series; at ``fit`` the image shape
        is recorded, at ``transform`` the fitted one is required."""
        if reset:
            layout = image_layout(X.shape, self.input_shape, self.input_kind)
            if layout is None:
                return None
            self.collection_shape_ = None
            layout, self._image_shape = layout
            return layout
        config = getattr(self, "config_", None)
        if config is None or config.kind != "image":
            return None
        return image_layout(X.shape, fitted=config.shape)[0]

    # -- persistence -------------------------------------------------------

    def __getstate__(self):
        # The fit state travels as plain data (weights, optimizer state,
        # history, no training row): pickles hold no torch pickles, and skops
        # sees only arrays, built-ins and a few sklearn-jepa types.
        # a copy: object.__getstate__ returns the instance's own __dict__
        state = dict(super().__getstate__())
        if "_state" in state:
            for name in _PUBLISHED:
                state.pop(name, None)
            state["_state"] = self._state.state_dict()
        state["_sklearn_jepa_version"] = __version__
        return state

    def __setstate__(self, state):
        state = dict(state)
        version = state.pop("_sklearn_jepa_version", None)
        fit_state = state.pop("_state", None)
        if fit_state is None and isinstance(state.get("net_"), dict):
            names = [*_flat_param_names(type(self)), "max_epochs", "lr"]
            fit_state = state_from_0_2(state, names)
        super().__setstate__(from_0_3(state))
        if version is not None and version != __version__:
            warn(
                ModelVersionWarning(
                    component="sklearn-jepa", original=version, current=__version__
                )
            )
        if fit_state is not None:
            self._state = FitState.from_state_dict(
                fit_state, callbacks=self.callbacks or ()
            )
            self._publish()

    @property
    def _n_features_out(self):
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.allow_nan = True
        return tags


def _check_groups(groups, n_samples):
    """``groups`` as a 1-D array of one label per row, or ``None``."""
    if groups is None:
        return None
    groups = np.asarray(groups)
    if groups.ndim != 1 or len(groups) != n_samples:
        raise ValueError(
            f"groups must hold one label per row of X ({n_samples}), got shape "
            f"{groups.shape}."
        )
    return groups


def _flat_param_names(cls):
    """The names of ``cls``'s parameters in the flat form a fit reads."""
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }
    return list(flatten(defaults))
