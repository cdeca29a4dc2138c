"""One place that turns the estimator's parameters into a concrete configuration.

Every ``"auto"`` or ``None`` parameter of :class:`JEPATransformer` is resolved
here, once, into a frozen :class:`JEPAConfig` that the fitted estimator keeps
as ``config_``: the data kind, the encoder and its sizes, the token grid, the
masks, the pooling and the batch size (:func:`resolve_config`), then, once the
cost of one training step is known, the epochs, learning rate and EMA
momentum ramp (:func:`with_schedule`). A parameter that has no effect in the
resolved configuration warns here, and tuples are validated fully.
"""

import math
from dataclasses import dataclass, replace
from numbers import Integral, Real

import torch

from ..nn._cnn import READOUT, image_grid, stage_widths
from ..nn._conv import n_blocks_for
from ..nn._masks import FeatureMask, MultiBlockMask, SpanMask
from ..nn._readout import N_STATS
from ..nn._rocket import bank_width, default_bank_features
from ..utils._compat import config_fields_0_4
from ..utils._warnings import warn
from ._budget import auto_epochs, auto_lr, auto_momentum

__all__ = ["JEPAConfig", "resolve_config", "resolve_input", "with_schedule"]

KINDS = ("auto", "table", "image", "signal")
# images: a random CNN starts 4 points above a random ViT over patches
# (Fashion-MNIST, 10 labels per class), and trains from there (docs/pools.md)
DEFAULT_ENCODERS = {"table": "mlp", "image": "conv", "signal": "conv"}
# hide 15-50 % of a row's features: with (0.3, 0.7) the layered target lost
# 2.9 points on LetterRecognition and 2.6 on Adult (docs/pools.md)
DEFAULT_MASK_RATIO = (0.15, 0.5)
# the training recipe a config carries beside the model and the schedule
TRAINING_FIELDS = (
    "loss",
    "weight_decay",
    "warmup_fraction",
    "grad_clip",
    "early_stopping",
    "validation_fraction",
    "n_iter_no_change",
    "tol",
    "bf16",
)


@dataclass(frozen=True)
class JEPAConfig:
    """Everything a fit uses, with no ``"auto"`` or ``None`` left to guess.

    Attributes
    ----------
    kind : {"table", "image", "signal"}
    shape : tuple of int
        One row, channels first: ``(1, n_features)``, ``(C, H, W)``, ``(C, L)``.
    encoder : {"mlp", "transformer", "conv", "custom"}
    hidden_size : int
        Encoder width: the MLP's hidden layers, the token width, the
        convolutions' channels, or a custom encoder's output width.
    embedding_size : int
        Width of one embedding the encoder outputs (per token for token
        encoders): ``n_components`` or ``hidden_size`` for the MLP.
    n_layers : int or None
        Encoder depth (``None`` for a custom encoder).
    predictor_size, predictor_layers : int
    n_heads : int or None
        Attention heads of the transformer (of a custom token encoder's
        predictor); ``None`` where nothing attends.
    n_registers : int
    patch_size : int or None
        Patch side or length (the transformer; ``None`` otherwise).
    grid : tuple of int
        Shape of the token grid the masks cover.
    token_output : bool
        Whether the encoder returns one embedding per token.
    pooling : {"mean", "max", "flatten", "blocks", "layers"} or None
        How tokens become one vector; for whole-row encoders ``"layers"``
        (every MLP layer, also the training target) or ``None`` (the last
        layer only, as in 0.3).
    masking : callable
        The masking strategy.
    batch_size : int
    loss : str
    weight_decay, warmup_fraction : float
    grad_clip : float or None
    early_stopping : bool
    validation_fraction, n_iter_no_change, tol
        Early stopping's held-out share, patience and tolerance.
    bf16 : bool
        The training recipe beside the model (:data:`TRAINING_FIELDS`).
    max_iter, learning_rate, ema_momentum, steps_per_epoch
        The schedule; ``None`` until :func:`with_schedule`.
    n_train : int or None
        Training rows the schedule was sized for (steps per epoch).
    flops_per_step : float or None
        Cost of one training step, which sizes ``max_iter=None``; kept so a
        continued fit can re-resolve the schedule when its parameters change.
    kernel_bank : int or None
        About how many values the conv encoder's fixed bank of MiniRocket's
        kernels reads out on signals (:mod:`sklearn_jepa.nn._rocket`); ``None``
        (0.4 configs, other encoders) or 0: no bank.
    stride : int or None
        Steps per token of the conv encoder on signals (``None`` otherwise).
    feature_groups : tuple of int or None
        The table column of each feature, when a category column became
        several indicators (:mod:`sklearn_jepa.inputs._columns`): the masks hide or
        show a column's features together. ``None``: a feature per column.
    """

    kind: str
    shape: tuple
    encoder: str
    hidden_size: int
    embedding_size: int
    n_layers: int | None
    predictor_size: int
    predictor_layers: int
    n_heads: int | None
    n_registers: int
    patch_size: int | None
    grid: tuple
    token_output: bool
    pooling: str | None
    masking: object
    batch_size: int
    # the training recipe (TRAINING_FIELDS); defaults for 0.3 configs
    loss: str = "l2"
    weight_decay: float = 0.05
    warmup_fraction: float = 0.1
    grad_clip: float | None = 1.0
    early_stopping: bool = False
    validation_fraction: float = 0.1
    n_iter_no_change: int = 10
    tol: float = 1e-4
    bf16: bool = False
    max_iter: int | None = None
    learning_rate: float | None = None
    ema_momentum: tuple | None = None
    steps_per_epoch: int | None = None
    n_train: int | None = None
    flops_per_step: float | None = None
    # after the schedule: 0.4 configs, pickled without it, have no bank
    kernel_bank: int | None = None
    # the conv encoder's steps per token (0.4 kept it in patch_size)
    stride: int | None = None
    # tables with category columns (0.5); None: one feature per column
    feature_groups: tuple | None = None

    @classmethod
    def from_fields(cls, fields):
        """A config from its fields, also as 0.2-0.4 wrote them."""
        return cls(**config_fields_0_4(fields))

    def __setstate__(self, state):
        # configs pickled by 0.4 and earlier
        self.__dict__.update(config_fields_0_4(state))

    @property
    def n_features(self):
        return math.prod(self.shape)

    @property
    def pooled_width(self):
        """Width of one row's pooled embedding (before any projection)."""
        if self.pooling == "flatten":
            return math.prod(self.grid) * self.embedding_size
        if self.pooling == "blocks":
            # the kernel bank, the input projection, each block, the
            # normalised embedding
            return self.bank_width + (self.n_layers + 2) * self.embedding_size * N_STATS
        if self.pooling == "layers" and self.token_output:
            # the image CNN: every stage (a token's channels) over 2x2 regions
            return READOUT**2 * self.embedding_size
        if self.pooling == "layers":
            return self.n_layers * self.hidden_size + self.embedding_size
        return self.embedding_size

    @property
    def bank_width(self):
        """Values the kernel bank reads out (0 without one)."""
        if not self.kernel_bank:
            return 0
        return bank_width(self.shape[-1], self.kernel_bank)

    @property
    def embedding_pooling(self):
        """The pooling the collapse diagnostics follow: the embedding the
        predictor targets, max-pooled under the ``"blocks"`` read-out and
        the last layer under ``"layers"`` (shallow layers would hide a
        collapsed embedding)."""
        if self.pooling == "layers":
            # the image CNN's cell tokens (every stage), averaged over cells
            return "mean" if self.token_output else None
        return "max" if self.pooling == "blocks" else self.pooling

    @property
    def total_steps(self):
        """Optimizer steps of one schedule (``max_iter`` epochs)."""
        return self.max_iter * self.steps_per_epoch


@dataclass(frozen=True)
class InputSpec:
    """What one row of ``X`` is: its kind and its shape with channels first."""

    kind: str
    shape: tuple

    @property
    def spatial(self):
        return self.shape[1:]


def resolve_input(input_shape, input_kind, n_features):
    """Validate ``input_shape`` against ``n_features`` and infer the data kind.

    ``None`` is a table. ``(L,)`` is a signal and ``(H, W)`` or ``(C, H, W)``
    an image; ``input_kind="signal"`` reads a 2-tuple as ``(C, L)``. Without
    a shape, ``"signal"`` reads a row as one signal of length ``n_features``
    and ``"image"`` as an image one pixel high.
    """
    if input_shape is None:
        if input_kind == "signal":
            return InputSpec("signal", (1, n_features))
        if input_kind == "image":
            return InputSpec("image", (1, 1, n_features))
        return InputSpec("table", (1, n_features))
    shape = tuple(input_shape)
    if not 1 <= len(shape) <= 3 or not all(_is_int(s) for s in shape):
        raise ValueError(
            f"input_shape must be a tuple of 1 to 3 integers, got {input_shape!r}."
        )
    if any(s <= 0 for s in shape):
        raise ValueError(f"input_shape must be positive, got {input_shape!r}.")
    if math.prod(shape) != n_features:
        raise ValueError(
            f"input_shape={shape} holds {math.prod(shape)} values but X has "
            f"{n_features} features."
        )
    kind = input_kind
    if kind == "auto":
        kind = "signal" if len(shape) == 1 else "image"
    if kind == "table":
        return InputSpec("table", (1, n_features))
    if kind == "signal":
        if len(shape) == 3:
            raise ValueError(f"A signal's input_shape is (L,) or (C, L), got {shape}.")
        return InputSpec("signal", shape if len(shape) == 2 else (1, *shape))
    if len(shape) == 1:
        raise ValueError(f"An image's input_shape is (H, W) or (C, H, W), got {shape}.")
    return InputSpec("image", shape if len(shape) == 3 else (1, *shape))


def _tuple_or_none(value):
    return None if value is None else tuple(value)


def check_params(params):
    """Checks ``_parameter_constraints`` cannot express: tuple contents."""
    if is_ratio(params["masking"]):
        check_ratio(params["masking"])
    if params["ema_momentum"] is not None:
        check_momentum(params["ema_momentum"])


def is_ratio(masking):
    """Whether ``masking`` is a share of features to hide (not a strategy)."""
    return masking is not None and not callable(masking)


def check_ratio(ratio):
    """A ``masking`` ratio as a float or a ``(low, high)`` tuple, checked.

    Lists are accepted (``[0.5, 0.9]`` as in a YAML or JSON config).
    """
    if isinstance(ratio, Real):
        return float(ratio)
    values = tuple(ratio)
    if (
        len(values) != 2
        or not all(_is_real(v) for v in values)
        or not 0 < values[0] <= values[1] < 1
    ):
        raise ValueError(
            "masking must be a callable, a float in (0, 1) or a pair (low, high) "
            f"with 0 < low <= high < 1, got {ratio!r}."
        )
    return tuple(float(v) for v in values)


def check_momentum(momentum):
    """``ema_momentum`` as a ``(start, end)`` pair with ``0 <= start <= end <= 1``."""
    values = tuple(momentum)
    if (
        len(values) != 2
        or not all(_is_real(v) for v in values)
        or not 0 <= values[0] <= values[1] <= 1
    ):
        raise ValueError(
            "ema_momentum must be a pair (start, end) with 0 <= start <= end "
            f"<= 1, e.g. (0.99, 1.0), got {momentum!r}."
        )
    return tuple(float(v) for v in values)


def resolve_config(
    params, n_features, custom_encoder=None, warn_ineffective=False, n_rows=None
):
    """The architecture, masks, pooling and batch size of a fit.

    Parameters
    ----------
    params : dict
        The estimator's parameters in their flat form
        (:func:`sklearn_jepa.utils._parameters.flatten`).
    n_features : int
    custom_encoder : torch.nn.Module, default=None
        The user's encoder, when ``params["encoder"]`` is a module; it is
        probed with one forward pass on zeros (no random numbers drawn).
    warn_ineffective : bool, default=False
        Warn about parameters the user set that this configuration ignores
        (the estimator's fit does).
    n_rows : int, default=None
        Training rows: they size the kernel bank of the ``"blocks"``
        read-out (:func:`sklearn_jepa.nn._rocket.default_bank_features`;
        ``None``: its full size).

    Returns
    -------
    config : JEPAConfig
        With the schedule fields still ``None`` (see :func:`with_schedule`).
    """
    spec = resolve_input(params["input_shape"], params["input_kind"], n_features)
    encoder = params["encoder"]
    if custom_encoder is not None:
        arch = _custom_architecture(custom_encoder, spec, params)
    else:
        if encoder == "auto":
            encoder = DEFAULT_ENCODERS[spec.kind]
        arch = _ARCHITECTURES[encoder](spec, params)
    masking = params["masking"]
    if masking is None or is_ratio(masking):
        ratio = DEFAULT_MASK_RATIO if masking is None else check_ratio(masking)
        masking = default_masking(spec.kind, arch["grid"], ratio)
    pooling = _resolve_pooling(params["pooling"], arch, spec)
    # the kernel bank is read out by the "blocks" read-out (conv, signals) only
    kernel_bank = None
    if pooling == "blocks":
        kernel_bank = params.get("kernel_bank")
        if kernel_bank is None:
            kernel_bank = default_bank_features(n_rows)
    batch_size = params["batch_size"]
    if batch_size is None:
        # the conv encoder learns from more, smaller steps (docs/timeseries.md)
        batch_size = 32 if arch["encoder"] == "conv" else 128
    config = JEPAConfig(
        kind=spec.kind,
        shape=spec.shape,
        pooling=pooling,
        masking=masking,
        batch_size=batch_size,
        kernel_bank=kernel_bank,
        feature_groups=_tuple_or_none(params.get("feature_groups")),
        **arch,
        **training_fields(params),
    )
    if warn_ineffective:
        _warn_ineffective(params, config)
    return config


def training_fields(params):
    """The recipe fields of a config, read from the (flat) parameters."""
    return {name: params[name] for name in TRAINING_FIELDS}


def with_schedule(config, params, n_train, flops_per_step=None):
    """``config`` with its epochs, learning rate and EMA momentum ramp.

    ``flops_per_step`` (from :func:`sklearn_jepa.configuration._budget.step_flops`) is
    needed only when ``params["max_iter"]`` is ``None``; it is recorded.
    """
    steps_per_epoch = -(-n_train // config.batch_size)
    max_iter = params["max_iter"]
    if max_iter is None:
        max_iter = auto_epochs(
            flops_per_step, steps_per_epoch, n_train, kind=config.kind
        )
    total_steps = max_iter * steps_per_epoch
    learning_rate = params["learning_rate"]
    if learning_rate is None:
        learning_rate = auto_lr(total_steps)
    momentum = params["ema_momentum"]
    momentum = (
        auto_momentum(total_steps) if momentum is None else check_momentum(momentum)
    )
    return replace(
        config,
        max_iter=int(max_iter),
        learning_rate=float(learning_rate),
        ema_momentum=momentum,
        steps_per_epoch=steps_per_epoch,
        n_train=n_train,
        flops_per_step=None if flops_per_step is None else float(flops_per_step),
    )


def default_masking(kind, grid, ratio):
    """I-JEPA-style masks scaled to the grid size."""
    n_tokens = math.prod(grid)
    if kind == "image" and len(grid) == 2:
        # 4 targets of 15-20 % suit 14x14 grids; a 4x4 grid keeps 2 so the
        # context stays large enough to predict from.
        return MultiBlockMask(n_targets=min(4, max(2, n_tokens // 16)))
    if kind == "signal":
        return SpanMask(n_spans=min(4, max(1, n_tokens // 6)))
    return FeatureMask(ratio)


def default_patch_size(spec):
    """About 4 patches per image side; at most 64 signal patches.

    Images: a 4x4 grid costs half the flops of 7x7 per step, so the same
    budget trains twice as many epochs, and epochs are what a CPU-trained
    image encoder lacks (Fashion-MNIST, 20,000 images: 7x7 patches of 4
    pixels for 1 epoch equal the untrained twin; 4x4 patches of 7 pixels for
    12 epochs add 6.5 points; docs/pools.md). Signals: fine tokens matter,
    and 64 keeps attention cheap.
    """
    if spec.kind == "image":
        return max(1, math.ceil(min(spec.spatial) / 4))
    return max(1, math.ceil(spec.spatial[0] / 64))


def default_stride(spec):
    """Steps per token of the convolutional encoder: at most 128 tokens.

    Convolutions cost in proportion to the number of tokens; 128 keeps a
    step of fine resolution for series up to 128 long and bounds the cost
    of longer ones.
    """
    return max(1, math.ceil(spec.spatial[0] / 128))


def _mlp_architecture(spec, params):
    hidden = params["hidden_size"] or 256
    depth = params["n_layers"] or 2
    n_features = math.prod(spec.shape)
    # the "layers" read-out projects on n_components afterwards; the last
    # layer alone is n_components wide (None: no bottleneck)
    last_only = params["pooling"] == "last"
    return dict(
        encoder="mlp",
        hidden_size=hidden,
        embedding_size=(params["n_components"] if last_only else None) or hidden,
        n_layers=depth,
        predictor_size=params["predictor_size"] or max(1, hidden // 2),
        predictor_layers=depth,
        n_heads=None,
        n_registers=0,
        patch_size=None,
        grid=(n_features,),
        token_output=False,
    )


def _transformer_architecture(spec, params):
    dim = params["hidden_size"] or 64
    depth = params["n_layers"] or 4
    n_heads = params["n_heads"] or 4
    if spec.kind == "table":
        patch_size, grid = None, (math.prod(spec.shape),)
        n_registers = 4 if params["n_registers"] is None else params["n_registers"]
    else:
        patch_size = params["patch_size"] or default_patch_size(spec)
        grid = tuple(math.ceil(s / patch_size) for s in spec.spatial)
        n_registers = 0
    return dict(
        encoder="transformer",
        hidden_size=dim,
        embedding_size=dim,
        n_layers=depth,
        predictor_size=params["predictor_size"] or max(n_heads, dim // 2),
        predictor_layers=max(1, depth // 2),
        n_heads=n_heads,
        n_registers=n_registers,
        patch_size=patch_size,
        grid=grid,
        token_output=True,
    )


def _conv_architecture(spec, params):
    if spec.kind == "image":
        return _cnn_architecture(spec, params)
    if spec.kind != "signal":
        raise ValueError(
            f"encoder='conv' is for signals and images, got input of kind "
            f"{spec.kind!r} (give input_shape=(L,) or input_shape=(H, W))."
        )
    dim = params["hidden_size"] or 64
    # 0.3 spelled the stride patch_size (_warn_ineffective says so)
    stride = params.get("stride") or params["patch_size"] or default_stride(spec)
    n_tokens = math.ceil(spec.spatial[0] / stride)
    return dict(
        encoder="conv",
        hidden_size=dim,
        embedding_size=dim,
        n_layers=params["n_layers"] or n_blocks_for(n_tokens),
        predictor_size=params["predictor_size"] or max(1, dim // 2),
        predictor_layers=n_blocks_for(n_tokens),
        n_heads=None,
        n_registers=0,
        patch_size=None,
        stride=stride,
        grid=(n_tokens,),
        token_output=True,
    )


def _cnn_architecture(spec, params):
    """The image CNN: 32, 64, 128 channels by default (the random-CNN
    baseline's widths), masks on its last stage's grid."""
    width = params["hidden_size"] or 32
    n_stages = params["n_layers"] or 3
    # a cell's token: every stage's channels (the target of each stage)
    dim = sum(stage_widths(width, n_stages))
    return dict(
        encoder="conv",
        hidden_size=width,
        embedding_size=dim,
        n_layers=n_stages,
        predictor_size=params["predictor_size"] or max(1, dim // 2),
        predictor_layers=3,
        n_heads=None,
        n_registers=0,
        patch_size=None,
        grid=image_grid(spec.spatial, n_stages),
        token_output=True,
    )


_ARCHITECTURES = {
    "mlp": _mlp_architecture,
    "transformer": _transformer_architecture,
    "conv": _conv_architecture,
}


def _custom_architecture(encoder, spec, params):
    """Probe a user encoder's output and size a predictor for it.

    Whole-row encoders get an MLP predictor twice their output width, token
    encoders a one-layer transformer predictor as wide as their tokens (1 or
    2 heads), unless ``predictor_size`` says otherwise.
    """
    n_features = math.prod(spec.shape)
    with torch.no_grad():
        z = encoder(torch.zeros(2, n_features), None)
    if z.dim() not in (2, 3):
        raise ValueError(
            "A custom encoder must return (batch_size, dim) or "
            f"(batch_size, n_tokens, dim) tensors, got shape {tuple(z.shape)}."
        )
    dim, tokens = z.shape[-1], z.dim() == 3
    default_grid = (z.shape[1],) if tokens else (n_features,)
    grid = tuple(getattr(encoder, "grid", default_grid))
    if tokens:
        width = params["predictor_size"] or dim
        layers, n_heads = 1, 1 if width % 2 else 2
    else:
        width, layers, n_heads = params["predictor_size"] or 2 * dim, 2, None
    return dict(
        encoder="custom",
        hidden_size=dim,
        embedding_size=dim,
        n_layers=None,
        predictor_size=width,
        predictor_layers=layers,
        n_heads=n_heads,
        n_registers=0,
        patch_size=None,
        grid=grid,
        token_output=tokens,
    )


def _resolve_pooling(pooling, arch, spec):
    """``"blocks"`` for the conv encoder on signals, ``"layers"`` for it on
    images and for the MLP (``None``, its last layer, with ``"last"``),
    ``"mean"`` for other signal and custom token encoders, ``"flatten"`` for
    the image transformer and feature tokens."""
    if arch["encoder"] == "mlp":
        # a token pooling has no effect on the MLP (it warns): its default
        return None if pooling == "last" else "layers"
    image_cnn = arch["encoder"] == "conv" and spec.kind == "image"
    if pooling == "last" or (pooling == "layers" and not image_cnn):
        raise ValueError(
            f"pooling={pooling!r} reads out the layers of the mlp encoder (and "
            f"'layers' those of the conv encoder on images); "
            f"encoder={arch['encoder']!r} outputs tokens (pool them with "
            "'mean', 'max', 'flatten' or, for 'conv' on signals, 'blocks')."
        )
    if not arch["token_output"]:
        return None
    if pooling == "blocks" and (arch["encoder"] != "conv" or image_cnn):
        raise ValueError(
            "pooling='blocks' reads out the layers of the conv encoder on "
            f"signals; encoder={arch['encoder']!r} on {spec.kind}s has no such "
            "layers (the conv encoder on images reads its layers with 'layers')."
        )
    if pooling != "auto":
        return pooling
    if arch["encoder"] == "conv":
        return "layers" if image_cnn else "blocks"
    return "mean" if arch["encoder"] == "custom" or spec.kind == "signal" else "flatten"


def _warn_ineffective(params, config):
    """Warn about parameters set by the user that this configuration ignores."""
    ignored = []
    if is_ratio(params["masking"]) and config.kind != "table":
        ignored.append(("masking", "tables (images and signals hide blocks and spans)"))
    if params["n_heads"] is not None and config.encoder != "transformer":
        ignored.append(("n_heads", "encoder='transformer'"))
    if params["n_registers"] is not None and not (
        config.encoder == "transformer" and config.kind == "table"
    ):
        ignored.append(("n_registers", "encoder='transformer' on tables"))
    stride = params.get("stride")
    if params["patch_size"] is not None:
        if config.encoder == "conv" and config.kind == "signal" and stride is None:
            warn(
                f"encoder_params={{'patch_size': {params['patch_size']!r}}} set the "
                "conv encoder's stride, as 0.3's patch_size did; since 0.4 that is "
                f"encoder_params={{'stride': {params['patch_size']!r}}} (patch_size "
                "is the transformer's), and this spelling goes in 0.6.",
                FutureWarning,
            )
        elif config.kind == "table" or config.encoder != "transformer":
            ignored.append(
                ("patch_size", "the transformer encoder on images and signals")
            )
    if stride is not None and (config.encoder != "conv" or config.kind == "image"):
        ignored.append(("stride", "the conv encoder on signals"))
    pooling = params["pooling"]
    if config.encoder == "mlp" and pooling not in ("auto", "layers", "last"):
        ignored.append(("pooling", "encoders that output one embedding per token"))
    elif config.encoder == "custom" and not config.token_output and pooling != "auto":
        ignored.append(("pooling", "built-in and token encoders"))
    if config.encoder == "custom":
        for name in ("hidden_size", "n_layers"):
            if params[name] is not None:
                ignored.append((name, "built-in encoders"))
    for name, used_with in ignored:
        value = params[name]
        warn(
            f"{name}={value!r} has no effect here: it is used only with "
            f"{used_with} (this fit: a {config.kind} with the {config.encoder} "
            "encoder).",
            UserWarning,
        )


def _is_int(value):
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value):
    return isinstance(value, Real) and not isinstance(value, bool)
