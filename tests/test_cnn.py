import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from sklearn_jepa import ConvImageEncoder, ConvImagePredictor, JEPATransformer
from sklearn_jepa.nn._cnn import image_stages


@pytest.mark.parametrize(
    "shape, grid",
    [
        ((1, 8, 8), (4, 4)),
        ((1, 28, 28), (7, 7)),
        ((3, 32, 32), (8, 8)),
        ((1, 9, 13), (5, 7)),
        ((2, 1, 30), (1, 30)),
        ((1, 64, 64), (16, 16)),
    ],
)
def test_cnn_grid_and_shapes_for_any_image_size(shape, grid):
    encoder = ConvImageEncoder(shape, width=4)
    x = torch.randn(3, math.prod(shape))
    assert encoder.grid == grid
    # a cell's token: every stage (4 + 8 + 16 channels)
    assert encoder(x).shape == (3, math.prod(grid), 28)
    layers = encoder.layers(x)
    assert [h.shape for h in layers] == [(3, 4 * w) for w in (4, 8, 16)]
    predictor = ConvImagePredictor(grid, 28, 8)
    mask = torch.rand(3, math.prod(grid)) > 0.5
    assert predictor(encoder(x, mask), mask, ~mask).shape == (3, math.prod(grid), 28)


def test_cnn_stages_keep_at_least_four_cells_a_side():
    assert image_stages((28, 28), 3) == 2
    assert image_stages((8, 8), 3) == 1
    assert image_stages((7, 7), 3) == 0
    assert image_stages((256, 256), 5) == 4
    assert image_stages((256, 256), 1) == 0


def test_cnn_hidden_pixels_never_reach_visible_cells():
    rng = np.random.RandomState(0)
    torch.manual_seed(0)
    encoder = ConvImageEncoder((1, 28, 28), width=4)
    x = torch.from_numpy(rng.randn(1, 28, 28).astype(np.float32))
    mask = torch.ones(1, 7, 7, dtype=torch.bool)
    mask[0, 2:5, 3:6] = False  # a hidden block of 3x3 cells (12x12 pixels)
    changed = x.clone()
    changed[0, 8:20, 12:24] += 10.0  # only the hidden block's pixels
    flat = mask.reshape(1, -1)
    before = encoder(x.reshape(1, -1), flat)
    after = encoder(changed.reshape(1, -1), flat)
    assert_allclose(before.detach().numpy(), after.detach().numpy(), atol=1e-6)
    for a, b in zip(
        encoder.layers(x.reshape(1, -1), flat),
        encoder.layers(changed.reshape(1, -1), flat),
        strict=True,
    ):
        assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-6)
    # without the mask the change shows everywhere near the block
    assert not torch.allclose(
        encoder(x.reshape(1, -1)), encoder(changed.reshape(1, -1))
    )


def test_cnn_is_the_image_default_with_every_stage_read_out():
    rng = np.random.RandomState(0)
    X = rng.rand(64, 144)
    jepa = JEPATransformer(input_shape=(12, 12), max_iter=1, random_state=0).fit(X)
    config = jepa.config_
    assert (config.encoder, config.pooling, config.grid) == ("conv", "layers", (6, 6))
    assert jepa.transform(X).shape == (64, 4 * (32 + 64 + 128))
    assert isinstance(jepa.net_.module_.encoder, ConvImageEncoder)
    # the ViT stays available
    vit = JEPATransformer(
        input_shape=(12, 12), encoder="transformer", max_iter=1, random_state=0
    ).fit(X)
    assert vit.config_.pooling == "flatten"


def test_cnn_reproducible_and_nan_pixels_are_hidden():
    rng = np.random.RandomState(0)
    X = rng.rand(48, 3 * 10 * 10)
    X[::5, 7] = np.nan
    params = dict(input_shape=(3, 10, 10), max_iter=2, random_state=3)
    Z1 = JEPATransformer(**params).fit_transform(X)
    Z2 = JEPATransformer(**params).fit_transform(X)
    assert np.isfinite(Z1).all()
    assert_allclose(Z1, Z2)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(pooling="blocks"), "pooling='blocks'"),
        (dict(pooling="last"), "pooling='last'"),
    ],
)
def test_cnn_read_outs_of_other_encoders_are_errors(params, message):
    X = np.random.RandomState(0).rand(20, 64)
    with pytest.raises(ValueError, match=message):
        JEPATransformer(input_shape=(8, 8), max_iter=1, **params).fit(X)


def test_cnn_token_poolings_work():
    X = np.random.RandomState(0).rand(20, 64)
    for pooling, width in [("mean", 224), ("max", 224), ("flatten", 16 * 224)]:
        jepa = JEPATransformer(input_shape=(8, 8), pooling=pooling, max_iter=1)
        assert jepa.fit_transform(X).shape == (20, width)


def test_cnn_stride_and_patch_size_warn_on_images():
    X = np.random.RandomState(0).rand(20, 64)
    for name in ("stride", "patch_size"):
        jepa = JEPATransformer(input_shape=(8, 8), encoder_params={name: 2}, max_iter=1)
        with pytest.warns(UserWarning, match=f"{name}=2 has no effect"):
            jepa.fit(X)
