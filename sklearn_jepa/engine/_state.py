"""The state of a fit: configuration, seeds, standardisation, net, projection.

:class:`FitState` is everything ``JEPATransformer.fit`` learns, in one object
with one job per method: :meth:`~FitState.start` (resolve the configuration,
standardise, build the net), :meth:`~FitState.train`, :meth:`~FitState.embed`
(the one embedding path of ``transform``, the projection and the collapse
check), :meth:`~FitState.score`, and :meth:`~FitState.state_dict` /
:meth:`~FitState.from_state_dict` (plain data for pickles, skops and
:func:`sklearn_jepa.save`). The estimator keeps the scikit-learn layer.

No training row is kept: the rows the diagnostics follow and the batch whose
cost sets the budget are drawn from ``X`` when they are needed and dropped
after (docs/design.md, "Privacy").
"""

import warnings
from dataclasses import replace

import numpy as np
import torch

from ..configuration._budget import step_flops
from ..configuration._build import build_module
from ..configuration._config import (
    default_masking,
    resolve_config,
    training_fields,
    with_schedule,
)
from ..nn._readout import fit_biases
from ..utils._compat import params_from_0_4
from ..utils._parameters import stored
from ..utils._runtime import bf16_supported, forked_rng
from ..utils._seeds import Seeds
from ..utils._warnings import warn
from ._callbacks import diagnostic_rows
from ._diagnostics import CollapseWarning, embedding_stats, is_collapsed
from ._distributed import wrap_online
from ._export import JEPAEncoder
from ._inference import chunks, embed, layer_chunks, predictability
from ._projection import fit_projection
from ._rows import StandardizedRows, nan_mean_std
from ._training import collator, make_net

__all__ = ["FitState", "check_distributed"]

_N_PROJECTION_ROWS = 20_000
# rows the "blocks" read-out's biases are fitted on
_N_BIAS_ROWS = 1_024
# parameters a continued fit (warm_start, partial_fit) reads afresh, as
# MLPClassifier reads max_iter afresh
SCHEDULE_PARAMS = ("max_iter", "learning_rate", "ema_momentum", "warmup_fraction")
# read on every call, or not about the model (callbacks and the deprecated
# aliases are not stored: _parameters.stored)
_ALWAYS_READ = ("n_threads", "warm_start")


class FitState:
    """What a fit learned, and the operations on it.

    Parameters
    ----------
    config : JEPAConfig
    seeds : Seeds
    mean, scale : ndarray of shape (n_features,)
    net : JEPANet
    params : dict
        The estimator's parameters this state was built and scheduled with.
    projection : tuple of (ndarray, ndarray) or None
    n_components : int or None
        Width of :meth:`embed`'s output; known after the first training call.
    biases : ndarray of shape (n_layers, dim, n_quantiles) or None
        PPV biases of the ``"blocks"`` read-out, fitted after each training
        call (:func:`sklearn_jepa.nn._readout.fit_biases`).
    """

    def __init__(
        self,
        config,
        seeds,
        mean,
        scale,
        net,
        params,
        projection=None,
        n_components=None,
        biases=None,
    ):
        self.config = config
        self.seeds = seeds
        self.mean = mean
        self.scale = scale
        self.net = net
        self.params = params
        self.projection = projection
        self.n_components = n_components
        self.biases = biases

    @classmethod
    def start(cls, params, X, *, callbacks, device, world, groups=None, hold_out_gap=0):
        """Resolve the configuration of ``X``, standardise, build the net.

        The schedules span the rows :meth:`train` will train on: with
        early stopping, those outside its hold-out (``groups``: whole
        groups, :func:`split`).

        ``params`` are the estimator's, in their flat form
        (:func:`sklearn_jepa.utils._parameters.flatten`); parameters this
        configuration ignores warn.
        """
        seeds = Seeds.from_random_state(params["random_state"])
        custom = _custom_encoder(params)
        config = resolve_config(
            params, X.shape[1], custom, warn_ineffective=True, n_rows=len(X)
        )
        if config.bf16 and not bf16_supported(torch.device(device).type):
            warn(
                f"bf16=True has no effect on device {str(device)!r}: bfloat16 "
                "autocast is used on CUDA and on CPUs with native bfloat16 "
                "instructions only.",
                UserWarning,
            )
        mean, scale = standardization(X, config)
        torch.manual_seed(seeds.seed("init"))
        module = build_module(config, custom)
        n_train = len(X)
        if config.early_stopping:  # the rows train() will train on
            rng = seeds.rng("split")
            n_train = len(split(config, rng, len(X), groups, hold_out_gap)[0])
        rows = diagnostic_rows(X, seeds.seed("sample"))
        flops = _step_flops(config, module, (rows - mean) / scale, n_train, seeds)
        config = with_schedule(config, params, n_train, flops)
        net = make_net(
            config,
            module,
            seeds,
            device,
            verbose=params["verbose"],
            callbacks=callbacks,
            rank=world.rank,
        )
        return cls(config, seeds, mean, scale, net, stored(params))

    def update(self, params):
        """Before a continued fit: apply changed schedule parameters (they
        take effect from this call on) and warn about any other changed
        parameter, which only a fresh fit can apply."""
        changed = [
            name
            for name, value in stored(params).items()
            if name not in _ALWAYS_READ and not _same(value, self.params.get(name))
        ]
        schedule = [name for name in changed if name in SCHEDULE_PARAMS]
        if schedule:
            self.params.update({name: params[name] for name in schedule})
            if self.config.flops_per_step is None and self.params["max_iter"] is None:
                self.params["max_iter"] = self.config.max_iter  # a 0.2 model
            config = replace(self.config, **training_fields(self.params))
            self.config = with_schedule(
                config, self.params, config.n_train, config.flops_per_step
            )
            self.net.set_schedule(self.config)
        ignored = [name for name in changed if name not in SCHEDULE_PARAMS]
        if ignored:
            listed = ", ".join(f"{name}={params[name]!r}" for name in ignored)
            warn(
                f"{listed} changed since the model was built and has no effect on "
                "a continued fit (warm_start=True or partial_fit): the model keeps "
                "its architecture, optimizer and seeds. Fit with warm_start=False "
                "to apply it.",
                UserWarning,
            )

    def train(
        self, X, *, epochs=None, hold_out=True, groups=None, hold_out_gap=0, world
    ):
        """``epochs`` passes over ``X`` (``None``: ``config.max_iter``), then the
        projection and the collapse check. Data parallel across an active
        ``world``: each rank trains on its shard of the rows. ``groups``:
        the early-stopping hold-out takes whole groups (:func:`split`)."""
        if epochs is None:
            epochs = self.config.max_iter
        net = self.net
        n_before = len(net.history)
        torch.manual_seed(self.seeds.seed("call", n_before))
        # standardised batch by batch: the pool is read, never copied whole
        pool = StandardizedRows(X, self.standardize)
        X_train, X_valid, batch_size = pool, None, None
        if hold_out and self.config.early_stopping:
            rng = self.seeds.rng("split")
            train, valid = split(self.config, rng, len(X), groups, hold_out_gap)
            X_train, X_valid = pool.subset(train), pool.subset(valid)
        if world.active:
            rng = self.seeds.rng("shard", n_before)
            X_train = X_train.subset(world.shard(len(X_train), rng))
            batch_size = max(1, self.config.batch_size // world.world_size)
            wrap_online(net.module_, net.device)
        try:
            interrupted = net.train_epochs(
                X_train, epochs, X_valid=X_valid, batch_size=batch_size
            )
        finally:
            if world.active:
                net.module_.use_parallel(None)
        self._fit_bank(pool)
        self._fit_biases(pool)
        self._fit_projection(pool)
        if interrupted:
            warn(
                f"Training was interrupted after {len(net.history) - n_before} of "
                f"{epochs} epochs; the estimator keeps the weights reached so far "
                "and can be used or trained further with partial_fit.",
                UserWarning,
            )
        self._check_collapse(pool)
        return self

    def standardize(self, X):
        return ((X - self.mean) / self.scale).astype(np.float32)

    def embed(self, X, *, standardized=False):
        """Pooled, projected target-encoder embeddings, chunk by chunk.

        Raw rows keep their floating dtype; standardised rows give float64.
        """
        return embed(
            self.net,
            X,
            self.config.batch_size,
            self.config.pooling,
            standardize=None if standardized else self.standardize,
            projection=self.projection,
            biases=self.biases,
        )

    def score(self, X):
        """R^2 of the predictor on ``X`` under the default masks at ratio 0.5.

        ``X``: raw rows, or an iterable of arrays of raw rows (parts that
        are multiples of ``batch_size`` rows, but the last, give the batches
        of the whole array, hence its score, in bounded memory).
        """
        config = self.config
        strategy = default_masking(config.kind, config.grid, 0.5)
        masker = collator(config, self.seeds.seed("score_masks"), masking=strategy)
        parts = [X] if isinstance(X, np.ndarray) else X
        rows = (
            x
            for part in parts
            for _, x in chunks(part, config.batch_size, self.standardize)
        )
        return predictability(self.net, rows, masker)

    def to_torch(self):
        return JEPAEncoder(
            self.net.module_.target_encoder,
            self.mean,
            self.scale,
            self.config.pooling,
            self.projection,
            self.biases,
        ).cpu()

    # -- persistence ---------------------------------------------------------

    def state_dict(self):
        """Plain data (arrays, numbers, strings, lists, dicts, the config and
        masking strategies): no torch or skorch object, no training row."""
        return {
            "config": self.config,
            "seeds": self.seeds.entropy,
            "mean": self.mean,
            "scale": self.scale,
            "params": dict(self.params),
            "projection": self.projection,
            "n_components": self.n_components,
            "biases": self.biases,
            "net": self.net.state_dict(),
        }

    @classmethod
    def from_state_dict(cls, state, *, callbacks=()):
        """The state :meth:`state_dict` described, with an identical net."""
        params = params_from_0_4(dict(state["params"]))
        # 0.3's configs kept the training recipe in the parameters only
        config = replace(state["config"], **training_fields(params))
        seeds = Seeds(int(state["seeds"]))
        device = state["net"]["device"]
        if device.startswith("cuda") and not torch.cuda.is_available():
            warn(
                f"The model was trained on {device} but CUDA is not available; "
                "it is loaded on the CPU.",
                UserWarning,
            )
            device = "cpu"
        custom = _custom_encoder(params)
        # building draws initial weights; they are overwritten, and the user's
        # global torch generator must not move
        with forked_rng(device):
            module = build_module(config, custom)
            net = make_net(
                config,
                module,
                seeds,
                device,
                verbose=params["verbose"],
                callbacks=callbacks,
            )
        net.load_state_dict(state["net"])
        return cls(
            config,
            seeds,
            state["mean"],
            state["scale"],
            net,
            params,
            state["projection"],
            state["n_components"],
            state.get("biases"),
        )

    # -- helpers -------------------------------------------------------------

    def _fit_projection(self, pool):
        """Project pooled token embeddings on ``n_components`` directions.

        Whole-row encoders already output ``n_components`` values and get no
        projection, nor does ``n_components=None``. Fitted on at most 20,000
        rows: memory stays bounded and more rows barely move the directions.
        """
        n_components = self.params["n_components"]
        width = self.config.pooled_width
        if n_components is None or width == n_components:
            self.projection, self.n_components = None, width
            return
        X_std = self._at_most(pool, _N_PROJECTION_ROWS, "projection")
        # pooled, not yet projected
        Z = embed(
            self.net,
            X_std,
            self.config.batch_size,
            self.config.pooling,
            biases=self.biases,
        )
        seed = self.seeds.seed("projection", 1)
        self.projection = fit_projection(Z, n_components, seed)
        self.n_components = n_components

    def _at_most(self, pool, n_rows, stream):
        """At most ``n_rows`` standardised rows of ``pool``
        (:class:`StandardizedRows`), drawn by the seed stream ``stream`` and
        kept in their order."""
        if len(pool) <= n_rows:
            return pool.rows(slice(None))
        rows = self.seeds.rng(stream).choice(len(pool), n_rows, replace=False)
        return pool.rows(np.sort(rows))

    def _fit_bank(self, pool):
        """The kernel bank's biases, from the same (at most 1,024) rows as
        the ``"blocks"`` read-out's."""
        module = self.net.module_
        if module.bank is None:
            return
        X_std = self._at_most(pool, _N_BIAS_ROWS, "biases")
        rows = (
            torch.from_numpy(chunk).to(self.net.device)
            for _, chunk in chunks(X_std, self.config.batch_size)
        )
        module.bank.fit(module.bank_chunks(rows))
        module.set_bank_biases(module.bank.biases)

    def _fit_biases(self, pool):
        """The ``"blocks"`` read-out's PPV biases, from at most 1,024 rows."""
        if self.config.pooling != "blocks":
            return
        X_std = self._at_most(pool, _N_BIAS_ROWS, "biases")
        layers = layer_chunks(self.net, X_std, self.config.batch_size)
        self.biases = fit_biases(layers, len(X_std), self.config.grid[0])

    def _check_collapse(self, pool):
        """Warn when what ``transform`` returns for the diagnostic rows
        collapsed (under the ``"blocks"`` read-out, the max-pooled
        embedding). A handful of rows cannot tell collapse from chance:
        judge on 32 or more."""
        rows = diagnostic_rows(pool, self.seeds.seed("sample"))
        if len(rows) < 32:
            return
        if self.config.pooling in ("blocks", "layers"):
            # the embedding itself: shallow layers hide a collapse
            pooling = self.config.embedding_pooling
            Z = embed(self.net, rows, self.config.batch_size, pooling)
        else:
            Z = self.embed(rows, standardized=True)
        stats = embedding_stats(Z)
        if is_collapsed(stats):
            warn(
                f"The embedding collapsed: effective rank "
                f"{stats['effective_rank']:.2f}, median relative std "
                f"{stats['std_median']:.2e}. Try a lower learning_rate, a "
                "slower EMA (ema_momentum closer to 1) or a larger hidden share "
                "(masking).",
                CollapseWarning,
            )


def check_distributed(params, X, world):
    """Raise what a data-parallel fit cannot do, or different ``X`` per rank."""
    if params["early_stopping"]:
        raise ValueError(
            "early_stopping=True is not supported in a distributed fit yet "
            "(the ranks would have to agree on the validation loss); set "
            "max_iter instead."
        )
    world.check_same_data(X)


def n_valid(config, n_samples):
    """Rows held out for early stopping."""
    n_held = int(round(config.validation_fraction * n_samples))
    return min(max(1, n_held), n_samples - 1)


def split(config, rng, n_samples, groups=None, gap=0):
    """Training and early-stopping rows: ``(train, valid)`` index arrays.

    Without ``groups``, ``n_valid`` rows at random. With ``groups``, whole
    groups in a random order, each taken while the hold-out stays within
    ``n_valid`` rows, so correlated rows (the windows of one recording)
    never sit on both sides. When whole groups cannot hold at least half
    of ``n_valid`` (a few large groups: two recordings), the rest is the
    last rows of one more group (rows of a group are in time order), and
    the ``gap`` rows before them are in neither side: rows that share
    steps with the held-out ones (overlapping windows) are not trained on.
    A single group holds out its last rows the same way.
    """
    n_held = n_valid(config, n_samples)
    if groups is None:
        order = rng.permutation(n_samples)
        return order[n_held:], order[:n_held]
    _, codes = np.unique(groups, return_inverse=True)
    sizes = np.bincount(codes)
    held, count = [], 0
    order = rng.permutation(len(sizes))
    for group in order if len(sizes) > 1 else ():
        if count + sizes[group] <= n_held:
            held.append(group)
            count += sizes[group]
    valid = np.isin(codes, held)
    left_out = np.zeros(n_samples, dtype=bool)
    if count < n_held / 2:
        # the end of the largest group not held, and a gap before it
        rest = [g for g in order if g not in held]
        group = max(rest, key=lambda g: sizes[g])
        rows = np.flatnonzero(codes == group)
        n_tail = min(n_held - count, len(rows) - 1)
        n_gap = min(gap, len(rows) - 1 - n_tail)
        valid[rows[len(rows) - n_tail :]] = True
        left_out[rows[len(rows) - n_tail - n_gap : len(rows) - n_tail]] = True
    return np.flatnonzero(~valid & ~left_out), np.flatnonzero(valid)


def standardization(X, config):
    """Mean and scale per feature (tables) or per channel (images, signals).

    Images and signals share one mean and scale per channel, broadcast to
    that channel's features: per-pixel scaling would blow rarely-inked border
    pixels up to 40 standard deviations (digits) and distort the image the
    convolution stem sees. Constant features or channels get a scale of 1.
    """
    with warnings.catch_warnings():
        # a feature or channel with no observed value: mean 0, scale 1
        warnings.simplefilter("ignore", RuntimeWarning)
        if config.kind == "table" and X.flags.c_contiguous:
            # a chunk at a time where numpy's order allows (C order), so a
            # pool as large as memory is not copied
            mean, scale = nan_mean_std(X)
        elif config.kind == "table":
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


def _step_flops(config, module, rows, n_train, seeds):
    """Flops of one training step on a batch of ``rows`` (standardised),
    repeated to one training batch if there are fewer."""
    index = np.resize(np.arange(len(rows)), min(config.batch_size, n_train))
    masks = collator(config, seeds.seed("budget_masks"))
    batch, _ = masks(torch.from_numpy(rows[index].astype(np.float32)))
    return step_flops(module, batch)


def _custom_encoder(params):
    """The user's encoder module, or ``None`` for a built-in encoder."""
    encoder = params["encoder"]
    return encoder if isinstance(encoder, torch.nn.Module) else None


def _same(a, b):
    if isinstance(a, np.random.RandomState) or isinstance(b, np.random.RandomState):
        return True  # drawn from at start (it moved since); nothing to compare
    if isinstance(a, torch.nn.Module) or isinstance(b, torch.nn.Module):
        return a is b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b
