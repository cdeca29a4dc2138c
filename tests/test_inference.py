"""Embeddings and the predictability score (sklearn_jepa.engine._inference)."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV

from sklearn_jepa import (
    FeatureMask,
    JEPATransformer,
)
from sklearn_jepa.engine._inference import embed, eval_mode, predictability
from sklearn_jepa.nn._masks import MaskCollator


def test_score_is_predictability_and_drives_grid_search(fast, X):

    barely = JEPATransformer(
        **{**fast, "max_iter": 1}, learning_rate=1e-6, random_state=0
    )
    trained = JEPATransformer(**{**fast, "max_iter": 30}, random_state=0)
    low, high = barely.fit(X).score(X), trained.fit(X).score(X)
    assert high <= 1.0
    # R^2 on the MLP's layered target (every layer, each normalised): 0.6
    # after 30 epochs, about -4 untrained (0.3's last-layer target: -12)
    assert low < high - 3, (low, high)
    search = GridSearchCV(
        JEPATransformer(**fast, random_state=0), {"max_iter": [1, 20]}, cv=2
    ).fit(X)
    assert search.best_params_ == {"max_iter": 20}


def test_score_rejects_bad_input(fast, X):
    jepa = JEPATransformer(**fast, random_state=0).fit(X)
    with pytest.raises(ValueError, match="64 features"):
        jepa.score(X[:, :5])


def test_score_works_for_token_models(X):
    jepa = JEPATransformer(
        4, input_shape=(8, 8), hidden_size=16, n_layers=1, max_iter=2, random_state=0
    ).fit(X)
    assert np.isfinite(jepa.score(X)) and jepa.score(X) <= 1.0


def test_jepa_transform_does_not_depend_on_batch_neighbours(fitted, digits):
    X, _ = digits
    Z = fitted.transform(X)
    singles = np.vstack([fitted.transform(X[i : i + 1]) for i in range(0, 400, 7)])
    assert_array_equal(singles, Z[::7])
    assert_array_equal(fitted.transform(X[::-1]), Z[::-1])


class _Fixed(torch.nn.Module):
    """A 'net' whose target encoder returns fixed token embeddings."""

    def __init__(self, tokens):
        super().__init__()
        self.tokens = tokens

    def encode(self, x, layers=False):
        # the rows hold their own index (padding rows are zeros); every
        # series runs to the last token
        return self.tokens[x[:, 0].long()], None


class _Net:
    def __init__(self, module):
        self.module_, self.device = module, "cpu"


@pytest.mark.parametrize("pooling", ["mean", "max", "flatten"])
def test_embed_pools_tokens(pooling):
    tokens = torch.randn(5, 3, 4, generator=torch.Generator().manual_seed(0))
    expected = {
        "mean": tokens.mean(1),
        "max": tokens.amax(1),
        "flatten": tokens.flatten(1),
    }[pooling]
    Z = embed(_Net(_Fixed(tokens)), np.arange(5, dtype=np.float32)[:, None], 2, pooling)
    assert Z.dtype == np.float64
    assert_allclose(Z, expected.double().numpy(), rtol=1e-6)


def test_pool_over_valid_tokens_ignores_the_steps_after_each_end():
    from sklearn_jepa.engine._inference import pool

    z = torch.randn(2, 6, 3, generator=torch.Generator().manual_seed(0))
    valid = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])
    z_changed = z.clone()
    z_changed[1, 4:] = 1e6  # after the end of series 1
    for pooling, reduce in (("mean", torch.mean), ("max", torch.amax)):
        got = pool(z_changed, pooling, valid)
        assert_allclose(got[0].numpy(), reduce(z[0], dim=0).numpy(), rtol=1e-6)
        assert_allclose(got[1].numpy(), reduce(z[1, :4], dim=0).numpy(), rtol=1e-6)


def test_eval_mode_restores_the_previous_mode():
    module = torch.nn.Dropout().train()
    with eval_mode(module):
        assert not module.training
    assert module.training


def test_predictability_is_one_for_a_perfect_predictor_and_low_for_noise():
    class Oracle(torch.nn.Module):
        def __init__(self, noise):
            super().__init__()
            self.noise = noise

        def forward(self, x, context_mask, target_mask):
            target = x[..., None].repeat(1, 1, 4) * torch.arange(1.0, 5.0)
            prediction = target + self.noise * torch.randn_like(target)
            return prediction, target, target_mask

    x = np.random.RandomState(0).normal(size=(64, 6)).astype(np.float32)
    masks = MaskCollator(FeatureMask(0.5), (6,), 0)
    perfect = predictability(_Net(Oracle(0.0)), [x[:32], x[32:]], masks)
    masks.reset()
    noisy = predictability(_Net(Oracle(10.0)), [x[:32], x[32:]], masks)
    assert perfect == pytest.approx(1.0)
    assert noisy < 0
