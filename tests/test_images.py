"""Stacks of images as users hold them (sklearn_jepa.inputs._images and the
estimator): (N, H, W), (N, C, H, W), (N, H, W, C), uint8 or float."""

import joblib
import numpy as np
import pytest

from sklearn_jepa import JEPATransformer
from sklearn_jepa.inputs._images import image_layout, stack_rows

FAST = dict(max_iter=1, random_state=0)


@pytest.fixture(scope="module")
def gray():
    rng = np.random.RandomState(0)
    return (rng.rand(40, 12, 12) * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def flat_model(gray):
    """The reference: flat float32 rows with input_shape=(H, W)."""
    X = gray.reshape(len(gray), -1).astype(np.float32)
    jepa = JEPATransformer(input_shape=(12, 12), **FAST).fit(X)
    return jepa, jepa.transform(X)


@pytest.mark.parametrize(
    "layout, params",
    [
        ("NHW", {"input_shape": (12, 12)}),
        ("NHW", {"input_shape": (1, 12, 12)}),
        ("NHW", {"input_kind": "image"}),
        ("N1HW", {}),
        ("NHW1", {}),
        ("N1HW", {"input_shape": (12, 12)}),
        ("NHW1", {"input_shape": (1, 12, 12)}),
    ],
)
def test_grayscale_stacks_embed_as_flat_rows(gray, flat_model, layout, params):
    X = {"NHW": gray, "N1HW": gray[:, None], "NHW1": gray[..., None]}[layout]
    jepa = JEPATransformer(**params, **FAST).fit(X)
    assert jepa.config_.kind == "image" and jepa.config_.shape == (1, 12, 12)
    assert jepa.n_features_in_ == 144
    Z = jepa.transform(X)
    # uint8 is read as float32, as the flat float32 rows are
    assert Z.dtype == np.float32
    np.testing.assert_array_equal(Z, flat_model[1])
    # the fitted model reads every layout of the same images, and flat rows
    for other in (gray, gray[:, None], gray[..., None], gray.reshape(40, -1)):
        np.testing.assert_array_equal(jepa.transform(other), Z)


def test_colour_stacks_channels_first_and_last_are_the_same_images():
    rng = np.random.RandomState(1)
    first = (rng.rand(30, 3, 10, 10) * 255).astype(np.uint8)
    last = np.ascontiguousarray(np.moveaxis(first, 1, -1))
    a = JEPATransformer(**FAST).fit(first)
    b = JEPATransformer(**FAST).fit(last)
    assert a.config_.shape == b.config_.shape == (3, 10, 10)
    np.testing.assert_array_equal(a.transform(first), b.transform(last))
    np.testing.assert_array_equal(a.transform(last), a.transform(first))


def test_float_stacks_keep_their_dtype():
    rng = np.random.RandomState(2)
    for dtype in (np.float32, np.float64):
        X = rng.rand(20, 8, 8, 3).astype(dtype)
        assert JEPATransformer(**FAST).fit(X).transform(X).dtype == dtype
    assert stack_rows(X.astype(np.float32), "first").base is not None  # a view


def test_a_3d_array_without_a_word_stays_a_series_collection():
    X = np.random.RandomState(3).randn(20, 3, 40)
    jepa = JEPATransformer(**FAST).fit(X)
    assert jepa.config_.kind == "signal" and jepa.collection_shape_ == (3, 40)
    # and input_kind="signal" keeps a (C, L) input_shape for series
    jepa = JEPATransformer(input_shape=(3, 40), input_kind="signal", **FAST).fit(X)
    assert jepa.config_.kind == "signal"


@pytest.mark.parametrize(
    "shape, params, match",
    [
        ((10, 3, 4, 4), {}, "channels first .* or last"),
        ((10, 16, 16), {"input_shape": (8, 32)}, "grayscale images"),
        ((10, 1, 16, 16), {"input_shape": (3, 16, 16)}, "neither channels first"),
        ((10, 16, 16, 3), {"input_shape": (3, 8, 32)}, "neither channels first"),
        ((10, 16, 16, 3), {"input_kind": "signal"}, "4-D stack of images"),
    ],
)
def test_stacks_that_disagree_or_cannot_be_told_are_errors(shape, params, match):
    X = np.zeros(shape, dtype=np.uint8)
    with pytest.raises(ValueError, match=match):
        JEPATransformer(**params, **FAST).fit(X)


def test_another_size_at_transform_is_an_error(gray):
    jepa = JEPATransformer(input_shape=(12, 12), **FAST).fit(gray)
    with pytest.raises(ValueError, match=r"fitted on images of shape .*\(1, 12, 12\)"):
        jepa.transform(gray[:, :10, :10])
    with pytest.raises(ValueError, match="fitted on images"):
        jepa.transform(np.zeros((2, 3, 12, 12)))
    series = JEPATransformer(**FAST).fit(np.random.RandomState(0).randn(10, 2, 30))
    with pytest.raises(ValueError, match="not fitted on images"):
        series.transform(np.zeros((2, 2, 30, 1)))


def test_layouts_decided_from_the_shape():
    assert image_layout((5, 28, 28, 3)) == ("last", (3, 28, 28))
    assert image_layout((5, 3, 28, 28)) == ("first", (3, 28, 28))
    assert image_layout((5, 8, 28, 28)) == ("first", (8, 28, 28))
    assert image_layout((5, 28, 28)) is None
    assert image_layout((5, 28, 28), input_kind="image") == ("first", (1, 28, 28))
    assert image_layout((5, 4, 4, 3), input_shape=(3, 4, 4)) == ("last", (3, 4, 4))
    assert image_layout((5, 28, 28, 1), fitted=(1, 28, 28)) == ("last", (1, 28, 28))


def test_image_stack_model_survives_joblib(gray, tmp_path):
    jepa = JEPATransformer(input_shape=(12, 12), **FAST).fit(gray)
    joblib.dump(jepa, tmp_path / "m.joblib")
    again = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(again.transform(gray), jepa.transform(gray))
