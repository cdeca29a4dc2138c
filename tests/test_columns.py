"""Table columns as they come: numbers, booleans, categories (_columns)."""

import datetime
import io

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from sklearn_jepa import JEPATransformer, load, save
from sklearn_jepa.inputs._columns import (
    MAX_LEVELS,
    encode_columns,
    feature_groups,
    fit_columns,
)
from sklearn_jepa.nn._masks import FeatureMask, MaskCollator

polars = pytest.importorskip("polars")


def _frame(n=120, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame(
        {
            "age": rng.randint(18, 80, n).astype(float),
            "city": rng.choice(["Lyon", "Paris", "Nice"], n).astype(object),
            "member": rng.rand(n) > 0.5,
            "plan": pd.Categorical(rng.choice(["basic", "pro"], n)),
            "income": rng.randn(n),
        }
    )


def test_a_category_is_one_indicator_per_level_and_missing_hides_it():
    df = pd.DataFrame(
        {
            "x": [1.0, 2.0, 3.0, 4.0, 5.0],
            "c": ["b", "a", None, "a", "b"],
            "f": [True] * 5,
        }
    )
    spec = fit_columns(df)
    assert spec["kinds"] == ["number", "category", "number"]
    assert spec["levels"][1] == ["a", "b"] and spec["other"] == [False] * 3
    Z = encode_columns(df, spec)
    expected = [
        [1, 0, 1, 1],
        [2, 1, 0, 1],
        [3, np.nan, np.nan, 1],
        [4, 1, 0, 1],
        [5, 0, 1, 1],
    ]
    np.testing.assert_array_equal(Z, expected)
    assert feature_groups(spec) == (0, 1, 1, 2)


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_every_missing_marker_hides_the_category(missing):
    df = pd.DataFrame({"c": pd.Series(["a", missing, "b", "a"], dtype=object)})
    Z = encode_columns(df, fit_columns(df))
    assert np.isnan(Z[1]).all() and not np.isnan(Z[[0, 2, 3]]).any()


def test_unseen_level_is_hidden_and_changes_nothing_else():
    df = _frame()
    jepa = JEPATransformer(n_components=4, max_iter=1, random_state=0).fit(df)
    other = df.copy()
    other.loc[0, "city"] = "Tokyo"  # never seen at fit
    Z, Z_other = jepa.transform(df), jepa.transform(other)
    np.testing.assert_array_equal(Z[1:], Z_other[1:])
    hidden = df.copy()
    hidden.loc[0, "city"] = None  # the same as a missing value
    np.testing.assert_array_equal(jepa.transform(hidden)[0], Z_other[0])
    assert not np.array_equal(Z[0], Z_other[0])


def test_high_cardinality_keeps_the_frequent_levels_and_pools_the_rest():
    rng = np.random.RandomState(0)
    # 30 frequent levels (20 rows each) and 200 identifiers seen once
    values = [f"L{i}" for i in range(30) for _ in range(20)]
    values += [f"id{i}" for i in range(200)]
    df = pd.DataFrame({"c": rng.permutation(np.array(values, dtype=object))})
    spec = fit_columns(df)
    assert len(spec["levels"][0]) == MAX_LEVELS and spec["other"] == [True]
    assert not any(level.startswith("id") for level in spec["levels"][0])
    Z = encode_columns(pd.DataFrame({"c": ["id3", "unseen", "L0", None]}), spec)
    assert Z.shape == (4, MAX_LEVELS + 1)
    assert Z[0, -1] == Z[1, -1] == 1  # rare and unseen levels: "other"
    assert Z[2, -1] == 0 and Z[2].sum() == 1 and np.isnan(Z[3]).all()


def test_a_table_of_numbers_is_not_encoded():
    df = pd.DataFrame({"a": [1, 2], "b": pd.Series([1.5, "2"], dtype=object)})
    assert fit_columns(df) is None
    assert fit_columns(np.ones((3, 2))) is None
    assert fit_columns(np.array([[1, "2.5"], [3, "4"]], dtype=object)) is None


def test_numbers_only_frames_embed_as_their_arrays(tiny):
    X = np.random.RandomState(0).randn(80, 5)
    df = pd.DataFrame(X, columns=list("abcde"))
    a = JEPATransformer(**tiny, random_state=0).fit(df)
    b = JEPATransformer(**tiny, random_state=0).fit(X)
    assert a._columns is None and a.config_.feature_groups is None
    np.testing.assert_array_equal(a.transform(df), b.transform(X))


def test_a_frame_fits_on_its_encoded_features_masked_by_column(tiny):
    df = _frame()
    spec = fit_columns(df)
    X = encode_columns(df, spec)
    a = JEPATransformer(**tiny, random_state=0).fit(df)
    assert a.n_features_in_ == 5 and list(a.feature_names_in_) == list(df.columns)
    assert a.config_.n_features == X.shape[1] == 8
    assert a.config_.feature_groups == (0, 1, 1, 1, 2, 3, 3, 4)
    np.testing.assert_allclose(a.mean_, X.mean(axis=0))
    Z = a.transform(df)
    assert Z.shape == (len(df), 4) and np.isfinite(Z).all()


def test_pandas_polars_and_object_arrays_give_one_embedding(tiny):
    df = _frame()
    Z = JEPATransformer(**tiny, random_state=0).fit(df).transform(df)
    pl_frame = polars.from_pandas(df)
    Z_polars = JEPATransformer(**tiny, random_state=0).fit(pl_frame).transform(pl_frame)
    np.testing.assert_array_equal(Z, Z_polars)
    array = df.astype(object).to_numpy()
    Z_array = JEPATransformer(**tiny, random_state=0).fit(array).transform(array)
    np.testing.assert_array_equal(Z, Z_array)


def test_masks_hide_or_show_a_column_whole():
    groups = (0, 1, 1, 1, 2, 3, 3)
    collate = MaskCollator(FeatureMask(0.5), (7,), seed=0, groups=groups)
    batch, _ = collate(torch.zeros(64, 7))
    for mask in (batch["context_mask"], batch["target_mask"]):
        assert (mask[:, 1:4] == mask[:, [1]]).all()
        assert (mask[:, 5] == mask[:, 6]).all()
    # two of four columns hidden: the views split the groups, not features
    assert (batch["target_mask"][:, [0, 1, 4, 5]].sum(1) == 2).all()


@pytest.mark.parametrize("save_load", ["joblib", "weights_only"])
def test_round_trips_keep_the_levels(tiny, tmp_path, save_load):
    df = _frame()
    jepa = JEPATransformer(**tiny, random_state=0).fit(df)
    if save_load == "joblib":
        buffer = io.BytesIO()
        joblib.dump(jepa, buffer)
        buffer.seek(0)
        loaded = joblib.load(buffer)
    else:
        save(jepa, tmp_path / "model.pt")
        loaded = load(tmp_path / "model.pt")
    np.testing.assert_array_equal(loaded.transform(df), jepa.transform(df))
    assert list(loaded.feature_names_in_) == list(df.columns)


def test_skops_round_trip(tiny, tmp_path):
    sio = pytest.importorskip("skops.io")
    df = _frame()
    jepa = JEPATransformer(**tiny, random_state=0).fit(df)
    path = tmp_path / "model.skops"
    sio.dump(jepa, path)
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    np.testing.assert_array_equal(loaded.transform(df), jepa.transform(df))


def test_grid_search_clone_and_pipeline_take_the_frame(tiny):
    df = _frame(n=96)
    search = GridSearchCV(
        JEPATransformer(**tiny, random_state=0), {"n_components": [2, 3]}, cv=2
    ).fit(df)
    assert search.best_estimator_.transform(df).shape[1] in (2, 3)
    pipe = make_pipeline(clone(JEPATransformer(**tiny, random_state=0)))
    pipe.set_output(transform="pandas")
    out = pipe.fit_transform(df)
    assert list(out.columns) == [f"jepatransformer{i}" for i in range(4)]


def test_one_hot_by_hand_and_as_they_come_have_equal_widths(tiny):
    """What a user wrote before: OneHotEncoder in front, now optional."""
    df = _frame()
    onehot = OneHotEncoder(sparse_output=False).fit(df[["city", "plan"]])
    assert (
        sum(len(c) for c in onehot.categories_) + 3
        == JEPATransformer(**tiny).fit(df).config_.n_features
    )


@pytest.mark.parametrize(
    "column, message",
    [
        (pd.date_range("2020-01-01", periods=40), "Column 'bad' holds dates"),
        ([datetime.date(2020, 1, 1)] * 40, "Column 'bad' holds dates"),
        ([[1, 2]] * 40, "Column 'bad' holds nested values"),
        ([{"a": 1}] * 40, "Column 'bad' holds nested values"),
    ],
)
def test_dates_and_nested_values_are_named(tiny, column, message):
    df = pd.DataFrame({"x": np.arange(40.0), "bad": column})
    with pytest.raises(TypeError, match=message):
        JEPATransformer(**tiny).fit(df)
    with pytest.raises(TypeError, match=message):
        JEPATransformer(**tiny).fit(polars.from_pandas(df))


@pytest.mark.parametrize(
    "column",
    [[None] * 40, [np.nan] * 40, ["only"] * 40, pd.Categorical(["a"] * 40)],
    ids=["all None", "all NaN", "one level", "one category"],
)
def test_degenerate_columns_fit_and_embed(tiny, column):
    df = pd.DataFrame({"x": np.arange(40.0), "y": np.arange(40.0) ** 0.5, "c": column})
    jepa = JEPATransformer(**tiny, random_state=0).fit(df)
    Z = jepa.transform(df)
    assert Z.shape == (40, 4) and np.isfinite(Z).all()


def test_text_at_transform_of_a_model_fitted_on_numbers_is_named(tiny):
    df = pd.DataFrame({"x": np.arange(40.0), "c": np.arange(40.0)})
    jepa = JEPATransformer(**tiny).fit(df)
    with pytest.raises(ValueError, match="Column 'c' holds categories"):
        jepa.transform(df.assign(c=["a"] * 40))


def test_numbers_at_fit_then_text_in_that_column_is_named(tiny):
    df = _frame()
    jepa = JEPATransformer(**tiny).fit(df)
    with pytest.raises(ValueError, match="Column 'age' held numbers at fit"):
        jepa.transform(df.assign(age="old"))


def test_wrong_number_of_columns_is_named(tiny):
    df = _frame()
    jepa = JEPATransformer(**tiny).fit(df)
    with pytest.raises(ValueError, match="5 features|5 columns"):
        jepa.transform(df.iloc[:, :4].to_numpy())
