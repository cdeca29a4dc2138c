"""The scikit-learn estimator: ``JEPATransformer``."""

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils._param_validation import Hidden, Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.helper import predefined_split
from torch import nn

from ._budget import step_flops
from ._build import build_module
from ._config import (
    KINDS,
    check_params,
    default_masking,
    resolve_config,
    with_schedule,
)
from ._diagnostics import CollapseWarning, embedding_stats, is_collapsed
from ._distributed import distributed_context, wrap_online
from ._export import JEPAEncoder
from ._inference import embed, embed_chunk, eval_mode, predictability
from ._losses import LOSSES
from ._persistence import InconsistentVersionWarning, net_state, restore_net
from ._projection import fit_projection, project
from ._runtime import forked_rng, resolve_device, resolve_n_threads, torch_threads
from ._seeds import Seeds
from ._training import ArrayDataset, collator, make_net
from ._validation import check_numeric_columns, check_observed
from ._version import __version__

__all__ = ["JEPATransformer"]

_N_DIAGNOSTIC_ROWS = 256
_N_PROJECTION_ROWS = 20_000
# renamed in 0.2 to scikit-learn's names (MLPClassifier, HistGradientBoosting)
_RENAMED = {"max_epochs": "max_iter", "lr": "learning_rate"}
_TRAINING_OPTIONS = (
    "loss",
    "weight_decay",
    "warmup_fraction",
    "grad_clip",
    "early_stopping",
    "n_iter_no_change",
    "tol",
    "bf16",
    "verbose",
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
    in that configuration (``n_heads`` with the MLP, ``mask_ratio`` for
    images, ``tol`` without early stopping) warns. Measured reasons for the
    defaults: docs/benchmarks.md and docs/timeseries.md.

    Parameters
    ----------
    n_components : int or None, default=None
        Size of the embedding returned by ``transform``. ``None`` (as in
        :class:`~sklearn.decomposition.PCA`) keeps the whole pooled embedding
        (the fitted width is ``n_components_``): ``n_tokens * width`` values
        with ``"flatten"`` pooling, ``width`` with ``"mean"`` or ``"max"``,
        ``hidden_size`` for the whole-row MLP, which then has no bottleneck.
        An int projects the pooled token embedding on its first
        ``n_components`` principal directions, or makes the whole-row MLP's
        output that narrow.
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
        ``"conv"``: residual dilated 1-D convolutions with one embedding per
        time step (:class:`DilatedConvEncoder`; signals only). ``"auto"``:
        ``"mlp"`` for tables, ``"transformer"`` for images, ``"conv"`` for
        signals. A module is used as the online encoder (deep-copied at
        ``fit``); it must implement ``forward(x, mask=None)`` with ``x`` of
        shape ``(batch_size, n_features)`` (standardised) and ``mask`` a
        bool tensor of the tokens it may see (``None``: all), and return
        ``(batch_size, dim)`` or ``(batch_size, n_tokens, dim)``. Masks cover
        the module's ``grid`` attribute if it has one, else the input
        features (2-D output) or the output tokens (3-D output). Its class
        must be importable (defined in a module, not in ``__main__``) for
        ``GridSearchCV(n_jobs>1)`` and ``joblib`` round trips.
    patch_size : int, default=None
        Transformer: patch side (images) or length (signals); sides that are
        not multiples are zero-padded; ``None``: about 7 patches per image
        side, at most 64 patches per signal. Conv: steps per token (the
        stride of its input convolution); ``None``: at most 128 tokens.
    pooling : {"auto", "mean", "max", "flatten"}, default="auto"
        How token embeddings become one vector: their mean, their maximum
        over tokens, or all of them concatenated. The pooled vector is then
        projected on its first ``n_components`` principal directions
        (fitted on the training rows), unless ``n_components=None``.
        ``"auto"``: ``"max"`` for the conv encoder, ``"mean"`` for the signal
        transformer and custom token encoders, ``"flatten"`` for images and
        feature tokens (where a token is matters). Whole-row encoders have
        nothing to pool.
    mask_ratio : float or pair of float, default=None
        Tables with the default masking: fraction of the features hidden
        from the context; a pair (tuple or list) ``(low, high)`` draws the
        fraction uniformly per row. ``None``: ``(0.3, 0.7)``. Images and
        signals hide blocks and spans instead (see ``masking``).
    masking : callable, default=None
        A masking strategy ``masking(batch_size, grid, generator) ->
        (context, target)`` returning bool tensors ``(batch_size, n_tokens)``
        (see :class:`FeatureMask`). ``None``: ``FeatureMask(mask_ratio)`` for
        tables, :class:`MultiBlockMask` for images, :class:`SpanMask` for
        signals, with the number of blocks scaled to the grid. A user
        strategy must be picklable (a module-level function or class).
    hidden_size : int, default=None
        Width of a built-in encoder: the MLP's hidden layers (``None``: 256),
        the transformer's token width or the convolutions' channels
        (``None``: 64).
    n_layers : int, default=None
        Depth of a built-in encoder: MLP hidden layers (``None``: 2, also for
        its predictor), transformer layers (``None``: 4; the predictor gets
        half) or residual convolution blocks (``None``: a receptive field at
        least as long as the series, ``ceil(log2((T + 3) / 4))`` blocks for
        ``T`` tokens, at least 2; the predictor gets that many).
    predictor_size : int, default=None
        Width of the predictor. ``None``: half the encoder width for the
        built-in encoders (the predictor is the narrower branch); for a
        custom encoder, twice its output width (whole-row output, an MLP
        predictor of 2 layers) or its token width (token output, a 1-layer
        transformer predictor).
    n_heads : int, default=None
        Attention heads of the transformer encoder and predictor; ``None``:
        4.
    n_registers : int, default=None
        Register tokens of the feature-token transformer (tables); ``None``:
        4.
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
        1,000 optimizer steps and at most ``2e11 * sqrt(n_samples / 1000)``
        floating-point operations (counted on one batch), in whole epochs
        (1 to 500). The fitted value is ``config_.max_iter``.
    batch_size : int or None, default=None
        Rows per optimizer step; also the chunk size of ``transform``, which
        bounds its memory. ``None``: 32 for the conv encoder (more optimizer
        steps in the same budget), 128 otherwise.
    learning_rate : float or None, default=None
        Peak learning rate of AdamW, reached after a linear warmup and then
        decayed with a cosine to 1% of it. ``None``: ``1e-3`` for schedules
        of 1,000 optimizer steps or more, up to ``3e-3`` for shorter ones
        (``1e-3 * sqrt(1000 / n_steps)``). The fitted value is
        ``config_.learning_rate``.
    weight_decay : float, default=0.05
        AdamW weight decay (not applied to biases and normalisation weights).
    warmup_fraction : float, default=0.1
        Fraction of the optimizer steps of ``max_iter`` used for warmup.
    grad_clip : float or None, default=1.0
        Maximum gradient norm; ``None`` disables clipping.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, stop when the held-out
        JEPA loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs, and restore the best weights.
    validation_fraction : float, default=0.1
        Share of rows held out; only with ``early_stopping=True``.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs; only with
        ``early_stopping=True``.
    tol : float, default=1e-4
        Minimum improvement of the validation loss; only with
        ``early_stopping=True``.
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
        Use bfloat16 autocast for the forward pass on CUDA (ignored on CPU).
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
    max_epochs : int or None
        Deprecated alias of ``max_iter`` (renamed in 0.2, removed in 0.3).
    lr : float or None
        Deprecated alias of ``learning_rate`` (renamed in 0.2, removed in
        0.3).

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
        Number of features seen during ``fit``.
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
    ``batch_size``, ``learning_rate``, ``early_stopping``,
    ``validation_fraction``, ``n_iter_no_change``, ``tol``, ``warm_start``,
    and the fitted ``n_iter_``, ``loss_curve_``, ``best_loss_``); skorch's
    own names (``max_epochs``, ``lr``) appear only on ``net_``.

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
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "input_shape": [tuple, list, None],
        "input_kind": [StrOptions(set(KINDS))],
        "encoder": [StrOptions({"auto", "mlp", "transformer", "conv"}), nn.Module],
        "patch_size": [Interval(Integral, 1, None, closed="left"), None],
        "pooling": [StrOptions({"auto", "mean", "max", "flatten"})],
        "mask_ratio": [Interval(Real, 0, 1, closed="neither"), tuple, list, None],
        "masking": [callable, None],
        "hidden_size": [Interval(Integral, 1, None, closed="left"), None],
        "n_layers": [Interval(Integral, 1, None, closed="left"), None],
        "predictor_size": [Interval(Integral, 1, None, closed="left"), None],
        "n_heads": [Interval(Integral, 1, None, closed="left"), None],
        "n_registers": [Interval(Integral, 0, None, closed="left"), None],
        "loss": [StrOptions(set(LOSSES))],
        "ema_momentum": [tuple, list, None],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "warmup_fraction": [Interval(Real, 0, 1, closed="left")],
        "grad_clip": [Interval(Real, 0, None, closed="neither"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
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
        "max_epochs": [
            Interval(Integral, 1, None, closed="left"),
            None,
            Hidden(StrOptions({"deprecated"})),
        ],
        "lr": [
            Interval(Real, 0, None, closed="neither"),
            None,
            Hidden(StrOptions({"deprecated"})),
        ],
    }

    def __init__(
        self,
        n_components=None,
        *,
        input_shape=None,
        input_kind="auto",
        encoder="auto",
        patch_size=None,
        pooling="auto",
        mask_ratio=None,
        masking=None,
        hidden_size=None,
        n_layers=None,
        predictor_size=None,
        n_heads=None,
        n_registers=None,
        loss="l2",
        ema_momentum=None,
        max_iter=None,
        batch_size=None,
        learning_rate=None,
        weight_decay=0.05,
        warmup_fraction=0.1,
        grad_clip=1.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        warm_start=False,
        callbacks=None,
        device="cpu",
        bf16=False,
        n_threads=None,
        random_state=None,
        verbose=0,
        max_epochs="deprecated",
        lr="deprecated",
    ):
        self.n_components = n_components
        self.input_shape = input_shape
        self.input_kind = input_kind
        self.encoder = encoder
        self.patch_size = patch_size
        self.pooling = pooling
        self.mask_ratio = mask_ratio
        self.masking = masking
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.predictor_size = predictor_size
        self.n_heads = n_heads
        self.n_registers = n_registers
        self.loss = loss
        self.ema_momentum = ema_momentum
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup_fraction = warmup_fraction
        self.grad_clip = grad_clip
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.device = device
        self.bf16 = bf16
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.max_epochs = max_epochs
        self.lr = lr

    def fit(self, X: ArrayLike, y: None = None) -> "JEPATransformer":
        """Learn the encoder from unlabeled ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows. ``NaN`` marks a missing value, read as a hidden
            feature (never in the context, never a target); inf, rows with
            no observed value and non-numeric values are rejected.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : JEPATransformer
        """
        self._validate_params()
        start_over = not (self.warm_start and hasattr(self, "net_"))
        X = self._validate_input(X, reset=start_over)
        return self._fit(X, epochs=None, start_over=start_over)

    def partial_fit(self, X: ArrayLike, y: None = None) -> "JEPATransformer":
        """Train for one more pass over ``X``, keeping all training state.

        The first call initialises the model (scaler, weights, optimizer);
        later calls carry on the weights, the EMA target encoder, the
        optimizer state and the learning-rate and momentum schedules. The
        schedules span ``max_iter`` passes; the call after a completed span
        starts a new one (a warm restart), so streaming never stalls at the
        final learning rate with a frozen target encoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : JEPATransformer
        """
        start_over = not hasattr(self, "net_")
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
            return self._embed_rows(X)

    def score(self, X: ArrayLike, y: None = None) -> float:
        """Label-free quality score: how predictable the embedding is.

        The R^2 of the predictor on ``X``: the share of the variance of the
        target embeddings of whole rows that the predictor recovers from
        half-masked views (the data kind's default masks at ratio 0.5,
        whatever the fit used). At most 1, higher is better, near 0 for an
        untrained model, and comparable across ``loss``, ``mask_ratio`` or
        model sizes, so ``GridSearchCV(JEPATransformer(), grid)`` works
        without labels. How well it ranks configurations against a labeled
        probe (better than the effective rank or the loss) is measured in
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
        check_is_fitted(self, "net_")
        X = self._validate_input(X, reset=False)
        config = self.config_
        strategy = default_masking(config.kind, config.grid, 0.5)
        masks = collator(config, self._seeds.seed("score_masks"), masking=strategy)
        with torch_threads(self._n_threads()):
            chunks = (x_std for _, x_std in self._standardized_chunks(X))
            return predictability(self.net_, chunks, masks)

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
        return JEPAEncoder(
            self.net_.module_.target_encoder,
            self.mean_,
            self.scale_,
            self.config_.pooling,
            self.projection_,
        ).cpu()

    # -- fitting -----------------------------------------------------------

    def _fit(self, X, *, epochs, start_over, hold_out=True):
        """Train for ``epochs`` passes (``None``: ``config_.max_iter``).

        Under a launcher (``torchrun``: ``WORLD_SIZE > 1``) every rank trains
        on its shard of the rows, data parallel (``_distributed``).
        """
        device = resolve_device(self.device) if start_over else self.net_.device
        with distributed_context(device) as world:
            if world.active:
                self._check_distributed(X, world)
                device = world.device(device)
            with torch_threads(self._n_threads(device)), forked_rng(device):
                if start_over:
                    self._initialize(X, device, world)
                if epochs is None:
                    epochs = self.config_.max_iter
                n_before = len(self.net_.history)
                torch.manual_seed(self._seeds.seed("call", n_before))
                X_std = self._standardize(X)
                if hold_out and self.early_stopping:
                    X_train, X_valid = self._split(X_std)
                    self.net_.train_split = predefined_split(ArrayDataset(X_valid))
                else:
                    X_train = X_std
                    self.net_.train_split = None
                self._train(X_train, epochs, world, device)
                self._fit_projection(X_std)
        self._set_fitted_attributes(n_before, epochs)
        return self

    def _train(self, X_train, epochs, world, device):
        """``epochs`` passes of the skorch net; data parallel across ``world``."""
        if world.active:
            rng = self._seeds.rng("shard", len(self.net_.history))
            X_train = X_train[world.shard(len(X_train), rng)]
            self.net_.batch_size = max(1, self.config_.batch_size // world.world_size)
            wrap_online(self.net_.module_, device)
        try:
            self.net_.partial_fit(X_train, epochs=epochs)
        finally:
            if world.active:
                self.net_.module_.use_parallel(None)
                self.net_.batch_size = self.config_.batch_size
        # the trained module rests in eval mode (the next training batch
        # switches it back)
        self.net_.module_.eval()

    def _check_distributed(self, X, world):
        if self.early_stopping:
            raise ValueError(
                "early_stopping=True is not supported in a distributed fit yet "
                "(the ranks would have to agree on the validation loss); set "
                "max_iter instead."
            )
        world.check_same_data(X)

    def _initialize(self, X, device, world):
        """Resolve the configuration, build the module and its skorch net."""
        params = self._params()
        self._seeds = Seeds.from_random_state(self.random_state)
        custom = self.encoder if isinstance(self.encoder, nn.Module) else None
        config = resolve_config(params, X.shape[1], custom)
        self.mean_, self.scale_ = _standardization(X, config)
        torch.manual_seed(self._seeds.seed("init"))
        module = build_module(config, custom)
        sample = self._seeds.rng("sample").permutation(len(X))[:_N_DIAGNOSTIC_ROWS]
        self._sample = self._standardize(X[sample])
        n_train = len(X) - (self._n_valid(len(X)) if self.early_stopping else 0)
        flops = None
        if params["max_iter"] is None:
            flops = self._step_flops(config, module, n_train)
        self.config_ = with_schedule(config, params, n_train, flops)
        options = self._training_options()
        if not world.is_main:
            options["verbose"] = 0  # one log per fit: rank 0's
        self.net_ = make_net(
            self.config_,
            module,
            self._seeds,
            self._sample,
            device,
            options=options,
            callbacks=self.callbacks or (),
        )
        if world.active:
            # each rank shuffles and masks its own shard differently
            net = self.net_
            net.iterator_train__generator.manual_seed(
                self._seeds.seed("shuffle", world.rank)
            )
            net.iterator_train__collate_fn.seed = self._seeds.seed(
                "train_masks", world.rank
            )
            net.iterator_train__collate_fn.reset()

    def _training_options(self):
        """The parameters :func:`make_net` reads (loss, optimizer, clipping,
        early stopping, bf16, verbose), for a fresh or a restored net."""
        return {name: getattr(self, name) for name in _TRAINING_OPTIONS}

    def _params(self):
        """``get_params()`` with the deprecated aliases mapped to new names."""
        params = self.get_params(deep=False)
        for old, new in _RENAMED.items():
            if params[old] == "deprecated":
                continue
            warnings.warn(
                f"{old} was renamed {new} in 0.2 and will be removed in 0.3; "
                f"use {new}={params[old]!r}.",
                FutureWarning,
                stacklevel=5,
            )
            if params[new] is not None:
                raise ValueError(f"Give {new} only, not both {new} and {old}.")
            params[new] = params[old]
        check_params(params)
        return params

    def _step_flops(self, config, module, n_train):
        """Flops of one training step on a batch of the sample's rows."""
        # the sample's rows repeated to one training batch if it is smaller
        rows = np.resize(np.arange(len(self._sample)), min(config.batch_size, n_train))
        masks = collator(config, self._seeds.seed("budget_masks"))
        batch, _ = masks(torch.from_numpy(self._sample[rows]))
        return step_flops(module, batch)

    def _n_threads(self, device=None):
        if device is None:
            device = self.net_.device
        return resolve_n_threads(self.n_threads, device)

    def _validate_input(self, X, reset):
        check_numeric_columns(X)
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2 if reset else 1,
            ensure_all_finite="allow-nan",
        )
        check_observed(X)
        return X

    def _n_valid(self, n_samples):
        return min(
            max(1, int(round(self.validation_fraction * n_samples))), n_samples - 1
        )

    def _split(self, X):
        order = self._seeds.rng("split").permutation(len(X))
        n_valid = self._n_valid(len(X))
        return X[order[n_valid:]], X[order[:n_valid]]

    def _fit_projection(self, X_std):
        """Project pooled token embeddings on ``n_components`` directions.

        Whole-row encoders already output ``n_components`` values and get no
        projection, nor does ``n_components=None``. Fitted on at most 20,000
        rows: memory stays bounded and more rows barely move the directions.
        """
        pooling, batch_size = self.config_.pooling, self.config_.batch_size
        width = embed(self.net_, X_std[:1], 1, pooling).shape[1]
        if self.n_components is None or width == self.n_components:
            self.projection_ = None
            self.n_components_ = width
            return
        rng = self._seeds.rng("projection")
        if len(X_std) > _N_PROJECTION_ROWS:
            rows = rng.choice(len(X_std), _N_PROJECTION_ROWS, replace=False)
            X_std = X_std[np.sort(rows)]
        Z = embed(self.net_, X_std, batch_size, pooling)
        seed = self._seeds.seed("projection", 1)
        self.projection_ = fit_projection(Z, self.n_components, seed)
        self.n_components_ = self.n_components

    def _set_fitted_attributes(self, n_before, epochs):
        history = self.net_.history
        self.history_ = history
        self.n_iter_ = len(history)
        self.loss_curve_ = list(history[:, "train_loss"])
        key = "valid_loss" if "valid_loss" in history[-1] else "train_loss"
        self.best_loss_ = float(np.nanmin([row.get(key, np.nan) for row in history]))
        if self.net_.interrupted_:
            warnings.warn(
                f"Training was interrupted after {len(history) - n_before} of "
                f"{epochs} epochs; the estimator keeps the weights reached so far "
                "and can be used or trained further with partial_fit.",
                UserWarning,
                stacklevel=3,
            )
        # A handful of rows cannot tell collapse from chance: judge on 32+,
        # and judge what transform returns (pooled and projected).
        if len(self._sample) < 32:
            return
        stats = embedding_stats(self._embed_standardized(self._sample))
        if is_collapsed(stats):
            warnings.warn(
                f"The embedding collapsed: effective rank "
                f"{stats['effective_rank']:.2f}, median relative std "
                f"{stats['std_median']:.2e}. Try a lower learning_rate, a "
                "slower EMA (ema_momentum closer to 1) or a larger mask_ratio.",
                CollapseWarning,
                stacklevel=3,
            )

    # -- embedding ---------------------------------------------------------

    def _standardize(self, X):
        return ((X - self.mean_) / self.scale_).astype(np.float32)

    def _embed_standardized(self, X_std):
        Z = embed(self.net_, X_std, self.config_.batch_size, self.config_.pooling)
        return project(Z, self.projection_)

    def _embed_rows(self, X):
        """Standardise, embed, pool and project ``X`` one chunk at a time.

        Only the output grows with ``n_samples``; the working memory is that
        of one chunk of ``batch_size`` rows.
        """
        config = self.config_
        out = np.empty((len(X), self.n_components_), dtype=X.dtype)
        with eval_mode(self.net_.module_):
            for start, x_std in self._standardized_chunks(X):
                Z = embed_chunk(self.net_, x_std, config.batch_size, config.pooling)
                out[start : start + len(Z)] = project(Z, self.projection_)
        return out

    def _standardized_chunks(self, X):
        """Yield ``(start, standardised rows)`` for chunks of ``batch_size`` rows."""
        batch_size = self.config_.batch_size
        for start in range(0, len(X), batch_size):
            yield start, self._standardize(X[start : start + batch_size])

    # -- persistence -------------------------------------------------------

    def __getstate__(self):
        # The skorch net travels as plain data (weights, optimizer state,
        # history): pickles hold no torch pickles, and skops sees only
        # arrays, built-ins and a few sklearn-jepa types.
        # a copy: object.__getstate__ returns the instance's own __dict__
        state = dict(super().__getstate__())
        if "net_" in state:
            state["net_"] = net_state(self.net_)
            state.pop("history_", None)
        state["_sklearn_jepa_version"] = __version__
        return state

    def __setstate__(self, state):
        state = dict(state)
        net = state.pop("net_", None)
        version = state.pop("_sklearn_jepa_version", None)
        super().__setstate__(state)
        if version is not None and version != __version__:
            warnings.warn(
                InconsistentVersionWarning(
                    component="sklearn-jepa", original=version, current=__version__
                ),
                stacklevel=2,
            )
        if net is not None:
            self.net_ = restore_net(
                self, net, self._training_options(), self.callbacks or ()
            )
            self.history_ = self.net_.history

    @property
    def _n_features_out(self):
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.allow_nan = True
        return tags


def _standardization(X, config):
    """Mean and scale per feature (tables) or per channel (images, signals).

    Images and signals share one mean and scale per channel, broadcast to
    that channel's features: per-pixel scaling would blow rarely-inked border
    pixels up to 40 standard deviations (digits) and distort the image the
    convolution stem sees. Constant features or channels get a scale of 1.
    """
    with warnings.catch_warnings():
        # a feature or channel with no observed value: mean 0, scale 1
        warnings.simplefilter("ignore", RuntimeWarning)
        if config.kind == "table":
            mean, scale = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
        else:
            per_channel = X.reshape(len(X), config.shape[0], -1)
            n_per_channel = per_channel.shape[2]
            mean = np.repeat(np.nanmean(per_channel, axis=(0, 2)), n_per_channel)
            scale = np.repeat(np.nanstd(per_channel, axis=(0, 2)), n_per_channel)
    mean = np.nan_to_num(mean, nan=0.0)
    scale = np.nan_to_num(scale, nan=1.0)
    scale = np.where(scale > 1e-12 * (1 + np.abs(mean)), scale, 1.0)
    return mean, scale
