"""The fixed MiniRocket kernel bank (sklearn_jepa.nn._rocket) and its place in
the conv encoder's read-out."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sklearn_jepa import JEPATransformer
from sklearn_jepa.nn import _ppv
from sklearn_jepa.nn._rocket import (
    FULL_BANK_ROWS,
    MIN_FEATURES,
    N_FEATURES,
    KernelBank,
    bank_width,
    default_bank_features,
    dilations_for,
    quantile_levels,
)


def _brute_ppv(bank, x, lengths=None):
    """PPV by definition: conv1d per kernel, count above each bias over the
    steps MiniRocket's padding rule counts, one series at a time."""
    n_rows, _, length = x.shape
    lengths = [length] * n_rows if lengths is None else lengths
    out = np.zeros((n_rows, bank.n_features))
    for r in range(n_rows):
        column = 0
        for i, dilation in enumerate(bank.dilations):
            half = 4 * dilation
            h = F.conv1d(x[r : r + 1], bank.weight(i), padding=half, dilation=dilation)
            h = h[0, :, : lengths[r]]
            biases = bank._biases(i)
            for k in range(84):
                values = h[k]
                if k >= 42 and lengths[r] - 2 * half >= 1:
                    values = values[half : lengths[r] - half]
                for b in biases[k]:
                    out[r, column] = float((values > b).float().mean())
                    column += 1
    return out


def test_kernels_are_minirockets():
    bank = KernelBank((1, 150))
    for weights in bank.kernels:  # one order of the 84 kernels per dilation
        assert weights.shape == (84, 9)
        assert torch.all(weights.sum(dim=1) == 0)
        assert torch.all((weights == 2).sum(dim=1) == 3)
        assert len({tuple(w.tolist()) for w in weights}) == 84


@pytest.mark.parametrize("length", [1, 5, 9, 24, 40, 150, 1460])
def test_dilations_follow_minirockets_rule(length):
    dilations, counts = dilations_for(length)
    assert dilations[0] == 1
    assert list(dilations) == sorted(set(dilations))
    # the widest kernel spans the series (or dilation 1 on short ones)
    assert 8 * max(dilations) <= max(8, length - 1)
    assert sum(counts) == N_FEATURES // 84
    assert bank_width(length) == 9_996
    # aeon's MiniRocket (_fit_dilations(150, 10000, 32)) on 150 steps
    if length == 150:
        assert dilations == (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 18)
        assert counts == (30, 15, 12, 12, 4, 8, 8, 4, 4, 4, 3, 3, 3, 3, 3, 3)


def test_bank_size_falls_with_the_pool():
    assert default_bank_features(None) == N_FEATURES
    assert default_bank_features(FULL_BANK_ROWS) == N_FEATURES
    assert default_bank_features(4 * FULL_BANK_ROWS) == N_FEATURES // 4
    assert default_bank_features(10**7) == MIN_FEATURES
    assert bank_width(100, 840) == 840


def test_quantile_levels_are_low_discrepancy():
    levels = quantile_levels(1000)
    assert np.all((levels > 0) & (levels < 1))
    # evenly spread: every tenth of [0, 1] holds about a tenth of them
    counts = np.histogram(levels, bins=10, range=(0, 1))[0]
    assert counts.min() >= 95 and counts.max() <= 105


@pytest.mark.parametrize("shape", [(1, 60), (3, 33), (1, 7)])
def test_ppv_is_the_share_of_steps_above_each_bias(shape):
    torch.manual_seed(0)
    x = torch.randn(6, *shape)
    bank = KernelBank(shape, n_features=840)
    bank.fit([(x[:3], None), (x[3:], None)])
    out = bank(x)
    assert out.shape == (6, 840)
    np.testing.assert_allclose(out.numpy(), _brute_ppv(bank, x), atol=1e-6)


def test_ppv_counts_each_series_own_steps():
    torch.manual_seed(1)
    x = torch.randn(4, 1, 50)
    lengths = [50, 31, 12, 50]
    valid = torch.arange(50)[None, :] < torch.tensor(lengths)[:, None]
    x = x * valid[:, None, :]  # the encoder reads NaN end padding as 0
    bank = KernelBank((1, 50), n_features=840)
    bank.fit([(x, valid)])
    out = bank(x, valid)
    np.testing.assert_allclose(out.numpy(), _brute_ppv(bank, x, lengths), atol=1e-6)
    # all-valid rows give what no mask gives
    np.testing.assert_array_equal(out[[0, 3]].numpy(), bank(x[[0, 3]]).numpy())


def test_biases_sit_at_their_quantile_levels():
    torch.manual_seed(2)
    x = torch.randn(400, 1, 64)
    bank = KernelBank((1, 64), n_features=840)
    bank.fit([(x, None)])
    levels = torch.from_numpy(quantile_levels(bank.n_features)).float()
    # over the training series, PPV at a bias is about 1 - its level; the
    # inner half of the kernels differs a little (the edges are left out)
    share = bank(x).mean(dim=0)
    error = (share - (1 - levels)).abs()
    assert float(error.median()) < 0.02
    assert float(error.max()) < 0.2


def test_multichannel_kernels_add_a_subset_of_channels():
    torch.manual_seed(3)
    bank = KernelBank((12, 40), n_features=840)
    chosen = bank.channels.sum(dim=-1)
    assert int(chosen.min()) >= 1 and int(chosen.max()) <= 9
    assert 1 < float(chosen.float().mean()) < 9
    # by linearity one convolution of the chosen channels
    x = torch.randn(2, 12, 40)
    h = _ppv._outputs(x, 1, bank.positions[0], bank.channels[0])
    k = 5
    expected = sum(
        F.conv1d(x[:, c : c + 1], bank.kernels[0][k].view(1, 1, 9), padding=4)
        for c in np.flatnonzero(bank.channels[0, k].numpy())
    )
    torch.testing.assert_close(h[:, k : k + 1], expected, atol=1e-5, rtol=1e-5)


def test_estimator_reads_the_bank_out_first():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 60).astype(np.float32)
    jepa = JEPATransformer(input_shape=(60,), max_iter=1, random_state=0).fit(X)
    config = jepa.config_
    assert config.kernel_bank == N_FEATURES
    assert config.bank_width == bank_width(60)
    Z = jepa.transform(X)
    assert Z.shape == (40, config.pooled_width)
    bank = Z[:, : config.bank_width]
    assert bank.min() >= 0 and bank.max() <= 1
    # the same random_state, the same bank (channel draws, biases)
    again = JEPATransformer(input_shape=(60,), max_iter=1, random_state=0)
    np.testing.assert_array_equal(again.fit(X).transform(X), Z)


def test_no_bank_is_04s_network():
    X = np.random.RandomState(1).randn(30, 50).astype(np.float32)
    params = dict(input_shape=(50,), max_iter=1, random_state=0)
    with_bank = JEPATransformer(**params).fit(X)
    without = JEPATransformer(**params, encoder_params={"kernel_bank": 0}).fit(X)
    assert without.config_.bank_width == 0
    Z, Z0 = with_bank.transform(X), without.transform(X)
    # the learned layers are built first: the same weights with or without
    np.testing.assert_allclose(Z[:, with_bank.config_.bank_width :], Z0, atol=1e-5)


def test_bank_size_set_by_the_user_and_by_the_pool():
    X = np.random.RandomState(2).randn(30, 50).astype(np.float32)
    jepa = JEPATransformer(
        input_shape=(50,), max_iter=1, encoder_params={"kernel_bank": 1000}
    ).fit(X)
    # 1,000 // 84 = 11 values per kernel
    assert jepa.config_.bank_width == 84 * 11
    assert jepa.transform(X).shape[1] == jepa.config_.pooled_width
    from sklearn_jepa.configuration._config import resolve_config

    params = {**JEPATransformer(input_shape=(50,))._params()}
    assert resolve_config(params, 50, n_rows=4000).kernel_bank == 2500


def test_bank_reads_nan_tails_as_the_series_end():
    rng = np.random.RandomState(3)
    X = rng.randn(30, 64).astype(np.float32)
    X[:10, 40:] = np.nan
    jepa = JEPATransformer(input_shape=(64,), max_iter=1, random_state=0).fit(X)
    Z = jepa.transform(X)
    assert np.isfinite(Z).all()
    width = jepa.config_.bank_width
    # a padded row's bank values count its own 40 steps only
    bank = jepa._state.net.module_.bank
    x = torch.from_numpy(np.nan_to_num(jepa._state.standardize(X)))[:, None, :]
    expected = _brute_ppv(bank, x, [40] * 10 + [64] * 20)
    np.testing.assert_allclose(Z[:, :width], expected, atol=1e-6)


def test_long_series_go_through_in_blocks_of_rows(monkeypatch):
    # the torch path (the compiled one holds one series' outputs at a time)
    monkeypatch.setenv("SKLEARN_JEPA_BANK", "torch")
    torch.manual_seed(4)
    x = torch.randn(7, 2, 90)
    valid = (
        torch.arange(90)[None, :] < torch.tensor([90, 60, 90, 30, 90, 90, 80])[:, None]
    )
    x = x * valid[:, None, :]  # the encoder reads NaN end padding as 0
    bank = KernelBank((2, 90), n_features=840)
    bank.fit([(x, valid)])
    whole = bank(x, valid)
    # two rows at a time: the same values
    monkeypatch.setattr(_ppv, "_BLOCK_VALUES", 2 * 84 * 90)
    torch.testing.assert_close(bank(x, valid), whole, rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        whole.numpy(),
        _brute_ppv(bank, x, [90, 60, 90, 30, 90, 90, 80]),
        atol=1e-6,
    )
