"""The scikit-learn estimator: ``JEPATransformer``."""

import sys
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.extmath import randomized_svd
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import EarlyStopping, GradientNormClipping, ProgressBar
from skorch.helper import predefined_split
from torch import nn

from ._budget import auto_epochs, auto_lr, auto_momentum, step_flops
from ._build import KINDS, build_module, default_masking, resolve_input
from ._conv import DilatedConvEncoder
from ._diagnostics import CollapseWarning, is_collapsed
from ._inference import embed, embed_chunk, eval_mode, mean_pooled, predictability
from ._losses import LOSSES, JEPALoss
from ._masks import MaskCollator
from ._runtime import resolve_device, resolve_n_threads, torch_threads
from ._training import (
    ArrayDataset,
    BatchLoader,
    Diagnostics,
    JEPANet,
    PlainPrintLog,
    Schedules,
    WarmupCosine,
    fused_adamw_kwargs,
)
from ._validation import check_mask_ratio, check_numeric_columns

__all__ = ["JEPATransformer"]

_N_DIAGNOSTIC_ROWS = 256
_N_PROJECTION_ROWS = 20_000


class JEPATransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Self-supervised representation learning with a JEPA.

    Learns an encoder from unlabeled ``X`` by predicting, in embedding space,
    the representation of a hidden part of each row from the visible part
    (Joint-Embedding Predictive Architecture). The online encoder sees the
    context view (the row with a random subset of features hidden), a narrow
    predictor predicts, from that embedding and the mask, the embedding that
    an EMA copy of the encoder (the target encoder, under stop-gradient) gives
    to the whole row, and the loss is a regression between the two. No
    decoder, no reconstruction.

    ``transform`` returns the **target encoder's** embedding of whole rows
    (the EMA weights, as I-JEPA evaluates), computed in batches, in eval mode
    and without gradients.

    Inputs are standardised internally with the training mean and standard
    deviation, so no scaler is needed in front: per feature for tables, per
    channel for images and signals (per-pixel scaling would magnify rarely
    used border pixels and distort the image).

    Parameters
    ----------
    n_components : int or None, default=None
        Size of the embedding returned by ``transform``. ``None`` (as in
        :class:`~sklearn.decomposition.PCA`) keeps the whole pooled embedding
        (the fitted width is ``n_components_``): ``n_tokens * width`` values
        with ``"flatten"`` pooling, ``width`` with ``"mean"``,
        ``hidden_size`` (256 by default) for the whole-row MLP, which then
        has no bottleneck. An int projects the pooled token embedding on its
        first ``n_components`` principal directions, or makes the whole-row
        MLP's output that narrow. docs/benchmarks.md compares the two.
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
        ``"mlp"``: a whole-row MLP over masked features (the default for
        tables). ``"transformer"``: tokens and a transformer; patches for
        images (their default) and signals, one token per feature plus
        ``n_registers`` register tokens for tables (T-JEPA). ``"conv"``:
        residual dilated 1-D convolutions with one embedding per time step
        (:class:`DilatedConvEncoder`, the default for signals: on five
        UCR/UEA sets 93 % mean accuracy against 84 % for the patch
        transformer, and faster; docs/timeseries.md). A module is
        used as the online encoder (deep-copied at ``fit``); it must implement
        ``forward(x, mask=None)`` with ``x`` of shape ``(batch_size,
        n_features)`` (standardised) and ``mask`` a bool tensor of the tokens
        it may see (``None``: all), and return ``(batch_size, dim)`` or
        ``(batch_size, n_tokens, dim)``. Masks cover the module's ``grid``
        attribute if it has one, else the input features (2-D output) or the
        output tokens (3-D output). Its class must be importable (defined in
        a module, not in ``__main__``) for ``GridSearchCV(n_jobs>1)`` and
        ``joblib`` round trips.
    patch_size : int, default=None
        Patch side (images) or length (signals); sides that are not
        multiples are zero-padded. ``None``: about 7 patches per image side
        and at most 64 patches per signal (``ceil(L / 64)`` samples each).
        For ``encoder="conv"``, the steps per token (the stride of its input
        convolution); ``None``: at most 128 tokens (``ceil(L / 128)``).
    pooling : {"auto", "mean", "max", "flatten"}, default="auto"
        How token embeddings become one vector: their mean, their maximum
        over tokens, or all of them concatenated. The pooled vector is then
        projected on its first ``n_components`` principal directions
        (fitted on the training rows), unless ``n_components=None``.
        ``"auto"``: ``"max"`` for the convolutional encoder (as TS2Vec; on
        five UCR/UEA sets 93 % against 90 % with the mean), ``"mean"`` for
        the signal transformer and custom token encoders (shifts do not
        matter; +7 to +22 points on MNIST-1D), ``"flatten"`` for images and
        feature tokens (where a token is matters; on digits 8x8 with 10
        labels per class, seed 0: 83.5 vs 57.6 after 100 epochs).
    mask_ratio : float or pair of float, default=(0.3, 0.7)
        Fraction of the features hidden from the context; a pair (tuple or
        list) ``(low, high)`` draws the fraction uniformly per row. Tables
        only: images and signals hide blocks and spans (see ``masking``).
        Ignored when ``masking`` is given.
    masking : callable, default=None
        A masking strategy ``masking(batch_size, grid, generator) ->
        (context, target)`` returning bool tensors ``(batch_size, n_tokens)``
        (see :class:`FeatureMask`). ``None``: ``FeatureMask(mask_ratio)`` for
        tables, :class:`MultiBlockMask` for images, :class:`SpanMask` for
        signals, with the number of blocks scaled to the grid. A user
        strategy must be picklable (a module-level function or class).
    hidden_size : int, default=None
        Width of the encoder: the MLP's hidden layers (``None``: 256), the
        transformer's token width or the convolutions' channels (``None``:
        64).
    n_layers : int, default=None
        Depth of the encoder: MLP hidden layers (``None``: 2, also for its
        predictor), transformer layers (``None``: 4; the predictor gets
        half) or residual convolution blocks (``None``: a receptive field
        at least as long as the series, ``ceil(log2((T + 3) / 4))`` blocks
        for ``T`` tokens, at least 2; the predictor gets as many).
    predictor_size : int, default=None
        Width of the predictor; ``None`` means half the encoder width (the
        predictor is kept narrower than the encoder).
    n_heads : int, default=4
        Attention heads of the transformer encoder and predictor.
    n_registers : int, default=4
        Register tokens of the feature-token transformer (tables only).
    loss : {"l2", "cosine", "smooth_l1"}, default="l2"
        Regression loss between the prediction and the (layer-normalised)
        target embedding; ``"cosine"`` is the normalised form.
    ema_momentum : tuple of (float, float) or None, default=None
        Start and end of the target encoder's EMA momentum, ramped per
        optimizer step over ``max_epochs`` epochs with a cosine. I-JEPA
        starts at 0.996 for runs of 100k+ steps. ``None``: ``(1 - 10 /
        n_steps, 1.0)`` with the start kept within ``[0.95, 0.99]``, so the
        target averages over about a tenth of the schedule: 0.99 for 1,000
        steps or more (better than 0.996 there by 3 to 5 points of 10-label
        accuracy on digits and structure+noise), lower for short budgets.
    max_epochs : int or None, default=None
        Number of passes over the data (``partial_fit`` makes one pass).
        ``None``: a budget that follows the data and the model: at most
        1,000 optimizer steps and at most ``2e11 * sqrt(n_samples / 1000)``
        floating-point operations (counted on one batch), in whole epochs
        (1 to 500). Small tables train for about 1,000 steps in seconds;
        large data or costly models stop earlier. The fitted value is
        ``net_.max_epochs``.
    batch_size : int or None, default=None
        Rows per optimizer step; also the chunk size of ``transform``, which
        bounds its memory. ``None``: 32 for the convolutional signal encoder
        (four times the optimizer steps of 128 in the same budget: on
        MNIST-1D 65 % against 50 % with 10 labels per class, level on five
        UCR/UEA sets; docs/timeseries.md), 128 otherwise. The fitted value
        is ``net_.batch_size``.
    lr : float or None, default=None
        Peak learning rate of AdamW, reached after a linear warmup and then
        decayed with a cosine to 1% of it. ``None``: ``1e-3`` for schedules
        of 1,000 optimizer steps or more, up to ``3e-3`` for shorter ones
        (``1e-3 * sqrt(1000 / n_steps)``); the fitted value is ``net_.lr``.
    weight_decay : float, default=0.05
        AdamW weight decay (not applied to biases and normalisation weights).
    warmup_fraction : float, default=0.1
        Fraction of the optimizer steps of ``max_epochs`` used for warmup.
    grad_clip : float or None, default=1.0
        Maximum gradient norm; ``None`` disables clipping.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, stop when the held-out
        JEPA loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs, and restore the best weights.
    validation_fraction : float, default=0.1
        Share of rows held out when ``early_stopping=True``.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Minimum improvement of the validation loss.
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
        torch's setting on an accelerator. ``-1``:
        every core this process may use (its CPU affinity, within the
        thread limits of joblib workers and ``OMP_NUM_THREADS``).
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and masks. An int gives
        bit-identical embeddings on CPU.
    verbose : int, default=0
        0 prints nothing; 1 prints a line per epoch (colours only on a
        terminal) and, on a terminal, a progress bar when an epoch has many
        batches; 2 always shows the progress bar.

    Attributes
    ----------
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
        Per-epoch records: ``train_loss``, ``valid_loss`` (with early stopping),
        ``effective_rank``, ``std_min``, ``std_median``, ``dead_fraction``,
        ``dur``. Index it like ``history_[:, "train_loss"]``.
    loss_curve_ : list of float
        Training loss per epoch.
    best_loss_ : float
        Lowest training loss, or lowest validation loss with early stopping.
    n_iter_ : int
        Number of epochs run.
    mean_ : ndarray of shape (n_features_in_,)
        Mean subtracted from each feature (for images and signals, the mean
        of the feature's channel).
    scale_ : ndarray of shape (n_features_in_,)
        Standard deviation each feature is divided by (per channel for images
        and signals; 1 where it is zero).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
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
    and the per-dimension spread of a fixed sample's embeddings, and ``fit``
    emits a :class:`CollapseWarning` when the final embedding collapsed.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_jepa import JEPATransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> jepa = JEPATransformer(n_components=8, max_epochs=2, random_state=0)
    >>> jepa.fit_transform(X).shape
    (1797, 8)
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "input_shape": [tuple, list, None],
        "input_kind": [StrOptions(set(KINDS))],
        "encoder": [StrOptions({"auto", "mlp", "transformer", "conv"}), nn.Module],
        "patch_size": [Interval(Integral, 1, None, closed="left"), None],
        "pooling": [StrOptions({"auto", "mean", "max", "flatten"})],
        "mask_ratio": [Interval(Real, 0, 1, closed="neither"), tuple, list],
        "masking": [callable, None],
        "hidden_size": [Interval(Integral, 1, None, closed="left"), None],
        "n_layers": [Interval(Integral, 1, None, closed="left"), None],
        "predictor_size": [Interval(Integral, 1, None, closed="left"), None],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "n_registers": [Interval(Integral, 0, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "ema_momentum": [tuple, None],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "lr": [Interval(Real, 0, None, closed="neither"), None],
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
        mask_ratio=(0.3, 0.7),
        masking=None,
        hidden_size=None,
        n_layers=None,
        predictor_size=None,
        n_heads=4,
        n_registers=4,
        loss="l2",
        ema_momentum=None,
        max_epochs=None,
        batch_size=None,
        lr=None,
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
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
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

    def fit(self, X, y=None):
        """Learn the encoder from unlabeled ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows; NaN, inf and non-numeric values are rejected.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : JEPATransformer
        """
        self._validate_params()
        start_over = not (self.warm_start and hasattr(self, "net_"))
        X = self._validate_input(X, reset=start_over)
        return self._train(X, epochs=None, start_over=start_over)

    def partial_fit(self, X, y=None):
        """Train for one more pass over ``X``, keeping all training state.

        The first call initialises the model (scaler, weights, optimizer);
        later calls carry on the weights, the EMA target encoder, the
        optimizer state and the learning-rate and momentum schedules. The
        schedules span ``max_epochs`` passes; the call after a completed
        span starts a new one (a warm restart), so streaming never stalls
        at the final learning rate with a frozen target encoder.

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
        return self._train(X, epochs=1, start_over=start_over, validate=False)

    def transform(self, X):
        """Embed ``X`` with the target encoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components_)
            Same floating dtype as ``X`` (float64 for integer input).
        """
        check_is_fitted(self, "net_")
        X = self._validate_input(X, reset=False)
        with torch_threads(self._n_threads()):
            return self._embed_rows(X)

    def score(self, X, y=None):
        """Label-free quality score: how predictable the embedding is.

        The R^2 of the predictor on ``X``: the share of the variance of the
        target embeddings of whole rows that the predictor recovers from
        half-masked views (the data kind's default masks at ratio 0.5,
        whatever the fit used). At most 1, higher is better, near 0 for an
        untrained model, and comparable across ``loss``, ``mask_ratio`` or
        model sizes, so ``GridSearchCV(JEPATransformer(), grid)`` works
        without labels.

        Chosen with data (``benchmarks/bench_score.py``, 11 configurations
        on two data sets): its Spearman correlation with a labeled linear
        probe is 0.87 / 0.33 (10 labels per class, digits / structure+noise),
        against 0.04 / -0.16 for the effective rank and -0.35 / -0.52 for
        the negative held-out JEPA loss. Embeddings of a barely trained net
        have a high effective rank, and an easier masking task gives a lower
        loss, which is why those two mislead.

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
        with torch_threads(self._n_threads()):
            return self._predictability(X)

    def _predictability(self, X):
        """R^2 of the predictor on ``X`` under the default masks of its kind."""
        strategy = default_masking(self._spec, self._grid, 0.5)
        collator = MaskCollator(strategy, self._grid, self._seed + 4)
        chunks = (x_std for _, x_std in self._standardized_chunks(X))
        return predictability(self.net_, chunks, collator)

    # -- fitting helpers ---------------------------------------------------

    def _n_threads(self, device=None):
        if device is None:
            device = self.net_.device
        return resolve_n_threads(self.n_threads, device)

    def _validate_input(self, X, reset):
        check_numeric_columns(X)
        return validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            ensure_min_samples=2 if reset else 1,
        )

    def _train(self, X, *, epochs, start_over, validate=True):
        """Train for ``epochs`` passes (``None``: the fitted ``max_epochs``)."""
        device = resolve_device(self.device) if start_over else self.net_.device
        threads = torch_threads(self._n_threads(device))
        with threads, torch.random.fork_rng(devices=[]):
            if start_over:
                self._initialize(X, device)
            if epochs is None:
                epochs = self.net_.max_epochs
            torch.manual_seed(self._seed + len(self.net_.history))
            X_std = self._standardize(X)
            if validate and self.early_stopping:
                X_train, X_valid = self._split(X_std)
                self.net_.train_split = predefined_split(ArrayDataset(X_valid))
            else:
                X_train = X_std
                self.net_.train_split = None
            n_before = len(self.net_.history)
            self.net_.partial_fit(X_train, epochs=epochs)
            self._fit_projection(X_std[self._projection_rows(len(X_std))])
        self._set_fitted_attributes(n_before, epochs)
        return self

    def _initialize(self, X, device):
        rng = check_random_state(self.random_state)
        self._seed = int(rng.randint(np.iinfo(np.int32).max))
        self._spec = resolve_input(self.input_shape, self.input_kind, X.shape[1])
        self.mean_, self.scale_ = _standardization(X, self._spec)
        torch.manual_seed(self._seed)
        module, self._grid = self._build_module()
        self._pooling = self.pooling
        if self.pooling == "auto":
            self._pooling = _auto_pooling(self.encoder, module.encoder, self._spec)
        self._batch_size = self.batch_size
        if self._batch_size is None:
            conv = isinstance(module.encoder, DilatedConvEncoder)
            self._batch_size = 32 if conv else 128
        sample = rng.permutation(len(X))[:_N_DIAGNOSTIC_ROWS]
        n_train = len(X)
        if self.early_stopping:
            n_train -= self._n_valid(len(X))
        steps_per_epoch = -(-n_train // self._batch_size)
        max_epochs = self._max_epochs(module, X[sample], n_train, steps_per_epoch)
        total_steps = max_epochs * steps_per_epoch
        self.net_ = JEPANet(
            module=module,
            criterion=JEPALoss(self.loss),
            optimizer=torch.optim.AdamW,
            lr=auto_lr(total_steps) if self.lr is None else self.lr,
            optimizer__weight_decay=self.weight_decay,
            **fused_adamw_kwargs(device),
            max_epochs=max_epochs,
            batch_size=self._batch_size,
            train_split=None,
            iterator_train=BatchLoader,
            iterator_valid=BatchLoader,
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(self._seed + 1),
            iterator_train__collate_fn=self._collator(self._seed + 2),
            iterator_valid__collate_fn=self._collator(self._seed + 3),
            callbacks=self._callbacks(
                steps_per_epoch, max_epochs, self._standardize(X[sample])
            ),
            device=device,
            autocast_bf16=self.bf16,
            verbose=self.verbose,
            # PrintLog formats a table every epoch even when it prints nothing
            callbacks__print_log=PlainPrintLog() if self.verbose else None,
        )
        self.net_.initialize()

    def _build_module(self):
        encoder = self.encoder
        if encoder == "auto":
            encoder = _DEFAULT_ENCODERS[self._spec.kind]
        return build_module(
            self._spec,
            encoder,
            n_components=self.n_components,
            hidden_size=self.hidden_size,
            n_layers=self.n_layers,
            predictor_size=self.predictor_size,
            n_heads=self.n_heads,
            patch_size=self.patch_size,
            n_registers=self.n_registers,
        )

    def _max_epochs(self, module, X_sample, n_train, steps_per_epoch):
        """``max_epochs``, or the epochs of the default budget (``_budget``)."""
        if self.max_epochs is not None:
            return self.max_epochs
        # one batch of the training batch size (the sample's rows repeated
        # if it is smaller), masked by a throwaway generator
        rows = np.resize(np.arange(len(X_sample)), min(self._batch_size, n_train))
        x = torch.from_numpy(self._standardize(X_sample[rows]))
        batch, _ = self._collator(self._seed)(x)
        return auto_epochs(step_flops(module, batch), steps_per_epoch, n_train)

    def _collator(self, seed):
        masking = self.masking
        if masking is None:
            ratio = check_mask_ratio(self.mask_ratio)
            masking = default_masking(self._spec, self._grid, ratio)
        return MaskCollator(masking, self._grid, seed)

    def _callbacks(self, steps_per_epoch, max_epochs, sample):
        total_steps = max_epochs * steps_per_epoch
        momentum = self.ema_momentum
        if momentum is None:
            momentum = auto_momentum(total_steps)
        warmup_steps = int(self.warmup_fraction * total_steps)
        callbacks = [
            (
                "schedules",
                Schedules(
                    WarmupCosine(total_steps, warmup_steps),
                    total_steps,
                    momentum,
                ),
            ),
            (
                "diagnostics",
                # about 50 records per fit, whatever the number of epochs
                Diagnostics(mean_pooled, sample, every=-(-max_epochs // 50)),
            ),
        ]
        if self.grad_clip is not None:
            callbacks.append(("grad_clip", GradientNormClipping(self.grad_clip)))
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="abs",
                        load_best=True,
                        sink=print if self.verbose else _silent,
                    ),
                )
            )
        # a progress bar redraws with carriage returns: only on a terminal
        if self.verbose >= 2 or (
            self.verbose == 1 and steps_per_epoch >= 50 and sys.stderr.isatty()
        ):
            callbacks.append(("progress", ProgressBar()))
        for index, callback in enumerate(self.callbacks or []):
            callbacks.append((f"user_{index}", callback))
        return callbacks

    def _n_valid(self, n_samples):
        return min(
            max(1, int(round(self.validation_fraction * n_samples))), n_samples - 1
        )

    def _split(self, X):
        rng = np.random.RandomState(self._seed)
        order = rng.permutation(len(X))
        n_valid = self._n_valid(len(X))
        return X[order[n_valid:]], X[order[:n_valid]]

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
        last = history[-1]
        # A handful of rows cannot tell collapse from chance: judge on 32+.
        n_rows = len(dict(self.net_.callbacks_)["diagnostics"].sample)
        if n_rows >= 32 and "effective_rank" in last and is_collapsed(last):
            warnings.warn(
                f"The embedding collapsed: effective rank "
                f"{last['effective_rank']:.2f}, median relative std "
                f"{last['std_median']:.2e}. Try a lower lr, a slower EMA "
                "(ema_momentum closer to 1) or a larger mask_ratio.",
                CollapseWarning,
                stacklevel=3,
            )

    # -- embedding helpers -------------------------------------------------

    def _standardize(self, X):
        return ((X - self.mean_) / self.scale_).astype(np.float32)

    def _projection_rows(self, n_samples):
        # The projection is fit on at most 20,000 rows: fit memory stays
        # bounded and a larger sample does not change the directions much.
        if n_samples <= _N_PROJECTION_ROWS:
            return slice(None)
        rng = np.random.RandomState(self._seed)
        return np.sort(rng.choice(n_samples, _N_PROJECTION_ROWS, replace=False))

    def _fit_projection(self, X_std):
        """PCA of pooled token embeddings down to ``n_components``.

        Whole-row encoders already output ``n_components`` values and get no
        projection, nor does ``n_components=None``. Deterministic: seeded
        randomized SVD, signs fixed by the largest loading.
        """
        width = embed(self.net_, X_std[:1], 1, self._pooling).shape[1]
        if self.n_components is None or width == self.n_components:
            self.projection_ = None
            self.n_components_ = width
            return
        self.n_components_ = self.n_components
        Z = embed(self.net_, X_std, self._batch_size, self._pooling)
        mean = Z.mean(axis=0)
        # Randomized SVD: only n_components directions are needed, and a full
        # SVD of flattened tokens (1,797 x 1,024 on digits) cost 1.2 s, a third
        # of a 10-epoch fit. Seeded, so it is deterministic.
        n_directions = min(self.n_components, *Z.shape)
        _, _, Vt = randomized_svd(Z - mean, n_directions, random_state=self._seed)
        signs = np.sign(Vt[np.arange(len(Vt)), np.argmax(np.abs(Vt), axis=1)])
        components = Vt * signs[:, None]
        # fewer directions than n_components (tiny data): pad with zeros
        missing = self.n_components - len(components)
        components = np.vstack([components, np.zeros((missing, Z.shape[1]))])
        self.projection_ = (mean, components)

    def _embed_rows(self, X):
        """Standardise, embed, pool and project ``X`` one chunk at a time.

        Only the output grows with ``n_samples``; the working memory is that
        of one chunk of ``batch_size`` rows.
        """
        out = np.empty((len(X), self.n_components_), dtype=X.dtype)
        with eval_mode(self.net_.module_):
            for start, x_std in self._standardized_chunks(X):
                Z = embed_chunk(self.net_, x_std, self._batch_size, self._pooling)
                if self.projection_ is not None:
                    mean, components = self.projection_
                    Z = (Z - mean) @ components.T
                out[start : start + len(Z)] = Z
        return out

    def _standardized_chunks(self, X):
        """Yield ``(start, standardised rows)`` for chunks of ``batch_size`` rows."""
        for start in range(0, len(X), self._batch_size):
            yield start, self._standardize(X[start : start + self._batch_size])

    @property
    def _n_features_out(self):
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


_DEFAULT_ENCODERS = {"table": "mlp", "image": "transformer", "signal": "conv"}


def _auto_pooling(encoder_param, encoder, spec):
    """``"max"`` for the convolutional encoder, ``"mean"`` for other signal
    and custom encoders, ``"flatten"`` for images and feature tokens."""
    if isinstance(encoder, DilatedConvEncoder):
        return "max"
    custom = isinstance(encoder_param, nn.Module)
    return "mean" if custom or spec.kind == "signal" else "flatten"


def _standardization(X, spec):
    """Mean and scale per feature (tables) or per channel (images, signals).

    Images and signals share one mean and scale per channel, broadcast to
    that channel's features: per-pixel scaling would blow rarely-inked border
    pixels up to 40 standard deviations (digits) and distort the image the
    convolution stem sees. Constant features or channels get a scale of 1.
    """
    if spec.kind == "table":
        mean, scale = X.mean(axis=0), X.std(axis=0)
    else:
        per_channel = X.reshape(len(X), spec.shape[0], -1)
        n_per_channel = per_channel.shape[2]
        mean = np.repeat(per_channel.mean(axis=(0, 2)), n_per_channel)
        scale = np.repeat(per_channel.std(axis=(0, 2)), n_per_channel)
    scale = np.where(scale > 1e-12 * (1 + np.abs(mean)), scale, 1.0)
    return mean, scale


def _silent(*args, **kwargs):
    pass
