"""Every parameter acts or warns, and warnings point at the user's line."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_jepa import JEPATransformer


def _fit_twice(X, first, second, **params):
    jepa = JEPATransformer(hidden_size=16, warm_start=True, random_state=0, **params)
    jepa.set_params(**first).fit(X)
    return jepa.set_params(**second).fit(X)


def test_warm_start_reads_max_iter_afresh(X):
    jepa = _fit_twice(X, {"max_iter": 2}, {"max_iter": 3})
    assert jepa.n_iter_ == 5 and jepa.config_.max_iter == 3
    assert dict(jepa.net_.callbacks_)["ema"].total_steps == 3 * 5


def test_warm_start_reads_learning_rate_and_momentum_afresh(X):
    jepa = _fit_twice(
        X,
        {"max_iter": 1, "learning_rate": 1e-3},
        {"learning_rate": 1e-4, "ema_momentum": (0.9, 1.0)},
    )
    assert jepa.config_.learning_rate == jepa.net_.lr == 1e-4
    assert dict(jepa.net_.callbacks_)["ema"].momentum == (0.9, 1.0)
    # the optimizer ran at the new rate: the warmup's first step of the
    # second fit (a new segment) is 1e-4 * (1 / warmup_steps) and below 1e-4
    lrs = [group["lr"] for group in jepa.net_.optimizer_.param_groups]
    assert all(0 < lr <= 1e-4 for lr in lrs)


def test_partial_fit_reads_max_iter_afresh(X):
    jepa = JEPATransformer(hidden_size=16, max_iter=4, batch_size=60, random_state=0)
    jepa.partial_fit(X)
    assert dict(jepa.net_.callbacks_)["lr_schedule"].total_steps == 4 * 10
    jepa.set_params(max_iter=2).partial_fit(X)
    assert jepa.config_.max_iter == 2
    assert dict(jepa.net_.callbacks_)["lr_schedule"].total_steps == 2 * 10


def test_unchanged_parameters_keep_a_continued_fit_bit_identical(X):
    one = JEPATransformer(hidden_size=16, max_iter=2, random_state=0).partial_fit(X)
    two = JEPATransformer(hidden_size=16, max_iter=2, random_state=0).partial_fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one.partial_fit(X)
        two.set_params(max_iter=2).partial_fit(X)
    assert_array_equal(one.transform(X), two.transform(X))


@pytest.mark.parametrize(
    "name, value",
    [("hidden_size", 32), ("weight_decay", 0.1), ("loss", "cosine"), ("n_layers", 3)],
)
def test_changed_architecture_under_warm_start_warns(X, name, value):
    jepa = JEPATransformer(hidden_size=16, max_iter=1, warm_start=True, random_state=0)
    jepa.fit(X)
    with pytest.warns(UserWarning, match=f"{name}=.*no effect on a continued fit"):
        jepa.set_params(**{name: value}).fit(X)
    with pytest.warns(UserWarning, match=f"{name}=.*no effect on a continued fit"):
        jepa.partial_fit(X)


def test_bf16_on_a_cpu_warns(X):
    with pytest.warns(UserWarning, match="bf16=True has no effect on device 'cpu'"):
        JEPATransformer(hidden_size=16, max_iter=1, bf16=True).fit(X[:100])


def test_warnings_point_at_the_callers_line(X):
    jepa = JEPATransformer(hidden_size=16, max_iter=1, tol=0.5)
    for call in (jepa.fit, jepa.fit_transform):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(X[:100])  # the line the warning must name
        ours = [w for w in caught if "has no effect here" in str(w.message)]
        assert len(ours) == 1
        assert ours[0].filename == __file__
        assert "call(X[:100])" in open(__file__).readlines()[ours[0].lineno - 1]


def test_early_stopping_only_parameters_warn_from_the_init_defaults(X):
    # the defaults are read from __init__ (one place): a default value never
    # warns, any other value does
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        JEPATransformer(hidden_size=16, max_iter=1, tol=1e-4).fit(X[:100])
    with pytest.warns(UserWarning, match="n_iter_no_change=3 has no effect"):
        JEPATransformer(hidden_size=16, max_iter=1, n_iter_no_change=3).fit(X[:100])


def test_partial_fit_after_an_early_stopping_fit_trains(X):
    jepa = JEPATransformer(
        hidden_size=16, max_iter=3, early_stopping=True, random_state=0
    ).fit(X)
    before = jepa.transform(X)
    jepa.partial_fit(X)
    assert jepa.n_iter_ == 4 and not np.array_equal(jepa.transform(X), before)
