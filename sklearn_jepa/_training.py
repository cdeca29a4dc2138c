"""Training engine: a skorch ``NeuralNet`` specialised for JEPA.

skorch owns the loop, history, callbacks, progress display and devices; this
module overrides single links of its chain (dataset, optimizer, loss) and adds
the callbacks that JEPA needs: the learning-rate schedule, the EMA update of
the target encoder and the collapse diagnostics, each holding its own state.
:func:`make_net` builds the net a configuration describes.

skorch internals relied on (one each, tested in ``tests/test_training.py``
against the supported range in ``pyproject.toml``): ``NeuralNet._set_training``
(overridden to skip redundant mode switches) and ``NeuralNet._modules`` /
``_criteria`` (the names it switches).
"""

import math
import re
import sys

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    GradientNormClipping,
    PrintLog,
    ProgressBar,
)
from skorch.helper import predefined_split
from skorch.history import History
from skorch.utils import noop

from ._diagnostics import embedding_stats
from ._ema import cosine_ramp, momentum_at, update_momentum
from ._inference import embed
from ._losses import JEPALoss
from ._masks import MaskCollator, MissingTokens
from ._portable import (
    as_byte_tensor,
    generator_state,
    optimizer_from_plain,
    optimizer_to_plain,
    plain,
    tensors_from_arrays,
    tensors_to_arrays,
)

__all__ = [
    "BatchLoader",
    "JEPANet",
    "PlainPrintLog",
    "adamw_groups",
    "diagnostic_rows",
    "fused_adamw_kwargs",
    "make_net",
]

# rows whose embeddings the diagnostics follow: enough for a stable effective
# rank, one small SVD
N_DIAGNOSTIC_ROWS = 256


def make_net(config, module, seeds, device, *, verbose=0, callbacks=(), rank=0):
    """The initialised :class:`JEPANet` that trains ``module`` as ``config`` says.

    Parameters
    ----------
    config : JEPAConfig
        With its schedule resolved.
    module : JEPAModule
    seeds : Seeds
    device : str or torch.device
        Its recipe fields (``loss``, ``weight_decay``, ``warmup_fraction``,
        ``grad_clip``, early stopping, ``bf16``) configure the net.
    verbose : int, default=0
    callbacks : sequence of skorch callbacks
        Appended after the built-in ones.
    rank : int, default=0
        This process's rank in a data-parallel fit: each rank shuffles and
        masks its shard with its own streams (rank 0 with the streams of a
        single-process fit), and only rank 0 prints.
    """
    verbose = verbose if rank == 0 else 0
    key = () if rank == 0 else (rank,)
    net = JEPANet(
        module=module,
        criterion=JEPALoss(config.loss),
        optimizer=torch.optim.AdamW,
        lr=config.learning_rate,
        optimizer__weight_decay=config.weight_decay,
        **fused_adamw_kwargs(device),
        max_epochs=config.max_iter,
        batch_size=config.batch_size,
        train_split=None,
        iterator_train=BatchLoader,
        iterator_valid=BatchLoader,
        iterator_train__shuffle=True,
        iterator_train__generator=torch.Generator().manual_seed(
            seeds.seed("shuffle", *key)
        ),
        iterator_train__collate_fn=collator(config, seeds.seed("train_masks", *key)),
        iterator_valid__collate_fn=collator(config, seeds.seed("valid_masks")),
        # the same validation masks every epoch: comparable validation losses
        iterator_valid__replay=True,
        callbacks=_callbacks(config, seeds, verbose, callbacks),
        device=device,
        autocast_bf16=config.bf16,
        verbose=verbose,
        # PrintLog formats a table every epoch even when it prints nothing
        callbacks__print_log=PlainPrintLog() if verbose else None,
    )
    return net.initialize()


def collator(config, seed, masking=None):
    """A :class:`MaskCollator` of ``config``'s masks (or ``masking``)."""
    missing = MissingTokens(config.shape, config.grid)
    return MaskCollator(masking or config.masking, config.grid, seed, missing)


def diagnostic_rows(X, seed, n_rows=N_DIAGNOSTIC_ROWS):
    """The rows of ``X`` whose embeddings the diagnostics follow.

    Drawn afresh from each training call's ``X`` (the same rows for the same
    ``X``), so no fitted object keeps training rows.
    """
    order = np.random.RandomState(seed).permutation(len(X))[:n_rows]
    return X[np.sort(order)]


def _callbacks(config, seeds, verbose, extra):
    callbacks = [
        ("lr_schedule", LearningRateSchedule(config)),
        ("ema", EMAUpdate(config)),
        (
            "diagnostics",
            # about 50 records per fit, whatever the number of epochs
            Diagnostics(
                pooling=config.embedding_pooling,
                seed=seeds.seed("sample"),
                every=-(-config.max_iter // 50),
            ),
        ),
    ]
    if config.grad_clip is not None:
        callbacks.append(("grad_clip", GradientNormClipping(config.grad_clip)))
    if config.early_stopping:
        stopper = StopWhenNoImprovement(
            patience=config.n_iter_no_change,
            threshold=config.tol,
            threshold_mode="abs",
            load_best=True,
            sink=print if verbose else noop,
        )
        callbacks.append(("early_stopping", stopper))
    # a progress bar redraws with carriage returns: only on a terminal
    if verbose >= 2 or (
        verbose == 1 and config.steps_per_epoch >= 50 and sys.stderr.isatty()
    ):
        callbacks.append(("progress", ProgressBar()))
    for index, callback in enumerate(extra):
        callbacks.append((f"user_{index}", callback))
    return callbacks


class StopWhenNoImprovement(EarlyStopping):
    """skorch's ``EarlyStopping`` that says whether it ended the training.

    skorch stops a fit by raising ``KeyboardInterrupt``, as a user's Ctrl-C
    does; ``stopped_`` tells the two apart without reading its counters. A
    training call without a validation set (``partial_fit``) is not judged
    (skorch's own callback raises a ``KeyError`` there).
    """

    def on_train_begin(self, net, **kwargs):
        self.stopped_ = False
        return super().on_train_begin(net, **kwargs)

    def on_epoch_end(self, net, **kwargs):
        if self.monitor not in net.history[-1]:
            return None
        try:
            return super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            self.stopped_ = True
            raise


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def fused_adamw_kwargs(device):
    """``{"optimizer__fused": True}`` where torch has a fused AdamW for ``device``.

    The fused kernel updates all parameters in one call instead of a dozen
    small ops per tensor, a large share of a small fit on a CPU
    (docs/design.md).
    """
    kind = torch.device(device).type
    # CPU support arrived with torch 2.4; older builds raise at construction
    if kind == "cuda" or (kind == "cpu" and torch.__version__ >= (2, 4)):
        return {"optimizer__fused": True}
    return {}


class PlainPrintLog(PrintLog):
    """skorch's epoch table, without colour codes unless it prints to a terminal.

    Colour codes turn a redirected log (a file, CI, a notebook's captured
    output) into escape-sequence noise.
    """

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color)
        if isinstance(text, str) and not _is_terminal(self.sink):
            return _ANSI.sub("", text)
        return text


def _is_terminal(sink):
    return sink is print and sys.stdout.isatty()


class ArrayDataset(torch.utils.data.Dataset):
    """A tensor of rows; indexing with a tensor of indices gives a whole batch."""

    def __init__(self, X):
        self.X = torch.as_tensor(X)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index]


class BatchLoader:
    """Batches of an in-memory :class:`ArrayDataset`, for skorch's iterators.

    One ``randperm`` per epoch sliced into batches, instead of a
    ``DataLoader`` drawing indices one Python int at a time. Same keyword
    arguments as ``DataLoader`` for what JEPA uses; masks are drawn by
    ``collate_fn`` next to each batch.

    Parameters
    ----------
    dataset : ArrayDataset
    batch_size : int
    shuffle : bool, default=False
    generator : torch.Generator, default=None
        Source of the shuffling order (seeded: reproducible fits).
    collate_fn : callable, default=None
        Maps a ``(batch_size, n_features)`` tensor to the batch skorch sees.
    replay : bool, default=False
        Call ``collate_fn.reset()`` at the start of every pass, so every pass
        draws the same masks (a validation set).
    """

    def __init__(
        self,
        dataset,
        batch_size,
        shuffle=False,
        generator=None,
        collate_fn=None,
        replay=False,
    ):
        if replay and not callable(getattr(collate_fn, "reset", None)):
            raise TypeError("BatchLoader(replay=True) needs a collate_fn with reset().")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.collate_fn = collate_fn
        self.replay = replay

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        n_samples = len(self.dataset)
        if self.replay:
            self.collate_fn.reset()
        if self.shuffle:
            order = torch.randperm(n_samples, generator=self.generator)
        else:
            order = torch.arange(n_samples)
        for start in range(0, n_samples, self.batch_size):
            batch = self.dataset[order[start : start + self.batch_size]]
            yield batch if self.collate_fn is None else self.collate_fn(batch)


class JEPANet(NeuralNet):
    """skorch net whose module returns ``(prediction, target, weight)``.

    Beyond skorch's own interface the net gives and takes its portable state
    (:meth:`portable_state`, :meth:`load_portable_state`), so that no other
    module names skorch's iterators or callbacks, and trains for a number of
    epochs on given rows (:meth:`train_epochs`).

    Parameters
    ----------
    autocast_bf16 : bool, default=False
        Run the forward pass under bfloat16 autocast on CUDA.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(self, *args, autocast_bf16=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.autocast_bf16 = autocast_bf16

    # -- training ----------------------------------------------------------

    def train_epochs(self, X, epochs, *, X_valid=None, batch_size=None):
        """``epochs`` passes over the rows ``X``; returns whether a user's
        interrupt (not early stopping) ended them.

        ``X_valid`` rows are the early-stopping hold-out (``None``: no
        validation); ``batch_size`` overrides the configured one for these
        passes (a rank's share of a data-parallel batch). The trained module
        rests in eval mode (the next training batch switches it back).
        """
        self.train_split = None if X_valid is None else _predefined(X_valid)
        configured = self.batch_size
        if batch_size is not None:
            self.batch_size = batch_size
        try:
            self.partial_fit(X, epochs=epochs)
        finally:
            self.batch_size = configured
            self.train_split = None
            self.module_.eval()
        return self.interrupted_

    def set_schedule(self, config):
        """Use the learning rate, epochs and EMA ramp of ``config`` from the
        next training call on (a continued fit whose parameters changed)."""
        self.lr = config.learning_rate
        self.max_epochs = config.max_iter
        callbacks = dict(self.callbacks_)
        callbacks["lr_schedule"].configure(config)
        callbacks["ema"].configure(config)

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            # skorch swallows the interrupt and so does EarlyStopping's own
            # KeyboardInterrupt; remember which of the two it was.
            self.interrupted_ = not any(
                isinstance(cb, StopWhenNoImprovement) and cb.stopped_
                for _, cb in self.callbacks_
            )
            raise

    # -- portable state ----------------------------------------------------

    def portable_state(self):
        """Everything trained that is not rebuilt from the configuration, as
        plain data (``_portable``): weights, optimizer moments, history, the
        shuffling and mask generators, and each stateful callback's
        ``state_dict`` under its name."""
        return {
            "module": tensors_to_arrays(self.module_.state_dict()),
            "optimizer": optimizer_to_plain(self.optimizer_.state_dict()),
            "history": plain(self.history.to_list()),
            "generators": {
                "shuffle": generator_state(self.iterator_train__generator),
                "train_masks": generator_state(
                    self.iterator_train__collate_fn.generator
                ),
            },
            "callbacks": {
                name: callback.state_dict()
                for name, callback in self.callbacks_
                if hasattr(callback, "state_dict")
            },
            "device": str(self.device),
            "interrupted": bool(getattr(self, "interrupted_", False)),
        }

    def load_portable_state(self, state):
        """Restore what :meth:`portable_state` gave (of a net built alike)."""
        self.module_.load_state_dict(tensors_from_arrays(state["module"]))
        self.module_.eval()
        self.optimizer_.load_state_dict(optimizer_from_plain(state["optimizer"]))
        self.history = History(state["history"])
        generators = state["generators"]
        self.iterator_train__generator.set_state(as_byte_tensor(generators["shuffle"]))
        self.iterator_train__collate_fn.generator.set_state(
            as_byte_tensor(generators["train_masks"])
        )
        saved = state["callbacks"]
        for name, callback in self.callbacks_:
            if not hasattr(callback, "load_state_dict"):
                continue
            if name not in saved:
                raise ValueError(
                    f"The saved model has no state for the callback {name!r}; it "
                    "was saved by an incompatible version of sklearn-jepa."
                )
            callback.load_state_dict(saved[name])
        self.interrupted_ = state["interrupted"]
        return self

    # -- skorch links --------------------------------------------------------

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        return ArrayDataset(X)

    def get_all_learnable_params(self):
        # The target encoder is moved by the EMA only: the module says which
        # parameters the optimizer may touch. skorch asks for this list every
        # batch (for gradient clipping), so it is built once per module.
        cache = getattr(self, "_learnable_cache", None)
        if cache is None or cache[0] is not self.module_:
            named = list(self.module_.online_named_parameters())
            cache = self._learnable_cache = (self.module_, named)
        yield from cache[1]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_learnable_cache", None)
        return state

    def initialize_optimizer(self, triggered_directly=None):
        named = list(self.get_all_learnable_params())
        _, kwargs = self.get_params_for_optimizer("optimizer", named)
        self.optimizer_ = self.optimizer(adamw_groups(named), **kwargs)
        return self

    def _set_training(self, training=True):
        # skorch calls this every batch and module.train() walks every
        # submodule, a visible share of a small fit: only switch on a change.
        names = self._modules + self._criteria
        modules = [getattr(self, name + "_") for name in names]
        if any(getattr(module, "training", training) != training for module in modules):
            super()._set_training(training)

    def infer(self, x, **fit_params):
        enabled = self.autocast_bf16 and str(self.device).startswith("cuda")
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=enabled):
            return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true=None, X=None, training=False):
        prediction, target, weight = y_pred
        loss = self.criterion_(prediction.float(), target.float(), weight)
        if not torch.isfinite(loss):
            raise FloatingPointError(
                f"The JEPA loss became {loss.item()} in epoch {len(self.history)}. "
                f"Training diverged: the learning rate ({self.lr}) is probably "
                "too high, or the input holds extreme values. Lower learning_rate, "
                "keep grad_clip on, or check the data."
            )
        return loss


def adamw_groups(named_parameters):
    """AdamW parameter groups: no weight decay on biases and normalisation
    weights (the 1-D tensors)."""
    return [
        {"params": [p for _, p in named_parameters if p.ndim > 1]},
        {
            "params": [p for _, p in named_parameters if p.ndim <= 1],
            "weight_decay": 0.0,
        },
    ]


def _predefined(X_valid):
    return predefined_split(ArrayDataset(X_valid))


class WarmupCosine:
    """Learning-rate factor: linear warmup, then cosine decay to ``final``."""

    def __init__(self, total_steps, warmup_steps, final=0.01):
        self.total_steps = total_steps
        self.warmup_steps = warmup_steps
        self.final = final

    def __call__(self, step):
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        span = self.total_steps - self.warmup_steps
        return cosine_ramp(step - self.warmup_steps, span, 1.0, self.final)


class _StepSchedule(Callback):
    """A per-optimizer-step schedule that runs in segments of ``total_steps``.

    The step counter and the segment start are the callback's state
    (:meth:`state_dict`), so ``partial_fit``, ``warm_start`` and a reloaded
    model continue a segment; once a segment is complete the next training
    call starts a new one (a warm restart: warmup and cosine again, momentum
    ramped again). Without restarts, training past the end would run at the
    final learning rate with the target encoder frozen at momentum 1, and
    learn nothing.
    """

    def __init__(self, total_steps):
        self.total_steps = total_steps
        self.step_ = 0
        self.segment_start_ = None

    def on_train_begin(self, net, **kwargs):
        if self.segment_start_ is None or (
            self.step_ - self.segment_start_ >= self.total_steps
        ):
            self.segment_start_ = self.step_

    @property
    def local_step(self):
        return self.step_ - self.segment_start_

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            self.step_ += 1

    def state_dict(self):
        return {"step": int(self.step_), "segment_start": self.segment_start_}

    def load_state_dict(self, state):
        self.step_ = int(state["step"])
        self.segment_start_ = state["segment_start"]


class LearningRateSchedule(_StepSchedule):
    """Linear warmup then cosine decay of the learning rate, per step."""

    def __init__(self, config):
        super().__init__(config.total_steps)
        self.configure(config)

    def configure(self, config):
        self.total_steps = config.total_steps
        warmup_steps = int(config.warmup_fraction * config.total_steps)
        self.factor = WarmupCosine(config.total_steps, warmup_steps)

    def on_batch_begin(self, net, training=False, **kwargs):
        if training:
            factor = self.factor(self.local_step)
            for group in net.optimizer_.param_groups:
                group["lr"] = net.lr * factor


class EMAUpdate(_StepSchedule):
    """The target encoder's EMA update after every optimizer step, with the
    momentum ramped from ``start`` to ``end`` over a segment (cosine)."""

    def __init__(self, config):
        super().__init__(config.total_steps)
        self.configure(config)

    def configure(self, config):
        self.total_steps = config.total_steps
        self.momentum = config.ema_momentum

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            start, end = self.momentum
            m = momentum_at(self.local_step, self.total_steps, start, end)
            update_momentum(net.module_.target_encoder, net.module_.encoder, m)
        super().on_batch_end(net, training=training, **kwargs)


class Diagnostics(Callback):
    """Record collapse diagnostics of a fixed sample's embeddings.

    The sample (:func:`diagnostic_rows`) is drawn from each training call's
    rows at its start and released at its end: no training row outlives
    the call, in memory or in a saved model.

    Parameters
    ----------
    pooling : {"mean", "max", "flatten"} or None
        How token embeddings become one vector.
    seed : int
        Which rows to follow.
    every : int, default=1
        Record every ``every`` epochs, and always after the last epoch of a
        training call. On tiny data an epoch is one optimizer step, and the
        diagnostics would cost as much as the training.
    """

    def __init__(self, pooling, seed, every=1):
        self.pooling = pooling
        self.seed = seed
        self.every = every

    def on_train_begin(self, net, X=None, **kwargs):
        self.sample_ = None if X is None else diagnostic_rows(X, self.seed)

    def on_epoch_end(self, net, **kwargs):
        if (len(net.history) - 1) % self.every == 0:
            self._record(net)

    def on_train_end(self, net, **kwargs):
        try:
            if len(net.history) and "effective_rank" not in net.history[-1]:
                self._record(net)
        finally:
            self.sample_ = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("sample_", None)
        return state

    def _record(self, net):
        sample = getattr(self, "sample_", None)
        if sample is None:
            return
        Z = embed(net, sample, len(sample), self.pooling)
        if not np.all(np.isfinite(Z)):
            raise FloatingPointError(
                f"The embeddings became non-finite in epoch {len(net.history)}; "
                f"the learning rate ({net.lr}) is probably too high."
            )
        for key, value in embedding_stats(Z).items():
            net.history.record(key, value)
