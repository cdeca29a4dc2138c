"""Persistence without torch pickles (sklearn_jepa._persistence), skops, save/load."""

import pickle
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from _custom_parts import TinyEncoder
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_jepa import FeatureMask, JEPATransformer, ModelVersionWarning, load, save

KINDS = {
    "table": dict(),
    "feature-tokens": dict(encoder="transformer", encoder_params={"n_heads": 2}),
    "image": dict(input_shape=(8, 8)),
    "image-transformer": dict(
        input_shape=(8, 8), encoder="transformer", encoder_params={"n_heads": 2}
    ),
    "signal": dict(input_shape=(64,)),
}


@pytest.fixture(params=list(KINDS), ids=list(KINDS))
def fitted_kind(request, tiny, X):
    params = {**tiny, **KINDS[request.param]}
    return JEPATransformer(**params, random_state=0).fit(X[:200]), X[:200]


def test_pickle_holds_no_skorch_net_and_training_continues_identically(fitted_kind):
    jepa, X = fitted_kind
    blob = pickle.dumps(jepa)
    assert b"skorch.net" not in blob and b"JEPANet" not in blob
    loaded = pickle.loads(blob)
    assert_array_equal(loaded.transform(X), jepa.transform(X))
    assert loaded.history_[:, "train_loss"] == jepa.history_[:, "train_loss"]
    assert loaded.config_ == jepa.config_
    # weights, optimizer moments, schedules and generators all came back:
    # one more pass gives bit-identical results
    jepa.partial_fit(X)
    loaded.partial_fit(X)
    assert_array_equal(loaded.transform(X), jepa.transform(X))


def test_save_and_load_round_trip(fitted_kind, tmp_path):
    jepa, X = fitted_kind
    path = tmp_path / "jepa.pt"
    save(jepa, path)
    # only strings and tensors: torch's weights-only unpickler accepts it
    payload = torch.load(path, weights_only=True)
    assert payload["format"] == "sklearn-jepa"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load(path)
    assert_array_equal(loaded.transform(X), jepa.transform(X))
    assert loaded.get_params() == jepa.get_params()
    assert loaded.config_ == jepa.config_
    assert loaded.n_iter_ == jepa.n_iter_
    jepa.partial_fit(X)
    loaded.partial_fit(X)
    assert_array_equal(loaded.transform(X), jepa.transform(X))


def test_loading_leaves_the_global_torch_generator_alone(fitted_kind, tmp_path):
    jepa, _ = fitted_kind
    save(jepa, tmp_path / "jepa.pt")
    blob = pickle.dumps(jepa)
    torch.manual_seed(3)
    expected = torch.rand(2)
    torch.manual_seed(3)
    load(tmp_path / "jepa.pt")
    pickle.loads(blob)
    assert torch.equal(torch.rand(2), expected)


def test_save_refuses_what_it_cannot_write_without_pickles(tiny, X, tmp_path):
    custom = JEPATransformer(n_components=4, max_iter=1, encoder=TinyEncoder(64))
    with pytest.raises(TypeError, match="custom encoders"):
        save(custom.fit(X), tmp_path / "custom.pt")
    with pytest.raises(Exception, match="not fitted"):
        save(JEPATransformer(), tmp_path / "unfitted.pt")


def test_files_from_other_versions_warn(fitted_kind, tmp_path):
    jepa, X = fitted_kind
    path = tmp_path / "jepa.pt"
    save(jepa, path)
    payload = torch.load(path, weights_only=True)
    payload["versions"] = payload["versions"].replace(
        '"torch": "', '"torch": "1.0-other-'
    )
    torch.save(payload, path)
    with pytest.warns(ModelVersionWarning, match="saved with torch 1.0-other"):
        loaded = load(path)
    assert_array_equal(loaded.transform(X), jepa.transform(X))
    state = jepa.__getstate__()
    state["_sklearn_jepa_version"] = "0.0.1"
    twin = JEPATransformer.__new__(JEPATransformer)
    with pytest.warns(ModelVersionWarning, match="sklearn-jepa 0.0.1"):
        twin.__setstate__(state)


def test_load_rejects_other_files(tmp_path):
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not an sklearn-jepa model file"):
        load(tmp_path / "other.pt")


def test_joblib_round_trip_of_a_pipeline(fitted_kind, digits, tmp_path):
    X, y = digits
    pipe = make_pipeline(
        JEPATransformer(4, hidden_size=16, max_iter=1, random_state=0),
        LogisticRegression(max_iter=200),
    ).fit(X, y)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    assert_array_equal(
        joblib.load(tmp_path / "pipe.joblib").predict_proba(X), pipe.predict_proba(X)
    )


SKOPS_TRUSTED = [
    "sklearn_jepa._estimator.JEPATransformer",
    "sklearn_jepa.configuration._config.JEPAConfig",
    "sklearn_jepa.nn._masks.FeatureMask",
]


def test_skops_round_trip_with_a_short_trusted_list(digits, tmp_path):
    sio = pytest.importorskip("skops.io")
    X, y = digits
    pipe = make_pipeline(
        JEPATransformer(4, hidden_size=16, max_iter=1, random_state=0),
        LogisticRegression(max_iter=200),
    ).fit(X, y)
    path = tmp_path / "pipe.skops"
    sio.dump(pipe, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert sorted(untrusted) == SKOPS_TRUSTED
    loaded = sio.load(path, trusted=untrusted)
    assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    assert_array_equal(loaded[0].transform(X), pipe[0].transform(X))


@pytest.mark.parametrize("kind", ["image", "signal"])
def test_skops_trusted_list_per_data_kind(kind, tiny, X, tmp_path):
    sio = pytest.importorskip("skops.io")
    jepa = JEPATransformer(**tiny, **KINDS[kind], random_state=0).fit(X[:100])
    path = tmp_path / "jepa.skops"
    sio.dump(jepa, path)
    untrusted = sio.get_untrusted_types(file=path)
    mask = {"image": "MultiBlockMask", "signal": "SpanMask"}[kind]
    assert f"sklearn_jepa.nn._masks.{mask}" in untrusted and len(untrusted) == 3
    loaded = sio.load(path, trusted=untrusted)
    assert_array_equal(loaded.transform(X[:100]), jepa.transform(X[:100]))


DATA = Path(__file__).parent / "data"


def test_models_saved_by_0_2_load_transform_and_train(digits):
    # written by sklearn-jepa 0.2.0 (commit 513da21): JEPATransformer(4,
    # hidden_size=16, max_iter=2, random_state=0) fitted on load_digits
    X, _ = digits
    expected = np.load(DATA / "jepa_0_2_transform.npy")
    with pytest.warns(ModelVersionWarning, match="sklearn-jepa 0.2.0"):
        from_file = load(DATA / "jepa_0_2.pt")
    with pytest.warns(ModelVersionWarning, match="sklearn-jepa 0.2.0"):
        with open(DATA / "jepa_0_2.pkl", "rb") as f:
            from_pickle = pickle.load(f)
    for jepa in (from_file, from_pickle):
        # equal up to float32 rounding: the fixture's bits came from the
        # BLAS build of the machine that wrote it (1.8e-7 apart on another)
        assert_allclose(jepa.transform(X[:50]), expected, rtol=1e-5, atol=1e-6)
        assert not hasattr(jepa, "_sample")  # 0.2's training rows are dropped
        jepa.partial_fit(X)
        assert jepa.n_iter_ == 3
    assert_array_equal(from_file.transform(X), from_pickle.transform(X))


def test_an_03_pickle_loads_with_its_parameters_in_the_new_form(digits):
    # written by 0.3.0.dev0: JEPATransformer(hidden_size=8, max_iter=3,
    # mask_ratio=0.3, weight_decay=0.1, early_stopping=True,
    # n_iter_no_change=3, random_state=0).fit(X[:200])
    X, _ = digits
    with pytest.warns(ModelVersionWarning, match="sklearn-jepa 0.3.0"):
        with open(DATA / "jepa_0_3.pkl", "rb") as f:
            jepa = pickle.load(f)
    assert_allclose(
        jepa.transform(X[:20]),
        np.load(DATA / "jepa_0_3_transform.npy"),
        rtol=1e-5,
        atol=1e-6,
    )
    params = jepa.get_params()
    assert params["masking"] == 0.3
    assert params["optimizer_params"] == {"weight_decay": 0.1}
    assert params["early_stopping"] == {"n_iter_no_change": 3}
    assert "mask_ratio" not in vars(jepa) and "tol" not in vars(jepa)
    # refitting a clone with the same seed gives the 0.3 embedding again
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        again = clone(jepa).fit(X[:200])
    assert_allclose(again.transform(X[:20]), jepa.transform(X[:20]), atol=1e-6)


@pytest.mark.parametrize("kind", ["table", "signal"])
@pytest.mark.parametrize("reader", ["pickle", "weights_only"])
def test_models_saved_by_0_4_load_with_todays_words_and_train(kind, reader, digits):
    # written by sklearn-jepa 0.4 (commit ca476eb^, before the layout of
    # 0.5) with tests/data/make_0_4_fixtures.py: the table MLP with
    # masking=0.4 (its fit state held mask_ratio), the conv signal encoder
    # with encoder_params={"stride": 2} (its config held patch_size=2)
    X, _ = digits
    if kind == "table":
        rows, name = X[:20], "jepa_0_4"
    else:
        signals = np.cumsum(np.random.RandomState(0).randn(60, 40), axis=1)
        rows, name = signals[:10], "jepa_0_4_signal"
    with pytest.warns(ModelVersionWarning, match="sklearn-jepa 0.4.0"):
        if reader == "pickle":
            with open(DATA / f"{name}.pkl", "rb") as f:
                jepa = pickle.load(f)
        else:
            jepa = load(DATA / f"{name}.pt")
    expected = np.load(DATA / f"{name}_transform.npy")
    assert_allclose(jepa.transform(rows), expected, rtol=1e-5, atol=1e-6)
    if kind == "table":
        assert jepa.config_.masking == FeatureMask(0.4) and jepa.masking == 0.4
        assert "mask_ratio" not in jepa._state.params
    else:
        assert (jepa.config_.stride, jepa.config_.patch_size) == (2, None)
        assert jepa.config_.kernel_bank is None  # 0.4 had no kernel bank
    jepa.partial_fit(X if kind == "table" else signals)  # trains on
    assert jepa.n_iter_ == jepa.config_.max_iter + 1
