"""Behaviour of JEPATransformer as users meet it (issue: core estimator)."""

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
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_jepa import JEPATransformer, effective_rank
from sklearn_jepa.datasets import few_label_indices, make_structure_noise

FAST = dict(n_components=4, hidden_size=32, max_epochs=3, batch_size=32)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


def test_jepa_transform_shape_and_dtype(digits):
    X, _ = digits
    jepa = JEPATransformer(**FAST, random_state=0).fit(X)
    Z = jepa.transform(X)
    assert Z.shape == (400, 4)
    assert Z.dtype == np.float64
    assert np.all(np.isfinite(Z))
    assert jepa.transform(X.astype(np.float32)).dtype == np.float32
    assert list(jepa.get_feature_names_out()) == [
        f"jepatransformer{i}" for i in range(4)
    ]


def test_jepa_fit_transform_equals_fit_then_transform(digits):
    X, _ = digits
    Z1 = JEPATransformer(**FAST, random_state=0).fit_transform(X)
    Z2 = JEPATransformer(**FAST, random_state=0).fit(X).transform(X)
    assert_array_equal(Z1, Z2)


def test_jepa_target_encoder_not_in_optimizer(digits):
    X, _ = digits
    jepa = JEPATransformer(**FAST, random_state=0).fit(X)
    module = jepa.net_.module_
    optimized = {id(p) for g in jepa.net_.optimizer_.param_groups for p in g["params"]}
    assert all(id(p) not in optimized for p in module.target_encoder.parameters())
    assert all(not p.requires_grad for p in module.target_encoder.parameters())
    assert all(id(p) in optimized for p in module.encoder.parameters())
    assert all(id(p) in optimized for p in module.predictor.parameters())


def test_jepa_target_encoder_is_ema_of_online(digits):
    # After training the target encoder differs from its initial copy and
    # from the online encoder: it moved, slowly, towards the online weights.
    X, _ = digits
    jepa = JEPATransformer(**FAST, random_state=0).fit(X)
    module = jepa.net_.module_
    online = torch.cat([p.flatten() for p in module.encoder.parameters()])
    target = torch.cat([p.flatten() for p in module.target_encoder.parameters()])
    init = clone(jepa).set_params(max_epochs=1, lr=1e-12).fit(X)
    start = torch.cat(
        [p.flatten() for p in init.net_.module_.target_encoder.parameters()]
    )
    assert not torch.equal(online, target)
    assert (target - start).norm() < (online - start).norm()


@pytest.mark.parametrize("loss", ["l2", "cosine", "smooth_l1"])
def test_jepa_losses_train(digits, loss):
    X, _ = digits
    jepa = JEPATransformer(**{**FAST, "max_epochs": 5}, loss=loss, random_state=0)
    jepa.fit(X)
    assert jepa.loss_curve_[-1] < jepa.loss_curve_[0]
    assert np.isfinite(jepa.best_loss_)


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
def test_jepa_grid_search(digits, n_jobs):
    X, y = digits
    pipe = Pipeline(
        [
            ("jepa", JEPATransformer(**FAST, random_state=0)),
            ("clf", LogisticRegression(max_iter=300)),
        ]
    )
    grid = {"jepa__n_components": [2, 4], "jepa__loss": ["l2", "cosine"]}
    search = GridSearchCV(pipe, grid, cv=2, n_jobs=n_jobs).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_estimator_.named_steps["jepa"].n_components in (2, 4)


def test_jepa_grid_search_results_do_not_depend_on_n_jobs(digits):
    X, y = digits
    pipe = Pipeline(
        [
            ("jepa", JEPATransformer(**FAST, random_state=0)),
            ("clf", LogisticRegression(max_iter=300)),
        ]
    )
    grid = {"jepa__lr": [1e-3, 3e-3]}
    scores = [
        GridSearchCV(pipe, grid, cv=2, n_jobs=n)
        .fit(X, y)
        .cv_results_["mean_test_score"]
        for n in (1, 2)
    ]
    assert_allclose(scores[0], scores[1])


def test_jepa_clone_keeps_params_and_drops_fit(digits):
    X, _ = digits
    jepa = JEPATransformer(**FAST, loss="cosine", random_state=3).fit(X)
    twin = clone(jepa)
    assert twin.get_params() == jepa.get_params()
    assert not hasattr(twin, "net_")
    assert_array_equal(twin.fit(X).transform(X), jepa.transform(X))


@pytest.mark.parametrize("dumper", ["joblib", "pickle"])
def test_jepa_persistence_gives_identical_transform(digits, tmp_path, dumper):
    X, _ = digits
    jepa = JEPATransformer(**FAST, random_state=0).fit(X)
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


def test_jepa_persistence_in_fresh_process(digits, tmp_path):
    X, _ = digits
    jepa = JEPATransformer(**FAST, random_state=0).fit(X)
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


def test_jepa_same_random_state_is_bit_identical(digits):
    X, _ = digits
    Z1 = JEPATransformer(**FAST, random_state=7).fit_transform(X)
    Z2 = JEPATransformer(**FAST, random_state=7).fit_transform(X)
    Z3 = JEPATransformer(**FAST, random_state=8).fit_transform(X)
    assert_array_equal(Z1, Z2)
    assert not np.allclose(Z1, Z3)


def test_jepa_does_not_touch_global_torch_rng(digits):
    X, _ = digits
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    JEPATransformer(**FAST, random_state=0).fit(X)
    assert torch.equal(torch.rand(3), expected)


def test_jepa_same_random_state_across_processes(digits, tmp_path):
    X, _ = digits
    np.save(tmp_path / "X.npy", X)
    code = f"""
        import numpy as np, torch
        torch.set_num_threads(1)
        from sklearn_jepa import JEPATransformer
        X = np.load({str(tmp_path / "X.npy")!r})
        jepa = JEPATransformer(**{FAST!r}, random_state=11)
        np.save({str(tmp_path)!r} + "/Z_" + str(__import__("os").getpid()) + ".npy",
                jepa.fit_transform(X))
        """
    _run_python(code)
    _run_python(code)
    files = sorted(tmp_path.glob("Z_*.npy"))
    assert len(files) == 2
    assert_array_equal(np.load(files[0]), np.load(files[1]))


def test_jepa_n_threads_is_restored(digits):
    X, _ = digits
    before = torch.get_num_threads()
    JEPATransformer(**FAST, n_threads=2, random_state=0).fit(X)
    assert torch.get_num_threads() == before


# -- bad input --------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted(digits):
    X, _ = digits
    return JEPATransformer(**FAST, random_state=0).fit(X)


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (np.array([[1.0, np.nan], [2.0, 3.0]]), ValueError, "NaN"),
        (np.array([[1.0, np.inf], [2.0, 3.0]]), ValueError, "infinity"),
        (np.array([["1", "b"], ["2", "d"]], dtype=object), ValueError, "column 1"),
        (np.empty((0, 3)), ValueError, "0 sample"),
        (np.empty((3, 0)), ValueError, "0 feature"),
        (np.arange(5.0), ValueError, "Expected 2D array"),
        (sp.csr_matrix(np.eye(3)), TypeError, "Sparse data"),
        (np.ones((1, 3)), ValueError, "1 sample"),
    ],
    ids=["nan", "inf", "strings", "no-rows", "no-columns", "1d", "sparse", "1-row"],
)
def test_jepa_fit_rejects_bad_input(bad, error, match):
    with pytest.raises(error, match=match):
        JEPATransformer(**FAST).fit(bad)


def test_jepa_transform_rejects_bad_input(fitted, digits):
    X, _ = digits
    with pytest.raises(ValueError, match="64 features"):
        fitted.transform(X[:, :10])
    X_nan = X[:5].copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.transform(X_nan)
    with pytest.raises(ValueError, match="0 sample"):
        fitted.transform(X[:0])


def test_jepa_rejects_bad_params(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="n_components"):
        JEPATransformer(n_components=0).fit(X)
    with pytest.raises(ValueError, match="loss"):
        JEPATransformer(loss="mse").fit(X)


def test_jepa_transform_does_not_depend_on_batch_neighbours(fitted, digits):
    X, _ = digits
    Z = fitted.transform(X)
    singles = np.vstack([fitted.transform(X[i : i + 1]) for i in range(0, 400, 7)])
    assert_array_equal(singles, Z[::7])
    assert_array_equal(fitted.transform(X[::-1]), Z[::-1])


def test_jepa_does_not_modify_input(digits):
    X, _ = digits
    X = X.copy()
    before = X.copy()
    jepa = JEPATransformer(**FAST, random_state=0).fit(X)
    jepa.transform(X)
    assert_array_equal(X, before)


def test_jepa_accepts_dataframe(digits):
    pd = pytest.importorskip("pandas")
    X, _ = digits
    df = pd.DataFrame(X, columns=[f"px{i}" for i in range(64)])
    jepa = JEPATransformer(**FAST, random_state=0).fit(df)
    assert_array_equal(jepa.feature_names_in_, df.columns)
    assert_array_equal(jepa.transform(df), jepa.transform(X))


def test_jepa_constant_feature_is_fine():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(100, 5))
    X[:, 2] = 7.0
    Z = JEPATransformer(**FAST, random_state=0).fit_transform(X)
    assert np.all(np.isfinite(Z))


# -- quality -----------------------------------------------------------------


def _few_label_accuracy(Z_train, y_train, Z_test, y_test, per_class, seed):
    idx = few_label_indices(y_train, per_class, random_state=seed)
    clf = LogisticRegression(max_iter=2000).fit(Z_train[idx], y_train[idx])
    return clf.score(Z_test, y_test)


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
                _few_label_accuracy(Z_train, y_train, Z_test, y_test, 10, seed)
                for seed in range(3)
            ]
        )
    assert scores["jepa"] > scores["pca"] + 0.10, scores
    Z = jepa.transform(X_test)
    # no collapse: every dimension varies and several directions are used
    assert Z.std(axis=0).min() > 1e-2 * np.sqrt(np.mean(Z**2))
    assert effective_rank(Z) > 3
