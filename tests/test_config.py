"""Configuration resolution (sklearn_jepa.configuration._config): defaults,
warnings, seeds."""

import warnings

import numpy as np
import pytest
import torch
from _custom_parts import TinyEncoder
from numpy.testing import assert_array_equal

from sklearn_jepa import (
    ConvPredictor,
    DilatedConvEncoder,
    JEPATransformer,
    MultiBlockMask,
    SpanMask,
)
from sklearn_jepa.configuration._budget import auto_lr, auto_momentum
from sklearn_jepa.configuration._config import (
    check_ratio,
    default_patch_size,
    resolve_input,
)


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
def test_bad_input_shape_is_a_clear_value_error(tiny, shape, kind, match):
    X = np.random.RandomState(0).normal(size=(20, 12))
    with pytest.raises(ValueError, match=match):
        JEPATransformer(**tiny, input_shape=shape, input_kind=kind).fit(X)


def test_default_patch_sizes():
    assert default_patch_size(resolve_input((8, 8), "auto", 64)) == 2
    assert default_patch_size(resolve_input((28, 28), "auto", 784)) == 7
    assert default_patch_size(resolve_input((32, 32), "auto", 1024)) == 8
    assert default_patch_size(resolve_input((40,), "auto", 40)) == 1
    assert default_patch_size(resolve_input((1000,), "auto", 1000)) == 16


def test_default_masks_follow_the_data_kind(tiny, X):
    X = X[:300]  # half the shared rows: enough here, and twice as fast
    image = JEPATransformer(**tiny, input_shape=(8, 8), random_state=0).fit(X)
    signal = JEPATransformer(**tiny, input_shape=(64,), random_state=0).fit(X)
    assert isinstance(image.config_.masking, MultiBlockMask)
    assert isinstance(signal.config_.masking, SpanMask)


def test_masking_ratio_list_equals_tuple(tiny):
    X = np.random.RandomState(0).normal(size=(60, 8))
    Z_list = JEPATransformer(**tiny, masking=[0.5, 0.9], random_state=0).fit_transform(
        X
    )
    Z_tuple = JEPATransformer(**tiny, masking=(0.5, 0.9), random_state=0).fit_transform(
        X
    )
    assert_array_equal(Z_list, Z_tuple)


@pytest.mark.parametrize(
    "bad", [(0.5,), (0.9, 0.5), (0.0, 0.5), (0.5, 1.0), ("a", "b")]
)
def test_bad_masking_ratio_pair_is_named(tiny, bad):
    with pytest.raises(ValueError, match="masking must be"):
        check_ratio(bad)
    X = np.random.RandomState(0).normal(size=(20, 4))
    with pytest.raises(ValueError, match="masking must be"):
        JEPATransformer(**tiny, masking=bad).fit(X)


def test_signals_default_to_the_conv_encoder_and_the_blocks_read_out():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 2 * 30)
    jepa = JEPATransformer(
        input_shape=(2, 30), input_kind="signal", max_iter=2, random_state=0
    ).fit(X)
    module = jepa.net_.module_
    assert isinstance(module.encoder, DilatedConvEncoder)
    assert isinstance(module.predictor, ConvPredictor)
    assert isinstance(jepa.net_.iterator_train__collate_fn.strategy, SpanMask)
    # 30 tokens: 4 blocks; the kernel bank (MiniRocket's 9,996 values),
    # then input projection + blocks + norm, 7 values each
    assert jepa.config_.pooling == "blocks" and jepa.config_.n_layers == 4
    assert jepa.n_components_ == 9_996 + (4 + 2) * 64 * 7
    assert jepa.config_.batch_size == 32
    Z = jepa.transform(X)
    assert Z.shape == (40, 9_996 + (4 + 2) * 64 * 7) and np.isfinite(Z).all()
    # the last layer's read-out starts with the per-token maximum of the
    # target embedding, then its mean, then 5 PPV values per channel
    tokens = module.target_encoder.eval()(torch.from_numpy(jepa._state.standardize(X)))
    last = Z[:, 9_996 + 5 * 64 * 7 :]
    top = tokens.amax(1).double().detach()
    np.testing.assert_allclose(last[:, :64], top, rtol=1e-5)
    np.testing.assert_allclose(
        last[:, 64:128], tokens.mean(1).double().detach(), rtol=1e-4, atol=1e-6
    )
    ppv = last[:, 128:].reshape(40, 64, 5)
    assert ((ppv >= 0) & (ppv <= 1)).all() and (np.diff(ppv, axis=2) <= 0).all()
    assert np.isfinite(jepa.score(X))


def test_conv_options_reach_the_module():
    X = np.random.RandomState(0).randn(20, 100)
    jepa = JEPATransformer(
        8,
        input_shape=(100,),
        encoder_params={"stride": 10},
        hidden_size=16,
        n_layers=3,
        max_iter=1,
        random_state=0,
    ).fit(X)
    encoder = jepa.net_.module_.encoder
    assert encoder.grid == (10,) and len(encoder.blocks) == 3
    assert jepa.transform(X).shape == (20, 8)
    # the former signal default stays available
    transformer = JEPATransformer(
        input_shape=(100,), encoder="transformer", max_iter=1, random_state=0
    ).fit(X)
    assert (
        transformer.config_.pooling == "mean" and transformer.config_.batch_size == 128
    )
    assert transformer.transform(X).shape == (20, 64)


def test_long_series_are_strided_to_at_most_128_tokens():
    X = np.random.RandomState(0).randn(10, 1000)
    jepa = JEPATransformer(input_shape=(1000,), max_iter=1, random_state=0).fit(X)
    assert jepa.net_.module_.encoder.grid == (125,)


def test_conv_encoder_is_for_signals_and_images():
    X = np.random.RandomState(0).randn(10, 16)
    with pytest.raises(ValueError, match="encoder='conv' is for signals and images"):
        JEPATransformer(encoder="conv", max_iter=1).fit(X)
    jepa = JEPATransformer(encoder="conv", input_shape=(4, 4), max_iter=1).fit(X)
    assert jepa.config_.grid == (4, 4)


def test_explicit_max_epochs_is_kept():
    X = np.random.RandomState(0).normal(size=(100, 4))
    jepa = JEPATransformer(hidden_size=8, max_iter=3, random_state=0).fit(X)
    assert jepa.n_iter_ == 3 and jepa.config_.max_iter == 3


def test_fit_uses_auto_lr_and_momentum_unless_given():
    X = np.random.RandomState(0).normal(size=(256, 4))
    jepa = JEPATransformer(hidden_size=8, max_iter=5, random_state=0).fit(X)
    schedules = dict(jepa.net_.callbacks_)["ema"]
    assert jepa.config_.learning_rate == pytest.approx(auto_lr(10))
    assert schedules.momentum == auto_momentum(10)
    given = JEPATransformer(
        hidden_size=8,
        max_iter=5,
        learning_rate=5e-4,
        ema_momentum=(0.95, 1.0),
        random_state=0,
    ).fit(X)
    assert given.config_.learning_rate == 5e-4
    assert dict(given.net_.callbacks_)["ema"].momentum == (0.95, 1.0)


def test_config_records_every_resolved_default(X):
    jepa = JEPATransformer(input_shape=(8, 8), max_iter=1, random_state=0).fit(X)
    config = jepa.config_
    assert (config.kind, config.shape, config.encoder) == ("image", (1, 8, 8), "conv")
    assert (config.hidden_size, config.n_layers, config.n_heads) == (32, 3, None)
    assert (config.patch_size, config.grid, config.pooling) == (None, (4, 4), "layers")
    assert (config.embedding_size, config.pooled_width) == (224, 896)
    assert (config.predictor_size, config.predictor_layers) == (112, 3)
    assert isinstance(config.masking, MultiBlockMask)
    assert config.batch_size == 32 and config.steps_per_epoch == 19
    assert config.total_steps == 19 and config.learning_rate == pytest.approx(3e-3)
    # the net is built from the config, not from the parameters again
    assert jepa.net_.lr == config.learning_rate
    assert jepa.net_.max_epochs == config.max_iter
    assert jepa.net_.iterator_train__collate_fn.strategy is config.masking
    with pytest.raises(AttributeError):
        config.batch_size = 1  # frozen


@pytest.mark.parametrize(
    "params, name",
    [
        (dict(input_shape=(8, 8), masking=0.5), "masking"),
        (dict(encoder_params={"n_heads": 2}), "n_heads"),
        (dict(input_shape=(64,), encoder_params={"n_heads": 2}), "n_heads"),
        (
            dict(
                encoder="transformer",
                encoder_params={"n_registers": 2},
                input_shape=(8, 8),
            ),
            "n_registers",
        ),
        (dict(encoder_params={"patch_size": 2}), "patch_size"),
        (dict(input_shape=(8, 8), encoder_params={"stride": 2}), "stride"),
        (dict(pooling="mean"), "pooling"),
    ],
)
def test_parameters_without_effect_warn(X, tiny, params, name):
    with pytest.warns(UserWarning, match=f"{name}=.* has no effect here"):
        JEPATransformer(**{**tiny, "max_iter": 1}, **params).fit(X[:64])


@pytest.mark.parametrize(
    "params",
    [
        dict(),
        dict(
            input_shape=(8, 8),
            encoder="transformer",
            encoder_params={"n_heads": 2, "patch_size": 4},
        ),
        dict(input_shape=(8, 8), pooling="mean"),
        dict(encoder="transformer", encoder_params={"n_registers": 2, "n_heads": 2}),
        dict(input_shape=(64,), encoder_params={"stride": 2}, pooling="mean"),
        dict(masking=0.5),
        dict(early_stopping={"tol": 1e-2, "n_iter_no_change": 3}),
    ],
)
def test_parameters_that_act_do_not_warn(X, tiny, params):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        JEPATransformer(**{**tiny, "max_iter": 1}, **params).fit(X[:64])


@pytest.mark.parametrize(
    "bad", [(0.99,), (0.99, 1.0, 1.0), (1.0, 0.99), (-0.1, 1.0), (0.9, 1.5), ("a", 1)]
)
def test_bad_ema_momentum_is_named_before_training(X, tiny, bad):
    jepa = JEPATransformer(**tiny, ema_momentum=bad)
    with pytest.raises(ValueError, match="ema_momentum must be a pair"):
        jepa.fit(X)
    assert not hasattr(jepa, "net_")


def test_ema_momentum_list_equals_tuple(X, tiny):
    X = X[:300]  # half the shared rows: enough here, and twice as fast
    as_list = JEPATransformer(**tiny, ema_momentum=[0.9, 1.0], random_state=0)
    as_tuple = JEPATransformer(**tiny, ema_momentum=(0.9, 1.0), random_state=0)
    assert_array_equal(as_list.fit_transform(X), as_tuple.fit_transform(X))
    assert as_list.config_.ema_momentum == (0.9, 1.0)


@pytest.mark.parametrize(
    "old, new, value", [("max_epochs", "max_iter", 2), ("lr", "learning_rate", 2e-3)]
)
def test_renamed_parameters_still_work_with_a_future_warning(X, tiny, old, new, value):
    X = X[:300]  # half the shared rows: enough here, and twice as fast
    params = {**tiny, new: None}
    with pytest.warns(FutureWarning, match=f"{old} is deprecated.*use {new}="):
        old_style = JEPATransformer(**params, **{old: value}, random_state=0).fit(X)
    new_style = JEPATransformer(**{**params, new: value}, random_state=0).fit(X)
    assert_array_equal(old_style.transform(X), new_style.transform(X))
    with pytest.raises(ValueError, match=f"not both {new} and {old}"):
        JEPATransformer(**{**tiny, new: value}, **{old: value})


def test_custom_encoder_predictor_sizes_are_recorded(X, tiny):
    X = X[:300]  # half the shared rows: enough here, and twice as fast
    jepa = JEPATransformer(
        n_components=4,
        max_iter=2,
        batch_size=32,
        encoder=TinyEncoder(64),
        random_state=0,
    ).fit(X)
    config = jepa.config_
    assert (config.encoder, config.hidden_size, config.token_output) == (
        "custom",
        6,
        False,
    )
    assert config.predictor_size == 12 and config.pooling is None
    sized = JEPATransformer(
        n_components=4,
        max_iter=2,
        batch_size=32,
        encoder=TinyEncoder(64),
        encoder_params={"predictor_size": 5},
    ).fit(X)
    assert sized.config_.predictor_size == 5


def test_mlp_pooling_last_is_the_03_bottleneck(X, tiny):
    jepa = JEPATransformer(**tiny, pooling="last", random_state=0).fit(X[:64])
    config = jepa.config_
    assert config.pooling is None and config.embedding_size == tiny["n_components"]
    assert not jepa.net_.module_.layered_target and jepa.projection_ is None
    assert jepa.transform(X[:3]).shape == (3, tiny["n_components"])
    # the default: every layer read out, then projected on n_components
    default = JEPATransformer(**tiny, random_state=0).fit(X[:64])
    assert default.config_.pooling == "layers"
    assert default.config_.embedding_size == tiny["hidden_size"]
    assert default.projection_ is not None


@pytest.mark.parametrize("pooling", ["layers", "last"])
def test_mlp_read_outs_are_refused_for_token_encoders(X, tiny, pooling):
    with pytest.raises(ValueError, match="mlp encoder"):
        JEPATransformer(
            **tiny, input_shape=(8, 8), encoder="transformer", pooling=pooling
        ).fit(X[:64])
