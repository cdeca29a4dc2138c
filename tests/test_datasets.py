"""Generated data and the shared few-label probe (sklearn_jepa.datasets)."""

import numpy as np
from numpy.testing import assert_array_equal

from sklearn_jepa.datasets import (
    few_label_accuracy,
    few_label_indices,
    make_structure_noise,
)


def test_few_label_indices_draws_per_class_without_replacement():
    y = np.repeat(np.arange(3), 10)
    rows = few_label_indices(y, 4, random_state=0)
    assert len(rows) == 12 and len(set(rows)) == 12
    assert np.all(np.bincount(y[rows]) == 4)
    assert_array_equal(rows, few_label_indices(y, 4, random_state=0))
    assert_array_equal(few_label_indices(y, None), np.arange(30))


def test_few_label_accuracy_is_a_scaled_logistic_probe():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(4), 50)
    Z = rng.normal(size=(200, 5)) + 1000 * y[:, None]  # large scale: needs the scaler
    got = few_label_accuracy(Z[::2], y[::2], Z[1::2], y[1::2], 5, random_state=1)
    rows = few_label_indices(y[::2], 5, random_state=1)
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    want = probe.fit(Z[::2][rows], y[::2][rows]).score(Z[1::2], y[1::2])
    assert got == want == 1.0


def test_structure_noise_shapes_and_reproducibility():
    X, y, informative = make_structure_noise(
        100, n_structure=6, n_noise=10, random_state=0
    )
    assert X.shape == (100, 16) and y.shape == (100,)
    assert_array_equal(
        X, make_structure_noise(100, n_structure=6, n_noise=10, random_state=0)[0]
    )
    assert len(informative) == 6 and set(informative) <= set(range(16))
