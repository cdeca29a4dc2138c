"""The kernel bank's numerics (sklearn_jepa.nn._ppv): shared sums, the
counted steps, and the compiled path equal to the torch one bit for bit."""

import pytest
import torch
import torch.nn.functional as F

from sklearn_jepa.nn import _ppv
from sklearn_jepa.nn._rocket import KernelBank

numba = pytest.importorskip("numba")


def _bank(shape, n_rows=30, seed=0):
    torch.manual_seed(seed)
    bank = KernelBank(shape, n_features=840)
    x = torch.randn(n_rows, *shape)
    bank.fit([(x, None)])
    return bank, x


def _ragged(x, seed=0):
    """``x`` zero after random ends, and its ``valid`` steps."""
    ends = torch.randint(1, x.shape[-1] + 1, (x.shape[0],), generator=_gen(seed))
    valid = torch.arange(x.shape[-1])[None, :] < ends[:, None]
    return x * valid[:, None, :], valid


def _gen(seed):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize(
    "shape", [(1, 1), (1, 9), (1, 24), (1, 301), (2, 5), (3, 64), (12, 25)]
)
@pytest.mark.parametrize("ragged", [False, True])
def test_compiled_path_equals_torch_bit_for_bit(shape, ragged, monkeypatch):
    bank, x = _bank(shape)
    valid = None
    if ragged:
        x, valid = _ragged(x)
    with torch.no_grad():
        compiled = bank(x, valid)
        monkeypatch.setenv("SKLEARN_JEPA_BANK", "torch")
        reference = bank(x, valid)
    assert compiled.dtype == reference.dtype == torch.float32
    torch.testing.assert_close(compiled, reference, rtol=0, atol=0)


def test_shared_sums_are_the_kernels_convolution():
    bank, x = _bank((3, 70))
    for i, dilation in enumerate(bank.dilations):
        h = _ppv._outputs(x, dilation, bank.positions[i], bank.channels[i])
        expected = F.conv1d(x, bank.weight(i), padding=4 * dilation, dilation=dilation)
        torch.testing.assert_close(h, expected, rtol=1e-5, atol=1e-4)


def test_counted_steps_follow_the_padding_rule():
    ends = torch.tensor([100, 20, 8])
    low, high = _ppv.count_ranges(2, ends)
    assert low.shape == high.shape == (3, 84)
    # the first 42 slots count every step up to the end
    assert torch.all(low[:, :42] == 0) and torch.all(high[:, :42] == ends[:, None])
    # the others the steps whose receptive field (8 each side) is inside
    assert low[0, 42:].unique().tolist() == [8]
    assert high[0, 42:].unique().tolist() == [92]
    assert high[1, 42:].unique().tolist() == [12]
    # 8 steps hold no inner step: every step counts
    assert low[2, 42:].unique().tolist() == [0]
    assert high[2, 42:].unique().tolist() == [8]


def test_ppv_is_the_share_above_each_bias():
    bank, x = _bank((1, 40), n_rows=4)
    out = bank(x)
    h = _ppv._outputs(x, 1, bank.positions[0], bank.channels[0])
    bias = bank.biases[: 84 * bank.counts[0]].view(84, -1)
    expected = (h[:, :, None, :] > bias[None, :, :, None]).float().mean(dim=-1)
    torch.testing.assert_close(
        out[:, : 42 * bank.counts[0]], expected[:, :42].flatten(1)
    )


def test_threads_split_rows_with_the_same_values():
    bank, x = _bank((2, 50), n_rows=13)
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = bank(x)
        torch.set_num_threads(2)
        two = bank(x)
    finally:
        torch.set_num_threads(previous)
    torch.testing.assert_close(one, two, rtol=0, atol=0)


def test_torch_path_where_the_compiled_one_cannot_run(monkeypatch):
    bank, x = _bank((1, 30))
    calls = []
    monkeypatch.setattr(_ppv, "_ppv_compiled", lambda *a: calls.append(a))
    # float64 and an explicit opt-out run in torch
    bank.double()(x.double())
    _ppv.ppv(x, bank.dilations, bank.positions, bank.channels, bank.biases.float(),
             bank.counts, torch.full((30,), 30), compiled=False)  # fmt: skip
    assert calls == []
    # and so does a machine without numba
    monkeypatch.setattr(_ppv, "numba_available", lambda: False)
    bank.float()(x)
    assert calls == []


def test_numba_switch_reads_the_environment(monkeypatch):
    assert _ppv.numba_available()
    monkeypatch.setenv("SKLEARN_JEPA_BANK", "torch")
    assert not _ppv.numba_available()
