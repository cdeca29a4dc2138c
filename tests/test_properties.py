"""Property-based tests (hypothesis): any numeric input fits or fails clearly."""

import numpy as np
import pytest

from sklearn_jepa import JEPATransformer

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# messages of the errors a user may legitimately meet on such input
CLEAR_ERRORS = ("no observed value", "infinity", "too large")


@st.composite
def matrices(draw):
    n_samples = draw(st.integers(2, 40))
    n_features = draw(st.integers(1, 10))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64]))
    magnitude = draw(st.sampled_from([1e-300, 1e-5, 1.0, 1e5, 1e30, 1e300]))
    if dtype == np.float32:
        magnitude = min(max(magnitude, 1e-30), 1e30)
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    X = rng.standard_normal((n_samples, n_features)) * magnitude
    if draw(st.booleans()):  # a constant column
        X[:, draw(st.integers(0, n_features - 1))] = magnitude
    if n_features > 1 and draw(st.booleans()):  # a duplicated column
        X[:, -1] = X[:, 0]
    if dtype == np.int64:
        X = np.clip(X, -1e15, 1e15)
    X = X.astype(dtype)
    nan_fraction = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5, 0.9]))
    if nan_fraction and dtype != np.int64:
        X[rng.random_sample(X.shape) < nan_fraction] = np.nan
    kind = draw(st.sampled_from(["table", "signal", "image"]))
    return X, kind


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(case=matrices())
def test_fit_transform_is_finite_or_a_clear_error_and_input_is_untouched(case):
    X, kind = case
    before = X.copy()
    jepa = JEPATransformer(
        n_components=3,
        input_kind="auto" if kind == "table" else kind,
        hidden_size=8,
        n_layers=1,
        max_iter=1,
        batch_size=16,
        random_state=0,
    )
    try:
        Z = jepa.fit_transform(X)
    except ValueError as error:
        assert any(text in str(error) for text in CLEAR_ERRORS), str(error)
    else:
        assert Z.shape == (len(X), jepa.n_components_)
        assert np.all(np.isfinite(Z))
        assert np.all(np.isfinite(jepa.transform(X[:3])))
    np.testing.assert_array_equal(X, before)
