"""The default training budget (sklearn_jepa.configuration._budget, max_iter=None)."""

import math

import numpy as np
import pytest
import torch

from sklearn_jepa import (
    JEPATransformer,
)
from sklearn_jepa.configuration._budget import (
    MIN_STEPS,
    auto_epochs,
    auto_lr,
    auto_momentum,
    flop_budget,
    step_budget,
    step_flops,
)
from sklearn_jepa.configuration._build import build_module
from sklearn_jepa.configuration._config import resolve_config, with_schedule
from sklearn_jepa.engine._training import collator
from sklearn_jepa.nn._mlp import MLPEncoder, MLPPredictor
from sklearn_jepa.nn._model import JEPAModule


def test_auto_epochs_caps_steps_and_flops():
    # cheap model: the step budget decides (1,131 steps for 1,280 rows)
    assert step_budget(1280) == 1131
    assert auto_epochs(1e6, 10, 1280) == 114
    # a 40x costlier step gets 40x fewer steps, rounded up to whole epochs
    expensive = auto_epochs(4e9, 10, 1280)
    assert expensive == math.ceil(flop_budget(1280) / 4e9 / 10)
    assert expensive < 114
    # at least one epoch, at most 500
    assert auto_epochs(1e15, 1000, 128_000) == 1
    assert auto_epochs(1e3, 1, 500) == 500


def test_images_train_longer_until_ten_epochs():
    spe = 157  # 20,000 rows in batches of 128
    flops = flop_budget(20_000) / spe  # the table budget: one epoch
    assert auto_epochs(flops, spe, 20_000) == 1
    # ten times the flops: ten epochs
    assert auto_epochs(flops, spe, 20_000, kind="image") == 10
    # a small set that already gets 6 epochs: extended to 10, not to 60
    small = flop_budget(1800) / 6 / 15
    assert auto_epochs(small, 15, 1800) == 6
    assert auto_epochs(small, 15, 1800, kind="image") == 10
    # a huge pool: ten times its budget is fewer than ten epochs
    huge = flop_budget(200_000) / 0.2 / 1563
    assert auto_epochs(huge, 1563, 200_000) == 1
    assert auto_epochs(huge, 1563, 200_000, kind="image") == 2
    # never more than the table budget would give a cheap image model
    assert auto_epochs(1.0, 15, 1800, kind="image") == auto_epochs(1.0, 15, 1800)


def test_budgets_grow_with_the_square_root_of_the_rows():
    assert flop_budget(100_000) == pytest.approx(10 * flop_budget(1000))
    assert flop_budget(10) == pytest.approx(flop_budget(1000) / 10)
    assert step_budget(100_000) == 10 * step_budget(1000) == 10_000
    # a few dozen rows: fewer steps than 1,000, never under MIN_STEPS
    assert step_budget(40) == 200
    assert step_budget(1) == MIN_STEPS


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
    assert small.n_iter_ == math.ceil(step_budget(200) / 2)
    assert steps == 2 * small.n_iter_
    # 12.8x the rows: fewer epochs, sqrt(12.8) = 3.6x the optimizer steps
    large = JEPATransformer(hidden_size=16, random_state=0).fit(
        rng.normal(size=(2560, 5))
    )
    assert large.n_iter_ == math.ceil(step_budget(2560) / 20)
    large_steps = sum(row["train_batch_count"] for row in large.history_)
    assert large_steps == 20 * large.n_iter_
    assert 3 < large_steps / steps < 4


def test_costly_model_gets_fewer_steps_than_cheap_one():
    def total_steps(**params):
        params = {**JEPATransformer(**params)._params(), "max_iter": None}
        config = resolve_config(params, 64)
        module = build_module(config)
        batch, _ = collator(config, 0)(torch.zeros(128, 64))
        return with_schedule(config, params, 256, step_flops(module, batch)).total_steps

    cheap = total_steps(hidden_size=8)
    # one token per feature: attention over 64 tokens, same table budget
    costly = total_steps(encoder="transformer")
    assert cheap == step_budget(256) and costly < cheap / 10
    # images get ten times the flops of a table for the same rows
    image = total_steps(input_shape=(8, 8), encoder_params={"patch_size": 1})
    assert costly < image < cheap


def test_auto_lr_and_momentum_follow_the_schedule_length():
    assert auto_lr(1000) == auto_lr(50_000) == pytest.approx(1e-3)
    assert auto_lr(250) == pytest.approx(2e-3)
    assert auto_lr(10) == pytest.approx(3e-3)
    assert auto_momentum(1000) == auto_momentum(10**6) == (0.99, 1.0)
    assert auto_momentum(400) == (0.975, 1.0)
    assert auto_momentum(5) == (0.95, 1.0)
