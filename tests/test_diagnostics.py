"""Collapse diagnostics (sklearn_jepa.engine._diagnostics) and CollapseWarning."""

import warnings

import numpy as np
import pytest

from sklearn_jepa import (
    CollapseWarning,
    JEPATransformer,
)
from sklearn_jepa.engine._diagnostics import embedding_stats, is_collapsed


def test_healthy_fit_does_not_warn(X):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollapseWarning)
        jepa = JEPATransformer(n_components=8, max_iter=20, random_state=0).fit(X)
    assert jepa.history_[-1, "effective_rank"] > 3


def test_huge_learning_rate_collapses_and_warns(X):
    with pytest.warns(CollapseWarning, match="collapsed"):
        jepa = JEPATransformer(
            n_components=8, max_iter=20, learning_rate=1.0, random_state=0
        )
        jepa.fit(X)
    assert jepa.history_[-1, "std_median"] < 1e-2


def test_embedding_stats_of_healthy_and_collapsed_embeddings():
    rng = np.random.RandomState(0)
    healthy = embedding_stats(rng.normal(size=(300, 8)))
    assert healthy["effective_rank"] == pytest.approx(8, rel=0.05)
    assert healthy["dead_fraction"] == 0 and not is_collapsed(healthy)
    constant = embedding_stats(np.ones((300, 8)) + 1e-9 * rng.normal(size=(300, 8)))
    assert is_collapsed(constant) and constant["dead_fraction"] == 1
    line = rng.normal(size=(300, 1)) @ rng.normal(size=(1, 8))
    assert is_collapsed(embedding_stats(line))  # rank one


def test_collapse_is_judged_on_what_transform_returns(X, monkeypatch):
    # An embedding that collapses only after the projection must warn: the
    # warning looks at the projected output, not at the pooled tokens.
    import sklearn_jepa.engine._inference as module

    def collapsed(Z, projection):
        return Z if projection is None else np.ones((len(Z), 4))

    monkeypatch.setattr(module, "project", collapsed)
    with pytest.warns(CollapseWarning, match="collapsed"):
        JEPATransformer(
            4,
            input_shape=(8, 8),
            encoder="transformer",
            hidden_size=16,
            n_layers=1,
            max_iter=1,
            random_state=0,
        ).fit(X)
