"""The aeon collection transformer (sklearn_jepa.aeon): aeon's own checks."""

import numpy as np
import pytest

aeon = pytest.importorskip("aeon")

from aeon.testing.estimator_checking import (  # noqa: E402
    check_estimator,
    parametrize_with_checks,
)
from numpy.testing import assert_array_equal  # noqa: E402
from sklearn.linear_model import RidgeClassifierCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from sklearn_jepa import JEPATransformer  # noqa: E402
from sklearn_jepa.aeon import JEPACollectionTransformer  # noqa: E402

FAST = dict(max_iter=2, hidden_size=8, random_state=0)


@parametrize_with_checks([JEPACollectionTransformer])
def test_aeon_estimator_checks(check):
    check()


def test_aeon_check_estimator_runs_every_check_and_none_is_skipped():
    results = check_estimator(JEPACollectionTransformer, raise_exceptions=False)
    assert len(results) >= 26
    assert set(results.values()) == {"PASSED"}, {
        k: v for k, v in results.items() if v != "PASSED"
    }
    # the capabilities the checks exercised are the ones the tags claim
    tags = JEPACollectionTransformer().get_tags()
    assert tags["capability:unequal_length"] and tags["capability:multivariate"]
    assert tags["capability:missing_values"]


def _series(n=40, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.randn(3, rng.randint(15, 31)) for _ in range(n)]
    y = np.array([i % 2 for i in range(n)])
    for x, label in zip(X, y, strict=True):
        x[0] += 2.0 * label * np.sin(np.arange(x.shape[1]) / 3)
    return X, y


def test_aeon_transformer_equals_the_sklearn_one_on_unequal_series():
    X, _ = _series()
    aeon_features = JEPACollectionTransformer(**FAST).fit_transform(X)
    sklearn_features = JEPATransformer(input_kind="signal", **FAST).fit_transform(X)
    assert_array_equal(aeon_features, sklearn_features)


def test_aeon_transformer_in_pipelines_and_aeon_classifiers():
    from aeon.classification.compose import ClassifierPipeline

    X, y = _series()
    pipe = make_pipeline(JEPACollectionTransformer(**FAST), RidgeClassifierCV())
    assert pipe.fit(X[:30], y[:30]).score(X[30:], y[30:]) > 0.7
    # aeon's own pipeline: transformers then a classifier
    aeon_pipe = ClassifierPipeline(
        transformers=[JEPACollectionTransformer(**FAST)],
        classifier=RidgeClassifierCV(),
    )
    assert aeon_pipe.fit(X[:30], y[:30]).score(X[30:], y[30:]) > 0.7


def test_max_length_pads_to_series_longer_than_any_in_fit():
    X, _ = _series()
    short = [x[:, :12] for x in X]
    jepa = JEPACollectionTransformer(max_length=30, **FAST).fit(short)
    assert jepa.jepa_.collection_shape_ == (3, 30)
    assert jepa.transform(X).shape[0] == len(X)
