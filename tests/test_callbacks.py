"""The engine's callbacks (sklearn_jepa.engine._callbacks): schedules, early
stopping, diagnostics, the epoch log."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_jepa import JEPATransformer
from sklearn_jepa.engine._callbacks import (
    StopWhenNoImprovement,
    WarmupCosine,
    diagnostics_every,
)


def test_warmup_cosine_shape():
    schedule = WarmupCosine(total_steps=100, warmup_steps=10, final=0.01)
    factors = np.array([schedule(step) for step in range(120)])
    assert_allclose(factors[:10], np.arange(1, 11) / 10)
    assert factors[10] == pytest.approx(1.0)
    assert np.all(np.diff(factors[10:100]) <= 0)
    assert_allclose(factors[100:], 0.01)


def test_lr_follows_schedule_and_no_decay_on_1d_params(fast, X):
    jepa = JEPATransformer(
        **fast,
        learning_rate=2e-3,
        optimizer_params={"warmup_fraction": 0.25},
        random_state=0,
    )
    jepa.fit(X)
    groups = jepa.net_.optimizer_.param_groups
    assert all(p.ndim > 1 for p in groups[0]["params"])
    assert all(p.ndim <= 1 for p in groups[1]["params"])
    assert groups[0]["weight_decay"] == 0.05
    assert groups[1]["weight_decay"] == 0.0
    # last step of the cosine: the lr decayed close to its 1% floor
    steps = 4 * 10
    expected = 2e-3 * WarmupCosine(steps, 10)(steps - 1)
    assert groups[0]["lr"] == pytest.approx(expected)


def test_history_records_losses_and_diagnostics(fast, X):
    jepa = JEPATransformer(**fast, random_state=0).fit(X)
    assert len(jepa.history_) == jepa.n_iter_ == 4
    for key in ("train_loss", "dur"):
        values = jepa.history_[:, key]
        assert len(values) == 4 and np.all(np.isfinite(values))
    # diagnostics every other epoch on 600 rows, and after the last
    every = diagnostics_every(4, jepa.config_.n_train)
    assert every == 2
    for key in ("effective_rank", "std_min", "std_median", "dead_fraction"):
        recorded = [i for i, row in enumerate(jepa.history_) if key in row]
        assert recorded == [0, 2, 3]
        assert np.all(np.isfinite(jepa.history_[:, key]))
    assert jepa.loss_curve_ == list(jepa.history_[:, "train_loss"])
    # of the MLP's last layer (hidden_size wide; n_components projects later)
    assert 1.0 <= jepa.history_[-1, "effective_rank"] <= fast["hidden_size"]
    assert 0.0 <= jepa.history_[-1, "dead_fraction"] <= 1.0


def test_early_stopping_stops_and_restores_best(fast, X):
    jepa = JEPATransformer(
        **{**fast, "max_iter": 200},
        # nothing improves by 0.5: stops after the patience
        early_stopping={"n_iter_no_change": 3, "tol": 0.5},
        random_state=0,
    ).fit(X)
    valid = jepa.history_[:, "valid_loss"]
    assert jepa.n_iter_ == 4
    assert jepa.best_loss_ == pytest.approx(min(valid))
    assert not jepa.net_.interrupted_


def test_validation_loss_uses_fixed_masks(fast, X):
    # With lr ~ 0 the weights do not move, so a validation set with fixed
    # masks gives the same loss every epoch.
    jepa = JEPATransformer(
        **fast,
        learning_rate=1e-12,
        early_stopping={"n_iter_no_change": 50},
        random_state=0,
    ).fit(X)
    valid = jepa.history_[:, "valid_loss"]
    assert_allclose(valid, valid[0], rtol=1e-5)


def test_verbose_log_to_a_pipe_has_no_colour_codes_or_bars(fast, capsys):
    X = np.random.RandomState(0).normal(size=(64 * 60, 4))
    JEPATransformer(**fast, verbose=1, random_state=0).fit(X)
    out = capsys.readouterr()
    assert "train_loss" in out.out
    assert "\x1b[" not in out.out + out.err
    assert "\r" not in out.out + out.err


def test_early_stopping_is_told_apart_from_an_interrupt(X, fast):
    jepa = JEPATransformer(
        **{**fast, "max_iter": 200},
        early_stopping={"n_iter_no_change": 2, "tol": 10.0},
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        jepa.fit(X)
    stopper = dict(jepa.net_.callbacks_)["early_stopping"]
    assert isinstance(stopper, StopWhenNoImprovement) and stopper.stopped_
    assert jepa.n_iter_ == 3 and not jepa.net_.interrupted_
