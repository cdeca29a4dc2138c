"""The default training budget (``max_iter=None``): epochs from compute.

A fixed number of epochs gives 50 rows 100 optimizer steps and 100,000 rows
78,000, and a model whose step costs 40x more (a transformer over signal
patches against a table MLP) a 40x longer fit. The budget here is in optimizer
steps, at most :func:`step_budget`, and in floating-point operations, at most
:func:`flop_budget` (counted exactly on one batch with
:class:`torch.utils.flop_counter.FlopCounterMode`, so it is deterministic and
follows the model, the input size and the batch size), rounded to whole epochs
between :data:`MIN_EPOCHS` and :data:`MAX_EPOCHS`.

Both budgets grow with the square root of the number of rows, from
:data:`STEPS_PER_1000_ROWS` steps and :data:`FLOPS_PER_1000_ROWS` flops at
1,000 rows (images up to :data:`IMAGE_FACTOR` times more flops, until
:data:`IMAGE_EPOCHS` epochs): a hundred
times the rows costs ten times the time, not a hundred. Training pays where
the pool is large (LetterRecognition, 15,000 rows: +1.2 points over the
untrained twin with 1,000 steps, +2.9 with 3,500; docs/pools.md) and adds
nothing on a few dozen series, where 0.3 spent up to 1,000 steps (330
epochs) for the twin's accuracy (docs/timeseries.md); 0.3 had a floor of
1,000 rows and a flat cap of 1,000 steps.

The built-in models train at a similar rate of flops per second on one CPU
thread, so the flop budget is close to a time budget; cheap models stop at
the step budget first. Measured fit times: docs/benchmarks.md.
"""

import math

import torch
from torch.utils.flop_counter import FlopCounterMode

__all__ = [
    "auto_epochs",
    "auto_lr",
    "auto_momentum",
    "flop_budget",
    "step_budget",
    "step_flops",
]

STEPS_PER_1000_ROWS = 1000
FLOPS_PER_1000_ROWS = 2e11
# An image encoder needs about ten passes over a large pool before it
# departs from its random initialisation: one epoch over 20,000 Fashion-MNIST
# images gave the twin's accuracy, ten +5.7 points (docs/pools.md). Images
# get up to IMAGE_FACTOR times the flop budget, but that extension stops at
# IMAGE_EPOCHS passes: on a small image set the plain budget already gives
# several epochs, and more add nothing over the twin. A table MLP gains
# within the plain budget (about 2,400 steps on 24,000 rows).
IMAGE_FACTOR = 10.0
IMAGE_EPOCHS = 10
# Below this many rows a signal's flop budget falls in proportion to the
# rows, not their square root: on the seven archive sets of
# bench_timeseries (36 to 270 series) the trained network and its untrained
# twin are level (docs/timeseries.md), so the square-root budget bought
# seconds of fit for nothing; at 4,000 series (MNIST-1D) training adds
# several points and the budget there is unchanged.
SIGNAL_LINEAR_ROWS = 1000
# fewer steps leave the EMA target near its initialisation (a handful of rows)
MIN_STEPS = 100
MIN_EPOCHS = 1
MAX_EPOCHS = 500
# a backward pass costs about twice the forward of the parts it runs through
_FORWARD_TO_STEP = 3.0


def step_flops(module, batch):
    """Floating-point operations of one training step on ``batch``.

    ``batch`` is the keyword dict the module's ``forward`` takes (from the
    mask collator). Counted on the forward pass without gradients, then
    scaled by 3 for the backward pass; no random numbers are drawn.
    """
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        module(**batch)
    return _FORWARD_TO_STEP * counter.get_total_flops()


def flop_budget(n_samples):
    """Training flops for ``n_samples`` rows: ``2e11 * sqrt(n / 1000)``."""
    return FLOPS_PER_1000_ROWS * math.sqrt(max(n_samples, 1) / 1000)


def step_budget(n_samples):
    """Optimizer steps for ``n_samples`` rows: ``1000 * sqrt(n / 1000)``, at
    least :data:`MIN_STEPS`.

    Examples
    --------
    >>> from sklearn_jepa.configuration._budget import step_budget
    >>> step_budget(100), step_budget(1000), step_budget(16_000)
    (316, 1000, 4000)
    """
    steps = STEPS_PER_1000_ROWS * math.sqrt(max(n_samples, 1) / 1000)
    return max(MIN_STEPS, round(steps))


def auto_epochs(flops_per_step, steps_per_epoch, n_samples, kind="table"):
    """Whole epochs that fit the step and flop budgets.

    Parameters
    ----------
    flops_per_step : float
    steps_per_epoch : int
    n_samples : int
        Training rows.
    kind : {"table", "image", "signal"}, default="table"
        Images may train up to :data:`IMAGE_FACTOR` times the flop budget,
        until :data:`IMAGE_EPOCHS` epochs (never past the step budget).
        Signals of fewer than :data:`SIGNAL_LINEAR_ROWS` rows get a flop
        budget in proportion to their rows.

    Returns
    -------
    epochs : int

    Examples
    --------
    >>> from sklearn_jepa.configuration._budget import auto_epochs
    >>> auto_epochs(1e8, 10, 1280)   # a cheap model: 1,131 steps
    114
    >>> auto_epochs(4e9, 10, 1280)   # 40x the cost per step: 57 steps
    6
    >>> auto_epochs(4e9, 10, 1280, kind="image")   # until 10 epochs
    10
    """
    cap = step_budget(n_samples)
    budget = flop_budget(n_samples) / max(flops_per_step, 1.0)
    if kind == "signal" and n_samples < SIGNAL_LINEAR_ROWS:
        budget *= math.sqrt(max(n_samples, 1) / SIGNAL_LINEAR_ROWS)
    steps = min(cap, budget)
    if kind == "image":
        longer = min(cap, IMAGE_FACTOR * budget, IMAGE_EPOCHS * steps_per_epoch)
        steps = max(steps, longer)
    epochs = math.ceil(steps / steps_per_epoch)
    return int(min(max(epochs, MIN_EPOCHS), MAX_EPOCHS))


def auto_lr(total_steps):
    """Peak learning rate for a schedule of ``total_steps`` optimizer steps.

    ``1e-3`` for 1,000 steps or more, raised as ``sqrt(1000 / total_steps)``
    for shorter schedules, at most ``3e-3``: a short budget takes larger
    steps.

    Examples
    --------
    >>> from sklearn_jepa.configuration._budget import auto_lr
    >>> auto_lr(1000), auto_lr(250), auto_lr(64)
    (0.001, 0.002, 0.003)
    """
    return 1e-3 * min(3.0, max(1.0, math.sqrt(1000 / max(total_steps, 1))))


def auto_momentum(total_steps):
    """EMA momentum ramp ``(start, 1.0)`` for ``total_steps`` optimizer steps.

    The target encoder averages over about ``1 / (1 - start)`` steps; that
    window is kept near a tenth of the schedule: ``start = 1 - 10 /
    total_steps`` within ``[0.95, 0.99]``: a short budget with 0.99 would
    leave the target almost at its initialisation, and a faster EMA than
    0.95 pushes short fits towards collapse (docs/design.md).

    Examples
    --------
    >>> from sklearn_jepa.configuration._budget import auto_momentum
    >>> auto_momentum(1000), auto_momentum(400), auto_momentum(64)
    ((0.99, 1.0), (0.975, 1.0), (0.95, 1.0))
    """
    start = min(0.99, max(0.95, 1 - 10 / max(total_steps, 1)))
    return (round(start, 6), 1.0)
