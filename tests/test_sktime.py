"""The sktime transformer (sklearn_jepa.sktime): sktime's own checks."""

import numpy as np
import pytest

sktime = pytest.importorskip("sktime")

from numpy.testing import assert_allclose  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sktime.utils import check_estimator  # noqa: E402

from sklearn_jepa import JEPATransformer, JEPAWindowTransformer  # noqa: E402
from sklearn_jepa.sktime import JEPAPanelTransformer  # noqa: E402

FAST = dict(max_iter=2, hidden_size=8, random_state=0)


def test_sktime_check_estimator_passes_every_check():
    results = check_estimator(JEPAPanelTransformer, raise_exceptions=False)
    failed = {name: result for name, result in results.items() if result != "PASSED"}
    assert len(results) >= 300 and not failed, failed
    # the single-series checks ran: a fit on one series is a real fit
    assert any("SeriesUnivariate" in name for name in results)
    tags = JEPAPanelTransformer().get_tags()
    assert tags["capability:unequal_length"] and tags["capability:multivariate"]
    assert tags["capability:missing_values"]
    assert not tags["capability:categorical_in_X"]  # numbers only


def _panel(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2, 48))
    y = np.arange(n) % 2
    X[y == 1, 0] += 2.0 * np.sin(np.arange(48) / 3.0)
    return X, y


def test_one_series_is_fitted_on_its_windows():
    import pandas as pd

    series = pd.Series(np.sin(np.arange(400) / 7.0))
    jepa = JEPAPanelTransformer(**FAST).fit(series)
    assert jepa.jepa_.window_length_ == 100 and jepa.jepa_.n_windows_ == 7
    assert jepa.transform(series).shape == (1, jepa.jepa_.estimator_.n_components_)


def test_features_equal_the_scikit_learn_window_transformer():
    X, _ = _panel()
    features = JEPAPanelTransformer(window_length=24, **FAST).fit_transform(X)
    direct = JEPAWindowTransformer(
        window_length=24, estimator=JEPATransformer(input_kind="signal", **FAST)
    ).fit(X)
    assert_allclose(np.asarray(features), direct.transform(X))


def test_in_a_sktime_pipeline_with_a_scikit_learn_classifier():
    X, y = _panel()
    pipe = JEPAPanelTransformer(**FAST) * LogisticRegression(max_iter=1000)
    assert type(pipe).__name__ == "SklearnClassifierPipeline"
    pipe.fit(X[:30], y[:30])
    assert (pipe.predict(X[30:]) == y[30:]).mean() > 0.7


def test_unequal_length_series_with_missing_steps():
    import pandas as pd

    rng = np.random.default_rng(1)
    # sktime's df-list: one (n_timepoints, n_channels) frame per series
    X = [pd.DataFrame(rng.normal(size=(n, 2))) for n in (30, 42, 36) * 6]
    X[0].iloc[5:9, 1] = np.nan
    Z = JEPAPanelTransformer(**FAST).fit_transform(X)
    assert Z.shape[0] == 18 and np.isfinite(np.asarray(Z)).all()
