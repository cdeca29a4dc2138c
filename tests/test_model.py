"""The JEPA module (sklearn_jepa._model): what is trained and what is not."""

import torch

from sklearn_jepa import (
    JEPATransformer,
    MLPEncoder,
    MLPPredictor,
)
from sklearn_jepa._model import JEPAModule


def test_jepa_target_encoder_not_in_optimizer(small, digits):
    X, _ = digits
    jepa = JEPATransformer(**small, random_state=0).fit(X)
    module = jepa.net_.module_
    optimized = {id(p) for g in jepa.net_.optimizer_.param_groups for p in g["params"]}
    assert all(id(p) not in optimized for p in module.target_encoder.parameters())
    assert all(not p.requires_grad for p in module.target_encoder.parameters())
    assert all(id(p) in optimized for p in module.encoder.parameters())
    assert all(id(p) in optimized for p in module.predictor.parameters())


def test_online_parameters_exclude_the_target_and_frozen_parameters():
    module = JEPAModule(MLPEncoder(5, 3, 8, 1), MLPPredictor(5, 3, 4, 1))
    names = [name for name, _ in module.online_named_parameters()]
    assert names and all(n.startswith(("encoder.", "predictor.")) for n in names)
    n_online = sum(1 for _ in module.encoder.parameters()) + sum(
        1 for _ in module.predictor.parameters()
    )
    assert len(names) == n_online
    assert all(not p.requires_grad for p in module.target_encoder.parameters())
    module.predictor.net[0].weight.requires_grad_(False)
    assert "predictor.net.0.weight" not in dict(module.online_named_parameters())


def test_forward_returns_prediction_target_and_weight():
    module = JEPAModule(MLPEncoder(5, 3, 8, 1), MLPPredictor(5, 3, 4, 1))
    x = torch.randn(4, 5)
    context = torch.rand(4, 5) > 0.5
    prediction, target, weight = module(x, context, ~context)
    assert prediction.shape == target.shape == (4, 3) and weight is None
    assert not target.requires_grad
    assert torch.equal(module.embed(x), module.target_encoder(x, None))
