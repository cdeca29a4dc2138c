"""Thread policy and device checks (sklearn_jepa.utils._runtime)."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from skorch.callbacks import Callback
from threadpoolctl import threadpool_info

from sklearn_jepa import (
    JEPATransformer,
)
from sklearn_jepa.utils._runtime import (
    available_cores,
    resolve_device,
    resolve_n_threads,
    torch_threads,
)


class _RecordThreads(Callback):
    def on_batch_end(self, net, **kwargs):
        self.seen_ = getattr(self, "seen_", set()) | {torch.get_num_threads()}
        blas = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
        self.blas_ = getattr(self, "blas_", set()) | set(blas)


def test_resolve_n_threads_policy():
    assert resolve_n_threads(None, "cpu") == 1
    assert resolve_n_threads(3, "cpu") == 3
    assert resolve_n_threads(-1, "cpu") == available_cores()
    assert resolve_n_threads(None, "cuda") is None  # torch's setting on a GPU


def test_available_cores_respects_affinity_and_torch_limit(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 64)
    if hasattr(__import__("os"), "sched_getaffinity"):
        monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2})
        assert available_cores() == 3
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    assert available_cores() == 1


def test_torch_threads_restores_setting():
    torch.set_num_threads(2)
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2
    with torch_threads(None):
        assert torch.get_num_threads() == 2


@pytest.mark.parametrize("n_threads, expected", [(None, 1), (2, 2)])
def test_fit_trains_with_policy_threads_and_restores(tiny, n_threads, expected):
    X = np.random.RandomState(0).normal(size=(64, 6))
    torch.set_num_threads(2 if expected == 1 else 1)
    before = torch.get_num_threads()
    recorder = _RecordThreads()
    JEPATransformer(
        **tiny, n_threads=n_threads, callbacks=[recorder], random_state=0
    ).fit(X)
    assert recorder.seen_ == {expected}
    # numpy's BLAS is held to the same count (its workers spin too)
    assert recorder.blas_ <= {expected}
    assert torch.get_num_threads() == before


def test_n_threads_rejects_zero_and_other_negatives(tiny):
    X = np.random.RandomState(0).normal(size=(20, 3))
    for bad in (0, -2):
        with pytest.raises(ValueError, match="n_threads"):
            JEPATransformer(**tiny, n_threads=bad).fit(X)


@pytest.mark.parametrize(
    "device, match",
    [("gpu", "not a torch device"), ("cuda", "no CUDA GPU"), ("cuda:3", "CUDA")],
)
def test_unavailable_device_fails_before_training(tiny, monkeypatch, device, match):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    X = np.random.RandomState(0).normal(size=(20, 3))
    jepa = JEPATransformer(**tiny, device=device)
    with pytest.raises(ValueError, match=match):
        jepa.fit(X)
    assert not hasattr(jepa, "net_")


def test_resolve_device_auto(monkeypatch):
    assert resolve_device("cpu") == "cpu"
    assert resolve_device(torch.device("cpu")) == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"


def test_device_auto_resolves(monkeypatch):
    assert resolve_device("cpu") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"


def test_bf16_trains_in_bfloat16_only_where_the_cpu_has_it(small, X, monkeypatch):
    import sklearn_jepa.engine._training as training

    Z = JEPATransformer(**small, random_state=0).fit_transform(X)
    monkeypatch.setattr(training, "bf16_supported", lambda device_type: False)
    Z_off = JEPATransformer(**small, bf16=True, random_state=0).fit_transform(X)
    assert_array_equal(Z_off, Z)  # without bfloat16 instructions: ignored
    monkeypatch.setattr(training, "bf16_supported", lambda device_type: True)
    Z_on = JEPATransformer(**small, bf16=True, random_state=0).fit_transform(X)
    assert np.isfinite(Z_on).all() and not np.array_equal(Z_on, Z)
