"""The EMA target encoder (sklearn_jepa.nn._ema)."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.base import clone

from sklearn_jepa import (
    JEPATransformer,
)
from sklearn_jepa.nn._ema import momentum_at, update_momentum


def test_momentum_ramp_is_monotone_and_bounded():
    values = [momentum_at(step, 50, 0.99, 1.0) for step in range(60)]
    assert values[0] == pytest.approx(0.99)
    assert np.all(np.diff(values) >= 0)
    assert values[50:] == [1.0] * 10


def test_update_momentum_matches_reference_formula():
    rng = torch.Generator().manual_seed(0)
    online = torch.nn.Linear(3, 2)
    target = torch.nn.Linear(3, 2)
    for p in [*online.parameters(), *target.parameters()]:
        p.data = torch.randn(p.shape, generator=rng)
    expected = [
        0.9 * t + 0.1 * o
        for t, o in zip(target.parameters(), online.parameters(), strict=True)
    ]
    update_momentum(target, online, 0.9)
    for got, want in zip(target.parameters(), expected, strict=True):
        assert_allclose(got.detach(), want.detach(), rtol=1e-6)


def test_jepa_target_encoder_is_ema_of_online(small, digits):
    # After training the target encoder differs from its initial copy and
    # from the online encoder: it moved, slowly, towards the online weights.
    X, _ = digits
    jepa = JEPATransformer(**small, random_state=0).fit(X)
    module = jepa.net_.module_
    online = torch.cat([p.flatten() for p in module.encoder.parameters()])
    target = torch.cat([p.flatten() for p in module.target_encoder.parameters()])
    init = clone(jepa).set_params(max_iter=1, learning_rate=1e-12).fit(X)
    start = torch.cat(
        [p.flatten() for p in init.net_.module_.target_encoder.parameters()]
    )
    assert not torch.equal(online, target)
    assert (target - start).norm() < (online - start).norm()
