"""The "blocks" read-out: max, mean and PPV per layer and channel."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from sklearn_jepa.nn import _ppv
from sklearn_jepa.nn._readout import (
    N_STATS,
    QUANTILES,
    block_stats,
    fit_biases,
    masked_max,
    masked_mean,
)


def test_block_stats_by_hand():
    # one row, one layer, one channel, four steps
    h = torch.tensor([[[0.0, 1.0, 2.0, 3.0]]])
    biases = torch.tensor([[[0.5, 1.5, 2.5, 2.9, 10.0]]])
    out = block_stats([h], biases)
    assert out.shape == (1, N_STATS)
    # max, mean, then the share of steps above each bias
    assert_allclose(out[0].numpy(), [3.0, 1.5, 0.75, 0.5, 0.25, 0.25, 0.0])


def test_block_stats_ignores_steps_after_a_series_end():
    h = torch.tensor([[[1.0, 2.0, 100.0]]])
    biases = torch.zeros(1, 1, len(QUANTILES)) + 1.5
    valid = torch.tensor([[True, True, False]])
    out = block_stats([h], biases, valid)
    assert_allclose(out[0, :3].numpy(), [2.0, 1.5, 0.5])
    # the padded step counts nowhere: the same as the series cut at its end
    assert_allclose(out.numpy(), block_stats([h[:, :, :2]], biases).numpy())


def test_block_stats_concatenates_layer_by_layer():
    rng = torch.Generator().manual_seed(0)
    layers = [torch.randn(5, 3, 8, generator=rng) for _ in range(2)]
    biases = torch.zeros(2, 3, len(QUANTILES))
    out = block_stats(layers, biases)
    assert out.shape == (5, 2 * 3 * N_STATS)
    # the second layer's channel maxima follow the first layer's statistics
    assert_allclose(out[:, 3 * N_STATS : 3 * N_STATS + 3], layers[1].amax(dim=2))


def test_masked_max_and_mean():
    h = torch.tensor([[1.0, 5.0, 3.0]])
    keep = torch.tensor([[True, False, True]])
    assert masked_max(h, keep, 1).item() == 3.0
    assert masked_mean(h, keep, 1).item() == 2.0


def test_fit_biases_are_quantiles_of_the_valid_steps():
    rng = np.random.RandomState(0)
    values = torch.from_numpy(rng.uniform(size=(50, 2, 40)).astype(np.float32))
    values[:, 1] *= 10
    valid = torch.ones(50, 40, dtype=torch.bool)
    valid[:, 30:] = False
    chunks = [([values[:25]], valid[:25]), ([values[25:]], valid[25:])]
    biases = fit_biases(iter(chunks), 50, 40)
    assert biases.shape == (1, 2, len(QUANTILES)) and biases.dtype == np.float32
    assert (np.diff(biases, axis=2) > 0).all()
    for channel, atol in ((0, 0.01), (1, 0.1)):
        expected = np.quantile(values[:, channel, :30].numpy(), QUANTILES)
        assert_allclose(biases[0, channel], expected, atol=atol)


def test_compiled_ppv_of_the_layers_equals_torchs(monkeypatch):
    pytest.importorskip("numba")
    gen = torch.Generator().manual_seed(5)
    layers = [torch.randn(4, 6, 30, generator=gen) for _ in range(3)]
    biases = torch.randn(3, 6, len(QUANTILES), generator=gen)
    valid = torch.arange(30)[None, :] < torch.tensor([30, 12, 1, 29])[:, None]
    for v in (None, valid):
        compiled = block_stats(layers, biases, v)
        # the one switch of the compiled loop (_ppv.compilable reads it)
        monkeypatch.setattr(_ppv, "numba_available", lambda: False)
        reference = block_stats(layers, biases, v)
        monkeypatch.undo()
        torch.testing.assert_close(compiled, reference, rtol=0, atol=0)
