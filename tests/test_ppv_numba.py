"""The compiled loop itself (sklearn_jepa.nn._ppv_numba): counts against a
numpy count, and groups of four biases."""

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from sklearn_jepa.nn import _ppv_numba  # noqa: E402


def test_above_counts_four_biases_in_one_pass():
    rng = np.random.RandomState(0)
    h = rng.randn(1000).astype(np.float32)
    biases = np.float32([-0.5, 0.0, 0.3, np.inf])
    counts = _ppv_numba._above(h, 10, 990, *biases)
    expected = [(h[10:990] > b).sum() for b in biases]
    assert [int(c) for c in counts] == expected


def test_groups_pad_missing_biases_with_inf():
    biases = np.float32([1, 2, 3, 4, 5, 6])
    assert _ppv_numba._group(biases, 0, 6, 4) == (5, 6, np.inf, np.inf)
    assert _ppv_numba._group(biases, 1, 3, 0) == (2, 3, 4, np.inf)


def test_pair_sums_are_the_first_two_additions():
    rng = np.random.RandomState(1)
    alpha = rng.randn(50).astype(np.float32)
    gamma = rng.randn(9, 50).astype(np.float32)
    pairs = np.empty((7, 8, 50), dtype=np.float32)
    _ppv_numba._pairs(alpha, gamma, pairs)
    np.testing.assert_array_equal(pairs[2, 5], (alpha + gamma[2]) + gamma[5])


def test_shares_above_are_the_mean_of_the_comparison():
    import torch

    rng = np.random.RandomState(2)
    h = rng.randn(3, 5, 37).astype(np.float32)
    biases = rng.randn(5, 5).astype(np.float32)
    ends = np.array([37, 20, 1])
    out = np.empty((3, 5, 5), dtype=np.float32)
    _ppv_numba.shares_above(h, biases, ends, out)
    t = torch.from_numpy(h)
    above = (t[:, :, None, :] > torch.from_numpy(biases)[None, :, :, None]).float()
    np.testing.assert_array_equal(out[0], above[0].mean(dim=-1).numpy())
    for r in (1, 2):
        expected = above[r, :, :, : ends[r]].mean(dim=-1).numpy()
        np.testing.assert_array_equal(out[r], expected)
