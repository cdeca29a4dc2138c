"""The JEPA module (sklearn_jepa.nn._model): what is trained and what is not."""

import torch

from sklearn_jepa import (
    JEPATransformer,
    MLPEncoder,
    MLPPredictor,
)
from sklearn_jepa.nn._model import JEPAModule


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


def test_layered_target_is_every_target_layer_normalised():
    encoder = MLPEncoder(5, 3, 8, 2)
    module = JEPAModule(
        encoder, MLPPredictor(5, 3, 4, 1, n_outputs=8 + 8 + 3), layered_target=True
    )
    x = torch.randn(6, 5)
    context = torch.rand(6, 5) > 0.5
    prediction, target, weight = module(x, context, ~context)
    assert prediction.shape == target.shape == (6, 19) and weight is None
    layers = module.target_encoder.layers(x, None)
    expected = torch.cat(
        [torch.nn.functional.layer_norm(h, h.shape[-1:]) for h in layers], 1
    )
    torch.testing.assert_close(target, expected)
    # each block is normalised on its own: mean 0, variance 1 per row
    for block in target.split([8, 8, 3], dim=1):
        torch.testing.assert_close(block.mean(1), torch.zeros(6), atol=1e-5, rtol=0)


def test_fitted_mlp_reads_out_and_regresses_on_every_layer(digits):
    X, _ = digits
    jepa = JEPATransformer(hidden_size=16, max_iter=2, random_state=0).fit(X)
    module = jepa.net_.module_
    assert jepa.config_.pooling == "layers" and module.layered_target
    # two hidden layers and the (unbottlenecked) output, 16 wide each
    assert jepa.n_components_ == 3 * 16 and jepa.transform(X[:5]).shape == (5, 48)
    x = torch.from_numpy(jepa._state.standardize(X[:5]))
    with torch.no_grad():
        expected = torch.cat(module.target_encoder.eval().layers(x), 1)
    torch.testing.assert_close(
        torch.from_numpy(jepa.transform(X[:5])).float(), expected, rtol=1e-5, atol=1e-6
    )


def test_the_data_parallel_branch_reads_the_series_ends_as_one_process():
    # unequal series (NaN after each end) under torchrun: the online branch
    # goes through the DDP wrapper, which must get the ends too (it did not)
    import numpy as np

    rng = np.random.RandomState(0)
    X = rng.randn(40, 30).astype(np.float32)
    X[::2, 18:] = np.nan
    jepa = JEPATransformer(input_shape=(30,), max_iter=1, random_state=0).fit(X)
    module = jepa.net_.module_
    masks = jepa.net_.iterator_train__collate_fn
    batch, _ = masks(torch.from_numpy(X[:16]))
    torch.manual_seed(0)
    with torch.no_grad():
        alone = module(**batch)
        module.use_parallel(module.online)  # what DDP wraps
        try:
            parallel = module(**batch)
        finally:
            module.use_parallel(None)
    assert "observed" in batch
    for a, b in zip(alone, parallel, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
