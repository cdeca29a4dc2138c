"""The pool read lazily (sklearn_jepa.engine._rows): statistics equal to
numpy's bit for bit, batches standardised when read, and a memmap that a fit
reads without copying it."""

import warnings

import numpy as np
import pytest
import torch

from sklearn_jepa import JEPATransformer
from sklearn_jepa.engine import _rows
from sklearn_jepa.engine._rows import StandardizedRows, nan_mean_std


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_rows", [1, 7, 100, 1001])
def test_chunked_statistics_are_numpys_bit_for_bit(dtype, n_rows, monkeypatch):
    monkeypatch.setattr(_rows, "_CHUNK_ROWS", 100)
    rng = np.random.RandomState(0)
    X = (rng.randn(n_rows, 9) * 3 + 5).astype(dtype)
    X[rng.rand(n_rows, 9) < 0.2] = np.nan
    with warnings.catch_warnings():
        # a column with no observed value: NaN statistics, as numpy's
        warnings.simplefilter("ignore", RuntimeWarning)
        mean, std = nan_mean_std(X)
        expected_mean, expected_std = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
    np.testing.assert_array_equal(mean, expected_mean)
    np.testing.assert_array_equal(std, expected_std)
    assert mean.dtype == expected_mean.dtype


def test_rows_are_standardised_when_read():
    X = np.arange(20, dtype=np.float64).reshape(10, 2)

    def standardize(rows):
        return ((rows - 1.0) / 2.0).astype(np.float32)

    pool = StandardizedRows(X, standardize)
    assert len(pool) == 10
    batch = pool[torch.tensor([3, 1])]
    assert batch.dtype == torch.float32
    np.testing.assert_array_equal(batch.numpy(), standardize(X[[3, 1]]))
    part = pool.subset(np.array([9, 0, 4]))
    np.testing.assert_array_equal(part.rows(np.array([0, 2])), standardize(X[[9, 4]]))
    # the subset holds an index, not rows
    assert part.X is X


def test_fit_on_a_memmap_equals_the_fit_on_the_array(tmp_path):
    rng = np.random.RandomState(1)
    X = rng.randn(300, 12).astype(np.float32)
    X[rng.rand(300, 12) < 0.05] = np.nan
    path = tmp_path / "pool.f32"
    written = np.memmap(path, dtype=np.float32, mode="w+", shape=X.shape)
    written[:] = X
    written.flush()
    pool = np.memmap(path, dtype=np.float32, mode="r", shape=X.shape)
    params = dict(max_iter=2, random_state=0, early_stopping=True)
    on_memmap = JEPATransformer(**params).fit(pool)
    on_array = JEPATransformer(**params).fit(X)
    np.testing.assert_array_equal(on_memmap.mean_, on_array.mean_)
    np.testing.assert_array_equal(on_memmap.transform(pool), on_array.transform(X))


def test_partial_fit_over_chunks_of_a_memmap(tmp_path):
    rng = np.random.RandomState(2)
    shape = (400, 8)
    path = tmp_path / "pool.f32"
    written = np.memmap(path, dtype=np.float32, mode="w+", shape=shape)
    written[:] = rng.randn(*shape)
    written.flush()
    pool = np.memmap(path, dtype=np.float32, mode="r", shape=shape)
    jepa = JEPATransformer(max_iter=1, random_state=0)
    for start in range(0, len(pool), 100):
        jepa.partial_fit(pool[start : start + 100])
    assert jepa.n_iter_ == 4
    Z = jepa.transform(pool)
    assert Z.shape == (400, jepa.n_components_) and np.isfinite(Z).all()
