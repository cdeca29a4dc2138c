"""The projection head (sklearn_jepa.engine._projection) and n_components."""

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.decomposition import PCA

from sklearn_jepa import (
    JEPATransformer,
)
from sklearn_jepa.engine._inference import embed
from sklearn_jepa.engine._projection import fit_projection, project


@pytest.mark.parametrize(
    "params, width",
    [
        # 8x8 image, the ViT with patch 2: 4x4 tokens of width 16, flattened
        (dict(input_shape=(8, 8), encoder="transformer"), 16 * 16),
        # 8x8 image, the CNN (one stage of 16 channels): 2x2 regions
        (dict(input_shape=(8, 8)), 4 * 16),
        # signal, conv "blocks" read-out: the kernel bank (9,996 values),
        # then 1 block + input projection + norm, 7 values per channel (max,
        # mean, 5 PPV)
        (dict(input_shape=(64,)), 9_996 + (1 + 2) * 16 * 7),
        # whole-row MLP, "layers" read-out: its hidden layer and its output
        (dict(), 2 * 16),
    ],
    ids=["image-flatten", "image-layers", "signal-blocks", "mlp"],
)
def test_n_components_none_returns_the_whole_pooled_embedding(
    tiny, X, params, width, tmp_path
):
    X = X[:300]  # half the shared rows: enough here, and twice as fast
    jepa = JEPATransformer(**{**tiny, "n_components": None}, **params, random_state=0)
    Z = jepa.fit_transform(X)
    assert jepa.n_components_ == width and jepa.projection_ is None
    assert Z.shape == (len(X), width)
    # no projection: exactly the pooled target-encoder embedding
    pooled = embed(
        jepa.net_,
        jepa._state.standardize(X),
        32,
        jepa.config_.pooling,
        biases=jepa._state.biases,
    )
    np.testing.assert_allclose(Z, pooled, rtol=1e-6, atol=1e-6)
    assert len(jepa.get_feature_names_out()) == width
    joblib.dump(jepa, tmp_path / "m.joblib")
    assert_array_equal(joblib.load(tmp_path / "m.joblib").transform(X), Z)


def test_n_components_sets_the_projected_width(tiny, X):
    X = X[:300]  # half the shared rows: enough here, and twice as fast
    jepa = JEPATransformer(**tiny, input_shape=(8, 8), random_state=0).fit(X)
    assert jepa.n_components_ == 4 and jepa.projection_[1].shape == (4, 4 * 16)


def test_fit_projection_is_pca_with_fixed_signs():
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    mean, components = fit_projection(Z, 3, random_state=0)
    reference = PCA(3).fit(Z)
    assert_allclose(mean, reference.mean_)
    # the same directions up to sign, each with its largest loading positive
    assert_allclose(np.abs(components), np.abs(reference.components_), atol=1e-6)
    largest = components[np.arange(3), np.abs(components).argmax(1)]
    assert np.all(largest > 0)
    assert_array_equal(components, fit_projection(Z, 3, random_state=0)[1])
    assert_allclose(project(Z, (mean, components)), (Z - mean) @ components.T)
    assert project(Z, None) is Z


def test_fit_projection_pads_missing_directions_with_zeros():
    Z = np.random.RandomState(0).normal(size=(3, 5))
    mean, components = fit_projection(Z, 4, random_state=0)
    assert components.shape == (4, 5)
    assert np.all(components[3] == 0)
