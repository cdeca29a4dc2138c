"""Building modules from a configuration (sklearn_jepa.configuration._build),
custom parts."""

import math

import joblib
import numpy as np
import pytest
import torch
from _custom_parts import TinyEncoder, first_half_mask
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sklearn_jepa import (
    JEPATransformer,
)
from sklearn_jepa.configuration._build import build_module
from sklearn_jepa.configuration._config import resolve_config


@pytest.mark.parametrize(
    "params",
    [
        dict(input_shape=(8, 8)),
        dict(input_shape=(8, 8), pooling="flatten"),
        dict(input_shape=(64,)),
        dict(input_shape=(2, 32), input_kind="signal"),
        dict(encoder="transformer", encoder_params={"n_registers": 2}),
    ],
    ids=["image", "image-flatten", "signal", "signal-2ch", "feature-tokens"],
)
def test_token_configs_fit_transform_and_reload(tiny, X, params, tmp_path):
    X = X[:300]  # half the shared rows: enough here, and twice as fast
    jepa = JEPATransformer(**tiny, **params, random_state=0).fit(X)
    Z = jepa.transform(X)
    assert Z.shape == (len(X), 4) and np.all(np.isfinite(Z))
    joblib.dump(jepa, tmp_path / "m.joblib")
    assert_array_equal(joblib.load(tmp_path / "m.joblib").transform(X), Z)
    assert_array_equal(
        JEPATransformer(**tiny, **params, random_state=0).fit_transform(X), Z
    )


def test_odd_image_size_trains(tiny, X):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(64, 63))
    Z = JEPATransformer(**tiny, input_shape=(7, 9), random_state=0).fit_transform(X)
    assert Z.shape == (64, 4) and np.all(np.isfinite(Z))


def test_custom_encoder_and_masking(tiny, X, tmp_path):
    X = X[:300]  # half the shared rows: enough here, and twice as fast
    encoder = TinyEncoder(64)
    jepa = JEPATransformer(
        n_components=4,
        max_iter=2,
        batch_size=32,
        encoder=encoder,
        masking=first_half_mask,
        random_state=0,
    ).fit(X)
    # the user's module is copied, not trained in place
    assert jepa.net_.module_.encoder is not encoder
    Z = jepa.transform(X)
    assert Z.shape == (len(X), 4)  # 6-dim embedding projected to n_components
    twin = clone(jepa)
    assert twin.encoder is not encoder
    assert_array_equal(twin.fit(X).transform(X), Z)
    joblib.dump(jepa, tmp_path / "custom.joblib")
    assert_array_equal(joblib.load(tmp_path / "custom.joblib").transform(X), Z)


def test_custom_parts_in_grid_search_with_workers(tiny, X):
    X = X[:300]  # half the shared rows: enough here, and twice as fast
    search = GridSearchCV(
        JEPATransformer(
            n_components=4,
            max_iter=2,
            batch_size=32,
            encoder=TinyEncoder(64),
            masking=first_half_mask,
            random_state=0,
        ),
        {"learning_rate": [1e-3, 2e-3]},
        cv=2,
        n_jobs=2,
    ).fit(X)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_custom_encoder_with_bad_output_is_rejected(tiny, X):
    class Scalar(torch.nn.Module):
        def forward(self, x, mask=None):
            return x.sum()

    with pytest.raises(ValueError, match="must return"):
        JEPATransformer(**tiny, encoder=Scalar()).fit(X)


@pytest.mark.parametrize(
    "params, encoder, predictor",
    [
        (dict(hidden_size=32, n_layers=3), "MLPEncoder", "MLPPredictor"),
        (
            dict(
                input_shape=(8, 8),
                hidden_size=16,
                n_layers=3,
                encoder="transformer",
                encoder_params={"n_heads": 2},
            ),
            "TokenEncoder",
            "TokenPredictor",
        ),
        (
            dict(input_shape=(8, 8), hidden_size=4, n_layers=3),
            "ConvImageEncoder",
            "ConvImagePredictor",
        ),
        (
            dict(input_shape=(64,), hidden_size=16, n_layers=3),
            "DilatedConvEncoder",
            "ConvPredictor",
        ),
    ],
)
def test_module_is_built_as_the_config_says(params, encoder, predictor):
    config = resolve_config({**JEPATransformer(**params)._params(), "max_iter": 1}, 64)
    module = build_module(config)
    assert type(module.encoder).__name__ == encoder
    assert type(module.predictor).__name__ == predictor
    z = module.encoder(torch.zeros(2, 64), None)
    assert z.shape[-1] == config.embedding_size
    assert (z.dim() == 3) == config.token_output
    if config.token_output:
        assert z.shape[1] == math.prod(config.grid)
    layers = {
        "mlp": lambda e: sum(isinstance(m, torch.nn.LayerNorm) for m in e.modules()),
        "transformer": lambda e: len(e.blocks.layers),
        "conv": lambda e: len(getattr(e, "convs", None) or e.blocks),
    }[config.encoder]
    assert layers(module.encoder) == config.n_layers == 3


def test_custom_encoder_is_copied_not_trained_in_place():
    encoder = TinyEncoder(64)
    before = [p.clone() for p in encoder.parameters()]
    config = resolve_config(JEPATransformer(encoder=encoder)._params(), 64, encoder)
    module = build_module(config, encoder)
    assert module.encoder is not encoder
    assert all(
        torch.equal(a, b) for a, b in zip(before, encoder.parameters(), strict=True)
    )
