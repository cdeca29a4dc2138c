"""Searches, transforms and streaming on dask (optional: skipped without dask)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_jepa import JEPATransformer, transform_dask

da = pytest.importorskip("dask.array")


def test_transform_dask_is_lazy_with_the_right_shape_and_dtype(fitted, digits):
    X, _ = digits
    lazy = transform_dask(fitted, da.from_array(X, chunks=(128, 16)))
    assert lazy.shape == (len(X), fitted.n_components_)
    assert lazy.dtype == np.float64
    assert lazy.chunks[1] == (fitted.n_components_,)
    assert_array_equal(lazy.compute(), fitted.transform(X))
    as32 = transform_dask(fitted, da.from_array(X.astype(np.float32), chunks=100))
    assert as32.dtype == np.float32 and as32.compute().dtype == np.float32


def test_grid_search_on_a_dask_cluster_matches_one_process(small, digits):
    distributed = pytest.importorskip("distributed")
    import joblib
    import torch

    X, y = digits
    pipe = make_pipeline(
        JEPATransformer(**small, random_state=0), LogisticRegression(max_iter=300)
    )
    grid = {"jepatransformer__learning_rate": [1e-3, 3e-3]}
    local = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        before = client.run(torch.get_num_threads)
        with joblib.parallel_backend("dask"):
            remote = GridSearchCV(pipe, grid, cv=2, n_jobs=-1).fit(X, y)
        # each fit sets its own thread count and restores the worker's
        assert client.run(torch.get_num_threads) == before
    assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert remote.best_params_ == local.best_params_


def test_partial_fit_streams_a_dask_array_with_incremental(small, X):
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X_lazy = da.from_array(X, chunks=(200, 64))  # three blocks of rows
    # dask-ml shuffles the blocks by default; in order here, to compare
    incremental = wrappers.Incremental(
        JEPATransformer(**small, random_state=0), shuffle_blocks=False
    )
    incremental.fit(X_lazy)
    jepa = incremental.estimator_
    assert jepa.n_iter_ == 3  # one pass per block
    # the same passes by hand, block after block
    by_hand = JEPATransformer(**small, random_state=0)
    for start in range(0, len(X), 200):
        by_hand.partial_fit(X[start : start + 200])
    assert_array_equal(jepa.transform(X), by_hand.transform(X))
