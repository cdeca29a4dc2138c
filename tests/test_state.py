"""FitState built and driven directly, without the estimator."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_jepa import JEPATransformer
from sklearn_jepa.engine._distributed import Distributed
from sklearn_jepa.engine._state import FitState, n_valid, split, standardization

WORLD = Distributed()


def _params(**overrides):
    """The flat parameters a fit reads."""
    params = dict(hidden_size=16, n_layers=1, max_iter=2, batch_size=64, random_state=0)
    return JEPATransformer(**{**params, **overrides})._params()


def _start(X, **overrides):
    return FitState.start(
        _params(**overrides),
        X,
        callbacks=(),
        device="cpu",
        world=WORLD,
    )


@pytest.fixture(scope="module")
def rows():
    return np.random.RandomState(0).normal(size=(200, 6)) * [1, 2, 3, 4, 5, 6] + 10


def test_start_resolves_the_config_and_standardises(rows):
    state = _start(rows)
    assert state.config.kind == "table" and state.config.encoder == "mlp"
    assert state.config.max_iter == 2 and state.config.n_train == 200
    assert_array_equal(state.mean, rows.mean(axis=0))
    np.testing.assert_allclose(state.scale, rows.std(axis=0))
    standardized = state.standardize(rows)
    assert standardized.dtype == np.float32
    np.testing.assert_allclose(standardized.mean(axis=0), 0, atol=1e-5)
    # nothing trained yet: no history, width unknown until the first call
    assert len(state.net.history) == 0 and state.n_components is None


def test_train_embed_and_score(rows):
    state = _start(rows).train(rows, world=WORLD)
    assert len(state.net.history) == 2
    Z = state.embed(rows)
    assert Z.shape == (200, state.config.pooled_width) == (200, 2 * 16)
    assert np.isfinite(Z).all()
    # standardised rows give the same embedding as raw ones
    np.testing.assert_allclose(
        state.embed(state.standardize(rows), standardized=True), Z, rtol=1e-5
    )
    assert state.score(rows) < 1


def test_state_dict_round_trip_is_bit_identical(rows):
    state = _start(rows).train(rows, world=WORLD)
    again = FitState.from_state_dict(state.state_dict())
    assert again.config == state.config
    assert_array_equal(again.embed(rows), state.embed(rows))
    # training carries on identically from the restored state
    state.train(rows, epochs=1, world=WORLD)
    again.train(rows, epochs=1, world=WORLD)
    assert_array_equal(again.embed(rows), state.embed(rows))


def test_update_applies_schedule_changes_and_warns_about_the_rest(rows):
    state = _start(rows).train(rows, world=WORLD)
    state.update(_params(max_iter=5))
    assert state.config.max_iter == 5
    with pytest.warns(UserWarning, match="hidden_size=32 changed"):
        state.update(_params(max_iter=5, hidden_size=32))
    assert state.config.hidden_size == 16
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        state.update(_params(max_iter=5, n_threads=2))  # read on every call


def test_early_stopping_holds_out_a_share_of_the_rows(rows):
    state = _start(rows, early_stopping={"validation_fraction": 0.25})
    assert state.config.early_stopping and state.config.validation_fraction == 0.25
    assert n_valid(state.config, 200) == 50
    assert state.config.n_train == 150
    state.train(rows, world=WORLD)
    assert "valid_loss" in state.net.history[-1]


def test_the_hold_out_takes_whole_groups(rows):
    config = _start(rows, early_stopping={"validation_fraction": 0.2}).config
    groups = np.repeat(np.arange(20), 10)  # 20 recordings of 10 windows
    train, valid = split(config, np.random.default_rng(0), 200, groups)
    assert len(valid) == 40 and len(train) + len(valid) == 200
    assert not set(groups[train]) & set(groups[valid])
    # unequal groups: whole groups until the share is reached, never all
    groups = np.r_[np.zeros(150, int), np.ones(30, int), np.full(20, 2)]
    for seed in range(5):
        train, valid = split(config, np.random.default_rng(seed), 200, groups)
        assert not set(groups[train]) & set(groups[valid]) and len(train)


def test_the_schedule_spans_the_rows_left_after_a_grouped_hold_out(rows):
    # no group holds exactly the 20 rows to hold out: a whole group of 15
    groups = np.r_[np.zeros(150, int), np.ones(35, int), np.full(15, 2)]
    params = _params(early_stopping={"validation_fraction": 0.1})
    state = FitState.start(
        params, rows, callbacks=(), device="cpu", world=WORLD, groups=groups
    )
    rng = np.random.RandomState(state.seeds.seed("split"))
    train, valid = split(state.config, rng, len(rows), groups)
    assert state.config.n_train == len(train) == 185
    assert_array_equal(valid, np.arange(185, 200))


def test_a_few_large_groups_keep_the_share_and_a_gap(rows):
    config = _start(rows, early_stopping={"validation_fraction": 0.1}).config
    # two recordings of 100 windows: no whole one fits 20 rows
    groups = np.repeat([0, 1], 100)
    for seed in range(4):
        train, valid = split(config, np.random.default_rng(seed), 200, groups, 3)
        assert len(valid) == 20 and len(train) == 177
        group = groups[valid[0]]
        assert set(groups[valid]) == {group}
        ends = np.flatnonzero(groups == group)[-23:]
        # its last 20 rows held out, the 3 before them in neither side
        assert_array_equal(valid, ends[3:])
        assert not set(ends[:3]) & set(train)
    # one group: its end, and the gap
    train, valid = split(config, np.random.default_rng(0), 200, np.zeros(200), 5)
    assert_array_equal(valid, np.arange(180, 200))
    assert_array_equal(train, np.arange(175))


def test_a_single_group_holds_out_its_last_rows(rows):
    config = _start(rows, early_stopping={"validation_fraction": 0.1}).config
    train, valid = split(config, np.random.default_rng(0), 200, np.zeros(200))
    assert_array_equal(valid, np.arange(180, 200))
    assert_array_equal(train, np.arange(180))


def test_without_groups_the_hold_out_is_random_rows(rows):
    config = _start(rows, early_stopping=True).config
    train, valid = split(config, np.random.default_rng(0), 200)
    assert len(valid) == 20 and sorted(np.r_[train, valid]) == list(range(200))
    assert_array_equal(valid, np.random.default_rng(0).permutation(200)[:20])


def test_standardization_is_per_channel_for_images():
    X = np.random.RandomState(1).normal(size=(30, 2 * 3 * 3))
    X[:, 9:] *= 10
    state = _start(X, input_shape=(2, 3, 3), max_iter=1)
    mean, scale = standardization(X, state.config)
    assert len(np.unique(scale[:9])) == 1 and len(np.unique(scale[9:])) == 1
    assert scale[9] > 5 * scale[0]
    assert_array_equal(mean, state.mean)
