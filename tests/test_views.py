"""Images, signals, feature tokens and custom parts (issue: views and encoders)."""

import joblib
import numpy as np
import pytest
import torch
from _custom_parts import TinyEncoder, first_half_mask
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from sklearn_jepa import JEPATransformer, MultiBlockMask, SpanMask
from sklearn_jepa._build import default_patch_size, resolve_input
from sklearn_jepa._inference import embed
from sklearn_jepa._tokens import FeatureTokens, PatchTokens, TokenEncoder

TINY = dict(n_components=4, hidden_size=16, n_layers=1, max_epochs=2, batch_size=32)


@pytest.fixture(scope="module")
def digits():
    return load_digits().data[:300]


@pytest.mark.parametrize(
    "shape, kind, expected_kind, expected_shape",
    [
        (None, "auto", "table", (1, 12)),
        ((12,), "auto", "signal", (1, 12)),
        ((3, 4), "auto", "image", (1, 3, 4)),
        ((3, 4), "signal", "signal", (3, 4)),
        ((3, 2, 2), "auto", "image", (3, 2, 2)),
        ((3, 4), "table", "table", (1, 12)),
        (None, "signal", "signal", (1, 12)),
        (None, "image", "image", (1, 1, 12)),
    ],
)
def test_resolve_input_kinds(shape, kind, expected_kind, expected_shape):
    spec = resolve_input(shape, kind, 12)
    assert (spec.kind, spec.shape) == (expected_kind, expected_shape)


@pytest.mark.parametrize(
    "shape, kind, match",
    [
        ((5, 5), "auto", "holds 25 values but X has 12 features"),
        ((-3, -4), "auto", "positive"),
        ((1, 2, 2, 3), "auto", "1 to 3 integers"),
        ((2.0, 6.0), "auto", "1 to 3 integers"),
        ((12,), "image", r"\(H, W\)"),
        ((1, 2, 6), "signal", r"\(L,\) or \(C, L\)"),
    ],
)
def test_bad_input_shape_is_a_clear_value_error(shape, kind, match):
    X = np.random.RandomState(0).normal(size=(20, 12))
    with pytest.raises(ValueError, match=match):
        JEPATransformer(**TINY, input_shape=shape, input_kind=kind).fit(X)


def test_patch_tokens_pad_odd_images_and_signals():
    image = PatchTokens((1, 7, 9), 2, 8, stem="linear")
    assert image.grid == (4, 5)
    assert image(torch.zeros(3, 63)).shape == (3, 20, 8)
    signal = PatchTokens((2, 10), 4, 8)
    assert signal.grid == (3,)
    assert signal(torch.zeros(3, 20)).shape == (3, 3, 8)


def test_patch_tokens_cut_the_right_pixels():
    tokens = PatchTokens((1, 4, 4), 2, 4, stem="linear")
    with torch.no_grad():
        tokens.proj.weight.copy_(torch.eye(4))
        tokens.proj.bias.zero_()
    x = torch.arange(16.0).reshape(1, 16)
    out = tokens(x)[0]
    # top-left patch holds pixels (0,0) (0,1) (1,0) (1,1) = 0, 1, 4, 5
    assert out[0].tolist() == [0.0, 1.0, 4.0, 5.0]
    assert out[3].tolist() == [10.0, 11.0, 14.0, 15.0]


def test_default_patch_sizes():
    assert default_patch_size(resolve_input((8, 8), "auto", 64)) == 2
    assert default_patch_size(resolve_input((28, 28), "auto", 784)) == 4
    assert default_patch_size(resolve_input((40,), "auto", 40)) == 1
    assert default_patch_size(resolve_input((1000,), "auto", 1000)) == 16


def test_registers_do_not_shift_feature_indices():
    torch.manual_seed(0)
    encoder = TokenEncoder(FeatureTokens(8, 8), 8, 2, 2, n_registers=3).eval()
    mask = torch.zeros(1, 8, dtype=torch.bool)
    mask[0, 3] = True
    x = torch.randn(1, 8)
    base = encoder(x, mask)[0, 3]
    hidden_changed, visible_changed = x.clone(), x.clone()
    hidden_changed[0, 5] += 5.0
    visible_changed[0, 3] += 5.0
    with torch.no_grad():
        assert torch.allclose(encoder(hidden_changed, mask)[0, 3], base)
        assert not torch.allclose(encoder(visible_changed, mask)[0, 3], base)
    assert encoder(x, None).shape == (1, 8, 8)


@pytest.mark.parametrize(
    "params",
    [
        dict(input_shape=(8, 8)),
        dict(input_shape=(8, 8), pooling="flatten"),
        dict(input_shape=(64,)),
        dict(input_shape=(2, 32), input_kind="signal"),
        dict(encoder="transformer", n_registers=2),
    ],
    ids=["image", "image-flatten", "signal", "signal-2ch", "feature-tokens"],
)
def test_token_configs_fit_transform_and_reload(digits, params, tmp_path):
    jepa = JEPATransformer(**TINY, **params, random_state=0).fit(digits)
    Z = jepa.transform(digits)
    assert Z.shape == (300, 4) and np.all(np.isfinite(Z))
    joblib.dump(jepa, tmp_path / "m.joblib")
    assert_array_equal(joblib.load(tmp_path / "m.joblib").transform(digits), Z)
    assert_array_equal(
        JEPATransformer(**TINY, **params, random_state=0).fit_transform(digits), Z
    )


def test_default_masks_follow_the_data_kind(digits):
    image = JEPATransformer(**TINY, input_shape=(8, 8), random_state=0).fit(digits)
    signal = JEPATransformer(**TINY, input_shape=(64,), random_state=0).fit(digits)
    assert isinstance(image.net_.iterator_train__collate_fn.strategy, MultiBlockMask)
    assert isinstance(signal.net_.iterator_train__collate_fn.strategy, SpanMask)


def test_odd_image_size_trains(digits):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(64, 63))
    Z = JEPATransformer(**TINY, input_shape=(7, 9), random_state=0).fit_transform(X)
    assert Z.shape == (64, 4) and np.all(np.isfinite(Z))


def test_custom_encoder_and_masking(digits, tmp_path):
    encoder = TinyEncoder(64)
    jepa = JEPATransformer(
        **TINY, encoder=encoder, masking=first_half_mask, random_state=0
    ).fit(digits)
    # the user's module is copied, not trained in place
    assert jepa.net_.module_.encoder is not encoder
    Z = jepa.transform(digits)
    assert Z.shape == (300, 4)  # 6-dim embedding projected to n_components
    twin = clone(jepa)
    assert twin.encoder is not encoder
    assert_array_equal(twin.fit(digits).transform(digits), Z)
    joblib.dump(jepa, tmp_path / "custom.joblib")
    assert_array_equal(joblib.load(tmp_path / "custom.joblib").transform(digits), Z)


def test_custom_parts_in_grid_search_with_workers(digits):
    search = GridSearchCV(
        JEPATransformer(
            **TINY, encoder=TinyEncoder(64), masking=first_half_mask, random_state=0
        ),
        {"lr": [1e-3, 2e-3]},
        cv=2,
        n_jobs=2,
    ).fit(digits)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_custom_encoder_with_bad_output_is_rejected(digits):
    class Scalar(torch.nn.Module):
        def forward(self, x, mask=None):
            return x.sum()

    with pytest.raises(ValueError, match="must return"):
        JEPATransformer(**TINY, encoder=Scalar()).fit(digits)


@pytest.mark.parametrize("shape", [(1, 12), (2, 6, 6)], ids=["signal", "image"])
def test_conv_stem_does_not_see_hidden_patches(shape):
    torch.manual_seed(0)
    tokens = PatchTokens(shape, 3, 8, stem="conv")
    encoder = TokenEncoder(tokens, 8, 1, 2).eval()
    n_tokens = int(np.prod(tokens.grid))
    mask = torch.ones(1, n_tokens, dtype=torch.bool)
    mask[0, 1] = False
    x = torch.randn(1, int(np.prod(shape)))
    changed = x.clone()
    # perturb every value of hidden patch 1 (the second patch along the last axis)
    grid_view = changed.reshape(shape[0], *[g * 3 for g in tokens.grid])
    if len(shape) == 2:
        grid_view[:, 3:6] += 10.0
    else:
        grid_view[:, 0:3, 3:6] += 10.0
    with torch.no_grad():
        before, after = encoder(x, mask), encoder(changed, mask)
    assert torch.allclose(before[0, mask[0]], after[0, mask[0]], atol=1e-6)
    with torch.no_grad():
        assert not torch.allclose(encoder(x, None), encoder(changed, None))


def test_encoder_runs_only_visible_tokens_with_the_same_result():
    # The context encoder packs each row's visible tokens (rows of different
    # lengths) instead of running every token with hidden keys padded out.
    torch.manual_seed(0)
    encoder = TokenEncoder(FeatureTokens(10, 8), 8, 2, 2, n_registers=2).eval()
    x = torch.randn(3, 10)
    mask = torch.rand(3, 10, generator=torch.Generator().manual_seed(1)) < 0.5
    mask[2] = False
    mask[2, 7] = True  # a row with a single visible token
    with torch.no_grad():
        packed = encoder(x, mask)
        padded = encoder._encode(encoder.tokens(x) + encoder.pos_embed, ~mask)
    assert packed.shape == (3, 10, 8)
    assert torch.allclose(packed[mask], padded[mask], atol=1e-5)
    assert torch.count_nonzero(packed[~mask]) == 0


def test_images_and_signals_are_standardised_per_channel(digits):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 2 * 3 * 4))
    X[:, :12] = 5.0 + 3.0 * X[:, :12]  # channel 0: mean 5, std 3
    X[:, 12:] *= 0.5
    X[:, 0] = 0.0  # a constant pixel must not get its own scale
    jepa = JEPATransformer(**TINY, input_shape=(2, 3, 4), random_state=0).fit(X)
    for channel in (slice(0, 12), slice(12, 24)):
        assert np.ptp(jepa.mean_[channel]) == 0 and np.ptp(jepa.scale_[channel]) == 0
    assert jepa.mean_[0] == pytest.approx(X[:, :12].mean())
    assert jepa.scale_[0] == pytest.approx(X[:, :12].std())
    assert jepa.scale_[12] == pytest.approx(X[:, 12:].std())
    # digits: the rarely inked border pixels keep their scale (no 40-sigma values)
    jepa = JEPATransformer(**TINY, input_shape=(8, 8), random_state=0).fit(digits)
    assert np.abs(jepa._standardize(digits)).max() < 5
    table = JEPATransformer(**TINY, random_state=0).fit(X)
    assert np.ptp(table.scale_[12:]) > 0  # tables stay per feature


@pytest.mark.parametrize(
    "params, width",
    [
        # 8x8 image, default patch 2: 4x4 tokens of width 16, flattened
        (dict(input_shape=(8, 8)), 16 * 16),
        # signal: tokens mean-pooled to one token width
        (dict(input_shape=(64,)), 16),
        # whole-row MLP: no bottleneck, its hidden width
        (dict(), 16),
    ],
    ids=["image-flatten", "signal-mean", "mlp"],
)
def test_n_components_none_returns_the_whole_pooled_embedding(
    digits, params, width, tmp_path
):
    jepa = JEPATransformer(**{**TINY, "n_components": None}, **params, random_state=0)
    Z = jepa.fit_transform(digits)
    assert jepa.n_components_ == width and jepa.projection_ is None
    assert Z.shape == (300, width)
    # no projection: exactly the pooled target-encoder embedding
    pooled = embed(jepa.net_, jepa._standardize(digits), 32, jepa._pooling)
    np.testing.assert_allclose(Z, pooled, rtol=1e-6, atol=1e-6)
    assert len(jepa.get_feature_names_out()) == width
    joblib.dump(jepa, tmp_path / "m.joblib")
    assert_array_equal(joblib.load(tmp_path / "m.joblib").transform(digits), Z)


def test_n_components_sets_the_projected_width(digits):
    jepa = JEPATransformer(**TINY, input_shape=(8, 8), random_state=0).fit(digits)
    assert jepa.n_components_ == 4 and jepa.projection_[1].shape == (4, 16 * 16)
