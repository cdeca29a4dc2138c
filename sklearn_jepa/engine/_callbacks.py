"""The callbacks of the training engine, and the schedules they follow.

Each holds its own state (``state_dict`` / ``load_state_dict`` where it has
any) and reads its settings from the configuration:
:class:`LearningRateSchedule` (linear warmup, then the cosine ramp of
:func:`sklearn_jepa.nn._ema.cosine_ramp`), :class:`EMAUpdate` (the target
encoder's momentum ramp), :class:`Diagnostics` (collapse measurements of a
fixed sample of rows), early stopping that says whether it ended a fit, and
an epoch log without colour codes off a terminal.
:func:`built_in_callbacks` lists them, named, for
:func:`sklearn_jepa.engine._training.make_net`.
"""

import re
import sys

import numpy as np
import torch
from skorch.callbacks import (
    Callback,
    EarlyStopping,
    GradientNormClipping,
    PrintLog,
    ProgressBar,
)
from skorch.utils import noop

from ..nn._ema import cosine_ramp, momentum_at, update_momentum
from ._diagnostics import embedding_stats
from ._inference import embed

__all__ = [
    "Diagnostics",
    "EMAUpdate",
    "LearningRateSchedule",
    "PlainPrintLog",
    "StopWhenNoImprovement",
    "WarmupCosine",
    "built_in_callbacks",
    "diagnostic_rows",
]

# rows whose embeddings the diagnostics follow: enough for a stable effective
# rank, one small SVD
N_DIAGNOSTIC_ROWS = 256


def diagnostic_rows(X, seed, n_rows=N_DIAGNOSTIC_ROWS):
    """The rows of ``X`` whose embeddings the diagnostics follow.

    Drawn afresh from each training call's ``X`` (the same rows for the same
    ``X``), so no fitted object keeps training rows.
    """
    order = np.random.RandomState(seed).permutation(len(X))[:n_rows]
    rows = X[np.sort(order)]
    # a lazily standardised pool gives a tensor
    return rows.numpy() if isinstance(rows, torch.Tensor) else rows


def diagnostics_every(max_iter, n_train):
    """Epochs between two diagnostics records: about 50 records per fit
    whatever the number of epochs, and records costing at most about a
    tenth of the training between them (a record embeds up to
    :data:`N_DIAGNOSTIC_ROWS` rows, an epoch trains on ``n_train`` at about
    three forward passes each: on 243 series a record every epoch took a
    fifth of the fit)."""
    n_train = max(1, n_train or N_DIAGNOSTIC_ROWS)
    return max(-(-max_iter // 50), -(-10 * N_DIAGNOSTIC_ROWS // (3 * n_train)))


def built_in_callbacks(config, seeds, verbose, extra=()):
    """The named callbacks a net of ``config`` trains with, then ``extra``."""
    callbacks = [
        ("lr_schedule", LearningRateSchedule(config)),
        ("ema", EMAUpdate(config)),
        (
            "diagnostics",
            Diagnostics(
                pooling=config.embedding_pooling,
                seed=seeds.seed("sample"),
                every=diagnostics_every(config.max_iter, config.n_train),
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
