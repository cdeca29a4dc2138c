"""JEPATransformer as users meet it: API, persistence, reproducibility, bad input."""

import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_jepa import (
    JEPATransformer,
    effective_rank,
)
from sklearn_jepa.datasets import few_label_accuracy, make_structure_noise


def test_jepa_transform_shape_and_dtype(small, digits):
    X, _ = digits
    jepa = JEPATransformer(**small, random_state=0).fit(X)
    Z = jepa.transform(X)
    assert Z.shape == (400, 4)
    assert Z.dtype == np.float64
    assert np.all(np.isfinite(Z))
    assert jepa.transform(X.astype(np.float32)).dtype == np.float32
    assert list(jepa.get_feature_names_out()) == [
        f"jepatransformer{i}" for i in range(4)
    ]


def test_jepa_fit_transform_equals_fit_then_transform(small, digits):
    X, _ = digits
    Z1 = JEPATransformer(**small, random_state=0).fit_transform(X)
    Z2 = JEPATransformer(**small, random_state=0).fit(X).transform(X)
    assert_array_equal(Z1, Z2)


def test_jepa_in_pipeline(digits):
    X, y = digits
    pipe = Pipeline(
        [
            ("jepa", JEPATransformer(n_components=8, random_state=0)),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )
    pipe.fit(X[:300], y[:300])
    # 10 classes: chance is 0.1
    assert pipe.score(X[300:], y[300:]) > 0.5


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_jepa_grid_search(small, digits, n_jobs):
    X, y = digits
    pipe = Pipeline(
        [
            ("jepa", JEPATransformer(**small, random_state=0)),
            ("clf", LogisticRegression(max_iter=300)),
        ]
    )
    grid = {"jepa__n_components": [2, 4], "jepa__loss": ["l2", "cosine"]}
    search = GridSearchCV(pipe, grid, cv=2, n_jobs=n_jobs).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    # the parameters reach the fits: 2 and 4 components score differently
    assert len(np.unique(np.round(scores, 6))) > 1
    best = search.best_estimator_.named_steps["jepa"]
    assert best.n_components_ == search.best_params_["jepa__n_components"]
    assert best.transform(X[:3]).shape == (3, best.n_components_)
    assert scores[search.best_index_] == scores.max()


def test_jepa_grid_search_results_do_not_depend_on_n_jobs(small, digits):
    X, y = digits
    pipe = Pipeline(
        [
            ("jepa", JEPATransformer(**small, random_state=0)),
            ("clf", LogisticRegression(max_iter=300)),
        ]
    )
    grid = {"jepa__learning_rate": [1e-3, 3e-3]}
    scores = [
        GridSearchCV(pipe, grid, cv=2, n_jobs=n)
        .fit(X, y)
        .cv_results_["mean_test_score"]
        for n in (1, 2)
    ]
    assert_allclose(scores[0], scores[1])


def test_jepa_clone_keeps_params_and_drops_fit(small, digits):
    X, _ = digits
    jepa = JEPATransformer(**small, loss="cosine", random_state=3).fit(X)
    twin = clone(jepa)
    assert twin.get_params() == jepa.get_params()
    assert not hasattr(twin, "net_")
    assert_array_equal(twin.fit(X).transform(X), jepa.transform(X))


@pytest.mark.parametrize("dumper", ["joblib", "pickle"])
def test_jepa_persistence_gives_identical_transform(small, digits, tmp_path, dumper):
    X, _ = digits
    jepa = JEPATransformer(**small, random_state=0).fit(X)
    path = tmp_path / "jepa.bin"
    if dumper == "joblib":
        joblib.dump(jepa, path)
        loaded = joblib.load(path)
    else:
        path.write_bytes(pickle.dumps(jepa))
        loaded = pickle.loads(path.read_bytes())
    assert_array_equal(loaded.transform(X), jepa.transform(X))


def _run_python(code):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_jepa_persistence_in_fresh_process(small, digits, tmp_path):
    X, _ = digits
    jepa = JEPATransformer(**small, random_state=0).fit(X)
    joblib.dump(jepa, tmp_path / "jepa.joblib")
    np.save(tmp_path / "X.npy", X)
    _run_python(
        f"""
        import joblib, numpy as np
        jepa = joblib.load({str(tmp_path / "jepa.joblib")!r})
        X = np.load({str(tmp_path / "X.npy")!r})
        np.save({str(tmp_path / "Z.npy")!r}, jepa.transform(X))
        """
    )
    assert_array_equal(np.load(tmp_path / "Z.npy"), jepa.transform(X))


def test_jepa_same_random_state_is_bit_identical(small, digits):
    X, _ = digits
    Z1 = JEPATransformer(**small, random_state=7).fit_transform(X)
    Z2 = JEPATransformer(**small, random_state=7).fit_transform(X)
    Z3 = JEPATransformer(**small, random_state=8).fit_transform(X)
    assert_array_equal(Z1, Z2)
    assert not np.allclose(Z1, Z3)


def test_jepa_does_not_touch_global_torch_rng(small, digits):
    X, _ = digits
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    JEPATransformer(**small, random_state=0).fit(X)
    assert torch.equal(torch.rand(3), expected)


def test_jepa_same_random_state_across_processes(small, digits, tmp_path):
    # a fresh interpreter (its own torch RNG, hash seed and thread pools)
    # gives the same embedding as this process
    X, _ = digits
    np.save(tmp_path / "X.npy", X)
    _run_python(
        f"""
        import numpy as np, torch
        torch.set_num_threads(1)
        from sklearn_jepa import JEPATransformer
        X = np.load({str(tmp_path / "X.npy")!r})
        jepa = JEPATransformer(**{small!r}, random_state=11)
        np.save({str(tmp_path / "Z.npy")!r}, jepa.fit_transform(X))
        """
    )
    here = JEPATransformer(**small, random_state=11).fit_transform(X)
    assert_array_equal(np.load(tmp_path / "Z.npy"), here)


def test_jepa_n_threads_is_restored(small, digits):
    X, _ = digits
    before = torch.get_num_threads()
    JEPATransformer(**small, n_threads=2, random_state=0).fit(X)
    assert torch.get_num_threads() == before


def _nested_cells():
    cells = np.empty((2, 2), dtype=object)
    cells[:, 0] = [1.0, 2.0]
    cells[0, 1], cells[1, 1] = [1, 2], [3]
    return cells


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (np.array([[np.nan, np.nan], [2.0, 3.0]]), ValueError, "no observed value"),
        (np.array([[1.0, np.inf], [2.0, 3.0]]), ValueError, "infinity"),
        (_nested_cells(), TypeError, "Column 1 holds nested values"),
        (np.empty((0, 3)), ValueError, "0 sample"),
        (np.empty((3, 0)), ValueError, "0 feature"),
        (np.arange(5.0), ValueError, "Expected 2D array"),
        (sp.csr_matrix(np.eye(3)), TypeError, "Sparse data"),
        (np.ones((1, 3)), ValueError, "1 sample"),
    ],
    ids=[
        "all-nan-row",
        "inf",
        "nested",
        "no-rows",
        "no-columns",
        "1d",
        "sparse",
        "1-row",
    ],
)
def test_jepa_fit_rejects_bad_input(small, bad, error, match):
    with pytest.raises(error, match=match):
        JEPATransformer(**small).fit(bad)


def test_jepa_transform_rejects_bad_input(fitted, digits):
    X, _ = digits
    with pytest.raises(ValueError, match="64 features"):
        fitted.transform(X[:, :10])
    X_nan = X[:5].copy()
    X_nan[0] = np.nan  # NaN are hidden features; a row of only NaN is an error
    with pytest.raises(ValueError, match="no observed value"):
        fitted.transform(X_nan)
    with pytest.raises(ValueError, match="0 sample"):
        fitted.transform(X[:0])


def test_jepa_rejects_bad_params(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="n_components"):
        JEPATransformer(n_components=0).fit(X)
    with pytest.raises(ValueError, match="loss"):
        JEPATransformer(loss="mse").fit(X)


def test_jepa_does_not_modify_input(small, digits):
    X, _ = digits
    X = X.copy()
    before = X.copy()
    jepa = JEPATransformer(**small, random_state=0).fit(X)
    jepa.transform(X)
    assert_array_equal(X, before)


def test_jepa_accepts_dataframe(small, digits):
    pd = pytest.importorskip("pandas")
    X, _ = digits
    df = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
    jepa = JEPATransformer(**small, random_state=0).fit(df)
    assert_array_equal(jepa.feature_names_in_, df.columns)
    assert_array_equal(jepa.transform(df), jepa.transform(X))


def test_jepa_constant_feature_is_fine(small):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 5))
    X[:, 2] = 7.0
    Z = JEPATransformer(**small, random_state=0).fit_transform(X)
    assert np.all(np.isfinite(Z))


@pytest.mark.slow
def test_jepa_beats_pca_on_structure_plus_noise():
    X, y, _ = make_structure_noise(3000, random_state=0)
    X_train, y_train, X_test, y_test = X[:2000], y[:2000], X[2000:], y[2000:]
    jepa = JEPATransformer(n_components=16, random_state=0).fit(X_train)
    pca = PCA(n_components=16, random_state=0).fit(X_train)
    scores = {}
    for name, model in [("jepa", jepa), ("pca", pca)]:
        Z_train, Z_test = model.transform(X_train), model.transform(X_test)
        scores[name] = np.mean(
            [
                few_label_accuracy(
                    Z_train, y_train, Z_test, y_test, 10, random_state=seed
                )
                for seed in range(3)
            ]
        )
    assert scores["jepa"] > scores["pca"] + 0.10, scores
    Z = jepa.transform(X_test)
    # no collapse: every dimension varies and several directions are used
    assert Z.std(axis=0).min() > 1e-2 * np.sqrt(np.mean(Z**2))
    assert effective_rank(Z) > 3


def test_images_and_signals_are_standardised_per_channel(tiny, digits):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 2 * 3 * 4))
    X[:, :12] = 5.0 + 3.0 * X[:, :12]  # channel 0: mean 5, std 3
    X[:, 12:] *= 0.5
    X[:, 0] = 0.0  # a constant pixel must not get its own scale
    jepa = JEPATransformer(**tiny, input_shape=(2, 3, 4), random_state=0).fit(X)
    for channel in (slice(0, 12), slice(12, 24)):
        assert np.ptp(jepa.mean_[channel]) == 0 and np.ptp(jepa.scale_[channel]) == 0
    assert jepa.mean_[0] == pytest.approx(X[:, :12].mean())
    assert jepa.scale_[0] == pytest.approx(X[:, :12].std())
    assert jepa.scale_[12] == pytest.approx(X[:, 12:].std())
    # digits: the rarely inked border pixels keep their scale (no 40-sigma values)
    images, _ = digits
    jepa = JEPATransformer(**tiny, input_shape=(8, 8), random_state=0).fit(images)
    assert np.abs(jepa._state.standardize(images)).max() < 5
    table = JEPATransformer(**tiny, random_state=0).fit(X)
    assert np.ptp(table.scale_[12:]) > 0  # tables stay per feature


@pytest.mark.skipif(torch.cuda.is_available(), reason="simulates a CPU-only host")
def test_gpu_trained_model_loads_on_cpu_only_host(small, X):
    # A net saved with device="cuda" is mapped to the CPU on a host without
    # CUDA (skorch's __setstate__); simulate by marking a CPU net as CUDA.
    jepa = JEPATransformer(**small, random_state=0).fit(X)
    expected = jepa.transform(X)
    jepa.net_.device = "cuda"
    with pytest.warns(Warning, match="CUDA"):
        loaded = pickle.loads(pickle.dumps(jepa))
    assert str(loaded.net_.device) == "cpu"
    assert_array_equal(loaded.transform(X), expected)


def test_3d_collections_equal_flattened_rows_with_input_shape():
    rng = np.random.RandomState(0)
    X = np.cumsum(rng.normal(size=(60, 2, 24)), axis=2)
    params = dict(hidden_size=8, n_layers=2, max_iter=2, random_state=0)
    cube = JEPATransformer(**params).fit(X)
    rows = JEPATransformer(input_shape=(2, 24), input_kind="signal", **params)
    rows.fit(X.reshape(60, -1))
    assert cube.config_.kind == "signal" and cube.config_.shape == (2, 24)
    assert cube.collection_shape_ == (2, 24) and rows.collection_shape_ is None
    assert_array_equal(cube.transform(X), rows.transform(X.reshape(60, -1)))
    assert_array_equal(cube.transform(X), cube.transform(X.reshape(60, -1)))
    with pytest.raises(ValueError, match=r"series of shape \(2, 20\)"):
        cube.transform(X[:, :, :20])
    with pytest.raises(ValueError, match="leave input_shape=None"):
        JEPATransformer(input_shape=(48,), **params).fit(X)


def test_3d_collections_in_a_pipeline_and_cross_validation():
    from sklearn.model_selection import cross_val_score

    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 30)
    t = np.linspace(0, 6, 32)
    X = np.sin(t[None, None, :] * (1 + y[:, None, None])) + 0.1 * rng.normal(
        size=(60, 1, 32)
    )
    pipe = Pipeline(
        [
            ("jepa", JEPATransformer(hidden_size=8, max_iter=2, random_state=0)),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.8


def test_fit_hold_out_gap_leaves_rows_before_the_held_out_end(monkeypatch):
    from sklearn_jepa.engine import _state

    seen = {}
    real_split = _state.split

    def spy(config, rng, n_samples, groups=None, gap=0):
        seen["gap"] = gap
        return real_split(config, rng, n_samples, groups, gap)

    monkeypatch.setattr(_state, "split", spy)
    X = np.random.RandomState(0).randn(200, 6)
    jepa = JEPATransformer(max_iter=1, early_stopping=True, random_state=0)
    jepa.fit(X, groups=np.zeros(200), hold_out_gap=4)
    assert seen["gap"] == 4
    with pytest.raises(ValueError, match="hold_out_gap must be a non-negative"):
        jepa.fit(X, hold_out_gap=-1)


def test_score_parts_equals_score_of_the_whole():
    X = np.random.RandomState(0).randn(300, 8)
    jepa = JEPATransformer(max_iter=1, batch_size=64, random_state=0).fit(X)
    parts = [X[:128], X[128:192], X[192:]]  # whole batches but the last
    assert jepa.score_parts(iter(parts)) == jepa.score(X)
    with pytest.raises(ValueError, match="features"):
        jepa.score_parts([X[:, :3]])
