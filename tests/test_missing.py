"""Missing values (NaN) read as hidden features, never as numbers."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_jepa import FeatureMask, JEPATransformer
from sklearn_jepa.nn._masks import MaskCollator, MissingTokens

KINDS = {
    "table-mlp": dict(),
    "feature-tokens": dict(encoder="transformer", encoder_params={"n_heads": 2}),
    "image": dict(input_shape=(8, 8)),
    "image-transformer": dict(
        input_shape=(8, 8), encoder="transformer", encoder_params={"n_heads": 2}
    ),
    "signal-conv": dict(input_shape=(64,)),
    "signal-transformer": dict(
        input_shape=(64,), encoder="transformer", encoder_params={"n_heads": 2}
    ),
}


def _with_nan(X, rate, seed=0):
    X = X.astype(np.float64, copy=True)
    X[np.random.RandomState(seed).random_sample(X.shape) < rate] = np.nan
    return X


@pytest.mark.parametrize("params", list(KINDS.values()), ids=list(KINDS))
def test_fit_and_transform_with_missing_values(params, tiny, X):
    X_nan = _with_nan(X[:200], 0.3)
    jepa = JEPATransformer(**tiny, **params, random_state=0).fit(X_nan)
    Z = jepa.transform(X_nan)
    assert Z.shape == (200, 4) and np.all(np.isfinite(Z))
    assert np.isfinite(jepa.score(X_nan))
    assert np.all(np.isfinite(jepa.history_[:, "train_loss"]))
    twin = JEPATransformer(**tiny, **params, random_state=0).fit(X_nan)
    assert_array_equal(twin.transform(X_nan), Z)


@pytest.mark.parametrize("params", list(KINDS.values()), ids=list(KINDS))
def test_a_missing_value_is_not_a_zero(params, tiny, X):
    jepa = JEPATransformer(**tiny, **params, random_state=0).fit(X[:200])
    module = jepa.net_.module_
    row = jepa._state.standardize(X[:1].astype(np.float64))
    hidden, zero = row.copy(), row.copy()
    hidden[0, 10], zero[0, 10] = np.nan, 0.0  # zero: the feature's mean
    with torch.no_grad():
        z_hidden = module.embed(torch.from_numpy(hidden))
        z_zero = module.embed(torch.from_numpy(zero))
        other = hidden.copy()
        other[0, 40] += 3.0
        z_other = module.embed(torch.from_numpy(other))
    assert torch.isfinite(z_hidden).all()
    assert not torch.allclose(z_hidden, z_zero)
    # and the rest of the row still counts
    assert not torch.allclose(z_hidden, z_other)


def test_complete_rows_embed_as_before(tiny, X):
    jepa = JEPATransformer(**tiny, random_state=0).fit(X[:200])
    # a complete row embeds the same whether or not other rows miss values
    mixed = X[:64].astype(np.float64)
    mixed[:32] = _with_nan(X[:32], 0.2)
    complete = ~np.isnan(mixed).any(axis=1)
    assert complete.sum() == 32
    assert_allclose(
        jepa.transform(mixed)[complete], jepa.transform(X[:64])[complete], atol=1e-12
    )


def test_missing_tokens_are_never_context_or_target():
    nan = torch.zeros(16, 6, dtype=torch.bool)
    nan[:, 2] = True
    nan[::2, 4] = True
    x = torch.randn(16, 6).masked_fill(nan, float("nan"))
    collate = MaskCollator(FeatureMask(0.5), (6,), 0, MissingTokens((1, 6), (6,)))
    batch, _ = collate(x)
    assert not torch.isnan(batch["x"]).any()
    assert torch.equal(batch["observed"], ~nan)
    assert not (batch["context_mask"] & nan).any()
    assert not (batch["target_mask"] & nan).any()
    # complete batches are left as they were
    plain, _ = collate(torch.randn(16, 6))
    assert "observed" not in plain


def test_missing_tokens_of_patches_and_steps():
    nan = torch.zeros(1, 2 * 10, dtype=torch.bool)
    nan[0, 13] = True  # channel 1, step 3
    assert MissingTokens((2, 10), (5,))(nan).tolist() == [
        [False, True, False, False, False]
    ]
    assert MissingTokens((2, 10), (10,))(nan)[0].nonzero().flatten().tolist() == [3]
    with pytest.raises(ValueError, match="token grid"):
        MissingTokens((1, 8, 8), (64,))(torch.zeros(1, 64, dtype=torch.bool))


def test_inf_and_empty_rows_are_still_rejected(tiny, X):
    X_inf = X[:50].astype(float)
    X_inf[3, 3] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        JEPATransformer(**tiny).fit(X_inf)
    X_empty = X[:50].astype(float)
    X_empty[[4, 7]] = np.nan
    with pytest.raises(ValueError, match="Rows 4, 7 of X have no observed value"):
        JEPATransformer(**tiny).fit(X_empty)
    fitted = JEPATransformer(**tiny).fit(X[:50])
    with pytest.raises(ValueError, match="no observed value"):
        fitted.transform(X_empty)


def test_a_feature_never_observed_gets_a_neutral_scale(tiny, X):
    X_nan = X[:100].astype(float)
    X_nan[:, 5] = np.nan
    jepa = JEPATransformer(**tiny, random_state=0).fit(X_nan)
    assert jepa.mean_[5] == 0 and jepa.scale_[5] == 1
    assert np.all(np.isfinite(jepa.transform(X_nan)))
