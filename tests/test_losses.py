"""The JEPA loss (sklearn_jepa.nn._losses) against a reference written here."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from sklearn_jepa import (
    JEPALoss,
    JEPATransformer,
)


@pytest.mark.parametrize("loss", ["l2", "cosine", "smooth_l1"])
def test_jepa_losses_train(small, digits, loss):
    X, _ = digits
    jepa = JEPATransformer(**{**small, "max_iter": 5}, loss=loss, random_state=0)
    jepa.fit(X)
    assert jepa.loss_curve_[-1] < jepa.loss_curve_[0]
    assert np.isfinite(jepa.best_loss_)


def _reference(prediction, target, kind):
    target = (target - target.mean(-1, keepdim=True)) / torch.sqrt(
        target.var(-1, unbiased=False, keepdim=True) + 1e-5
    )
    if kind == "l2":
        return ((prediction - target) ** 2).mean(-1).mean()
    if kind == "cosine":
        p = prediction / prediction.norm(dim=-1, keepdim=True)
        t = target / target.norm(dim=-1, keepdim=True)
        return (2 - 2 * (p * t).sum(-1)).mean()
    diff = (prediction - target).abs()
    return torch.where(diff < 1, 0.5 * diff**2, diff - 0.5).mean(-1).mean()


@pytest.mark.parametrize("kind", ["l2", "cosine", "smooth_l1"])
def test_loss_matches_a_reference_implementation(kind):
    generator = torch.Generator().manual_seed(0)
    prediction = torch.randn(4, 6, 8, generator=generator)
    target = 3 + 2 * torch.randn(4, 6, 8, generator=generator)
    weight = torch.rand(4, 6, generator=generator) > 0.5
    loss = JEPALoss(kind)
    got = loss(prediction, target, weight)
    want = _reference(prediction[weight], target[weight], kind)
    assert_allclose(got.item(), want.item(), rtol=1e-5)
    # whole-row embeddings (no token weights)
    got = loss(prediction[:, 0], target[:, 0], None)
    assert_allclose(
        got.item(), _reference(prediction[:, 0], target[:, 0], kind).item(), rtol=1e-5
    )


def test_loss_is_zero_for_a_perfect_prediction_and_never_moves_the_target():
    target = torch.randn(5, 8, requires_grad=True)
    normalised = torch.nn.functional.layer_norm(target.detach(), (8,))
    prediction = normalised.clone().requires_grad_(True)
    loss = JEPALoss("l2")(prediction, target, None)
    assert loss.item() == pytest.approx(0.0, abs=1e-8)
    (loss + JEPALoss("l2")(prediction * 2, target, None)).backward()
    assert target.grad is None or torch.count_nonzero(target.grad) == 0
