"""Searches on Ray's joblib backend (optional: skipped without ray, not in CI)."""

import joblib
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_jepa import JEPATransformer

ray = pytest.importorskip("ray")


def test_grid_search_on_ray_matches_one_process(small, digits):
    from ray.util.joblib import register_ray

    X, y = digits
    pipe = make_pipeline(
        JEPATransformer(**small, random_state=0), LogisticRegression(max_iter=300)
    )
    grid = {"jepatransformer__learning_rate": [1e-3, 3e-3]}
    local = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    register_ray()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with joblib.parallel_backend("ray"):
            remote = GridSearchCV(pipe, grid, cv=2, n_jobs=2).fit(X, y)
    finally:
        ray.shutdown()
    assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
