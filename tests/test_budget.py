"""The default training budget (sklearn_jepa._budget, max_epochs=None)."""

import math

import numpy as np
import pytest
import torch

from sklearn_jepa import JEPATransformer
from sklearn_jepa._budget import (
    MAX_STEPS,
    auto_epochs,
    auto_lr,
    auto_momentum,
    flop_budget,
    step_flops,
)
from sklearn_jepa._encoders import MLPEncoder, MLPPredictor
from sklearn_jepa._model import JEPAModule


def test_auto_epochs_caps_steps_and_flops():
    # cheap model: the step cap decides
    assert auto_epochs(1e6, 10, 1280) == MAX_STEPS // 10
    # a 40x costlier step gets 40x fewer steps, rounded up to whole epochs
    expensive = auto_epochs(4e9, 10, 1280)
    assert expensive == math.ceil(flop_budget(1280) / 4e9 / 10)
    assert expensive < MAX_STEPS // 10
    # at least one epoch, at most 500
    assert auto_epochs(1e15, 1000, 128_000) == 1
    assert auto_epochs(1e3, 1, 50) == 500


def test_flop_budget_grows_sublinearly():
    assert flop_budget(10) == flop_budget(1000)
    assert flop_budget(100_000) == pytest.approx(10 * flop_budget(1000))


def test_step_flops_counts_the_model_and_draws_no_random_numbers():
    module = JEPAModule(MLPEncoder(10, 4, 32, 1), MLPPredictor(10, 4, 16, 1))
    x = torch.zeros(8, 10)
    mask = torch.ones(8, 10, dtype=torch.bool)
    batch = {"x": x, "context_mask": mask, "target_mask": ~mask}
    state = torch.get_rng_state()
    flops = step_flops(module, batch)
    assert torch.equal(state, torch.get_rng_state())
    # encoder twice (online, target) and predictor: 2 * MACs, times 3 for backward
    enc = 20 * 32 + 32 * 4
    pred = (4 + 10) * 16 + 16 * 4
    assert flops == pytest.approx(3 * 2 * 8 * (2 * enc + pred))
    assert step_flops(module, batch) == flops


def test_default_fit_follows_the_data():
    rng = np.random.RandomState(0)
    small = JEPATransformer(hidden_size=16, random_state=0).fit(
        rng.normal(size=(200, 5))
    )
    steps = sum(row["train_batch_count"] for row in small.history_)
    assert small.n_iter_ == math.ceil(MAX_STEPS / 2)
    assert steps == 2 * small.n_iter_
    # more rows: fewer epochs, about the same number of optimizer steps
    large = JEPATransformer(hidden_size=16, random_state=0).fit(
        rng.normal(size=(2560, 5))
    )
    assert large.n_iter_ == MAX_STEPS // 20
    assert sum(row["train_batch_count"] for row in large.history_) == MAX_STEPS


def test_costly_model_gets_fewer_steps_than_cheap_one():
    X = np.random.RandomState(0).normal(size=(256, 64))
    cheap = JEPATransformer(hidden_size=8, random_state=0)
    costly = JEPATransformer(input_shape=(8, 8), patch_size=1, random_state=0)
    n_cheap = cheap._max_epochs(_module(cheap, X), X[:128], len(X), 2)
    n_costly = costly._max_epochs(_module(costly, X), X[:128], len(X), 2)
    assert n_costly < n_cheap


def _module(jepa, X):
    from sklearn_jepa._build import resolve_input
    from sklearn_jepa._transformer import _standardization

    jepa._seed = 0
    jepa._batch_size = jepa.batch_size or 128
    jepa._spec = resolve_input(jepa.input_shape, jepa.input_kind, X.shape[1])
    jepa.mean_, jepa.scale_ = _standardization(X, jepa._spec)
    module, jepa._grid = jepa._build_module()
    return module


def test_explicit_max_epochs_is_kept():
    X = np.random.RandomState(0).normal(size=(100, 4))
    jepa = JEPATransformer(hidden_size=8, max_epochs=3, random_state=0).fit(X)
    assert jepa.n_iter_ == 3 and jepa.net_.max_epochs == 3


def test_auto_lr_and_momentum_follow_the_schedule_length():
    assert auto_lr(1000) == auto_lr(50_000) == pytest.approx(1e-3)
    assert auto_lr(250) == pytest.approx(2e-3)
    assert auto_lr(10) == pytest.approx(3e-3)
    assert auto_momentum(1000) == auto_momentum(10**6) == (0.99, 1.0)
    assert auto_momentum(400) == (0.975, 1.0)
    assert auto_momentum(5) == (0.95, 1.0)


def test_fit_uses_auto_lr_and_momentum_unless_given():
    X = np.random.RandomState(0).normal(size=(256, 4))
    jepa = JEPATransformer(hidden_size=8, max_epochs=5, random_state=0).fit(X)
    schedules = dict(jepa.net_.callbacks_)["schedules"]
    assert jepa.net_.lr == pytest.approx(auto_lr(10))
    assert schedules.momentum == auto_momentum(10)
    given = JEPATransformer(
        hidden_size=8, max_epochs=5, lr=5e-4, ema_momentum=(0.95, 1.0), random_state=0
    ).fit(X)
    assert given.net_.lr == 5e-4
    assert dict(given.net_.callbacks_)["schedules"].momentum == (0.95, 1.0)
