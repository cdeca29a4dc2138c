"""aeon/sktime collections: 3-D arrays, lists of unequal series, NaN ends."""

import joblib
import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_jepa import JEPATransformer
from sklearn_jepa.inputs._collections import is_series_list, pad_series

FAST = dict(max_iter=2, hidden_size=8, random_state=0)


@pytest.fixture(scope="module")
def unequal():
    rng = np.random.RandomState(0)
    lengths = rng.randint(12, 41, size=48)
    lengths[0] = 40
    t = np.arange(40)
    series, y = [], []
    for i, n in enumerate(lengths):
        label = i % 2
        wave = np.sin(t[:n] * (0.3 + 0.4 * label))
        series.append(np.stack([wave, np.cos(t[:n] * 0.2)]) + 0.1 * rng.randn(2, n))
        y.append(label)
    return series, np.array(y)


def test_three_input_forms_give_the_same_embedding():
    rng = np.random.RandomState(1)
    X3 = rng.randn(50, 3, 30)
    rows = JEPATransformer(input_shape=(3, 30), input_kind="signal", **FAST)
    cube = JEPATransformer(**FAST)
    listed = JEPATransformer(**FAST)
    Z_rows = rows.fit(X3.reshape(50, -1)).transform(X3.reshape(50, -1))
    Z_cube = cube.fit(X3).transform(X3)
    Z_list = listed.fit(list(X3)).transform(list(X3))
    assert_array_equal(Z_rows, Z_cube)
    assert_array_equal(Z_rows, Z_list)
    assert listed.collection_shape_ == (3, 30)


def test_unequal_series_fit_and_embed_independently_of_their_batch(unequal):
    series, _ = unequal
    jepa = JEPATransformer(**FAST).fit(series)
    assert jepa.collection_shape_ == (2, 40)
    Z = jepa.transform(series)
    assert Z.shape == (len(series), jepa.n_components_) and np.isfinite(Z).all()
    short = int(np.argmin([s.shape[1] for s in series]))
    rng = np.random.RandomState(2)
    # alone, beside a full-length series, beside a shorter one, or at the end
    # of a batch: the padding around it does not change its embedding
    for batch in (
        [series[short]],
        [rng.randn(2, 40), series[short]],
        [series[short], rng.randn(2, 5)],
        [*series[:20], series[short]],
    ):
        position = next(i for i, s in enumerate(batch) if s is series[short])
        assert_array_equal(jepa.transform(batch)[position], Z[short])


def test_nan_padded_ends_equal_the_list_and_values_after_the_end_are_unread(unequal):
    series, _ = unequal
    jepa = JEPATransformer(**FAST).fit(series)
    padded = pad_series(series)
    assert padded.shape == (len(series), 2, 40)
    assert_array_equal(jepa.transform(padded), jepa.transform(series))
    # the read-out pools a series' own steps only: its embedding differs
    # from the same series with its end filled by zeros
    short = int(np.argmin([s.shape[1] for s in series]))
    zero_filled = np.nan_to_num(padded[short : short + 1])
    own = jepa.transform(padded)[short]
    assert not np.allclose(jepa.transform(zero_filled)[0], own)


def test_a_series_embeds_as_itself_whatever_length_it_is_padded_to(unequal):
    # zero after the end in every layer: the series' own steps do not see
    # the padding, so the read-out's statistics are those of the series alone
    series, _ = unequal
    jepa = JEPATransformer(**FAST).fit(series)
    net = jepa.net_.module_.eval()
    x = series[1]
    n = x.shape[1]
    padded = np.full((1, 2, 40), np.nan)
    padded[0, :, :n] = x
    x_std = torch.from_numpy(jepa._state.standardize(padded.reshape(1, -1)))
    _, valid = net.encode(x_std)
    assert valid.sum() == n  # stride 1 at this length
    # the learned layers (the kernel bank, 2-D, counts its own steps:
    # tests/test_rocket.py)
    layers = [h for h in net.embed(x_std, layers=True) if h.dim() == 3]
    assert len(layers) >= 3
    assert all(float(h[0, :, n:].abs().max()) == 0.0 for h in layers)


def test_unequal_collections_in_pipelines_and_searches(unequal):
    series, y = unequal
    # a fold's training series may be shorter than its test series: the
    # length to pad to is given
    jepa = JEPATransformer(input_shape=(2, 40), **FAST)
    pipe = make_pipeline(jepa, LogisticRegression(max_iter=500))
    scores = cross_val_score(pipe, series, y, cv=3)
    assert scores.shape == (3,) and (scores > 0.6).all(), scores
    search = GridSearchCV(pipe, {"jepatransformer__hidden_size": [8, 12]}, cv=2)
    search.fit(series, y)
    best = search.best_estimator_.named_steps["jepatransformer"]
    assert (
        best.config_.hidden_size == search.best_params_["jepatransformer__hidden_size"]
    )
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    clone(pipe).fit(series, y)


def test_input_shape_sets_the_padded_length_of_a_list(unequal):
    series, _ = unequal
    short = [s for s in series if s.shape[1] < 30]
    jepa = JEPATransformer(input_shape=(2, 40), **FAST).fit(short)
    assert jepa.collection_shape_ == (2, 40) and jepa.config_.kind == "signal"
    assert jepa.transform(series).shape[0] == len(series)
    with pytest.raises(ValueError, match="more than the 40 this"):
        JEPATransformer(input_shape=(2, 40), **FAST).fit([np.zeros((2, 41))] * 3)


def test_unequal_model_survives_joblib(unequal, tmp_path):
    series, _ = unequal
    jepa = JEPATransformer(**FAST).fit(series)
    joblib.dump(jepa, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    assert_array_equal(loaded.transform(series), jepa.transform(series))


def test_bad_collections_get_clear_errors(unequal):
    series, _ = unequal
    jepa = JEPATransformer(**FAST).fit(series)
    with pytest.raises(ValueError, match="more than the 40 this"):
        jepa.transform([np.zeros((2, 41))])
    with pytest.raises(ValueError, match="different numbers of channels"):
        jepa.transform([np.zeros((2, 10)), np.zeros((3, 10))])
    with pytest.raises(ValueError, match="fitted on series of shape"):
        jepa.transform([np.zeros((3, 10)), np.zeros((3, 12))])
    with pytest.raises(ValueError, match="is empty"):
        jepa.transform([np.zeros((2, 10)), np.zeros((2, 0))])
    with pytest.raises(TypeError, match="not numeric"):
        jepa.transform([np.array([["a", "b"]]), np.zeros((1, 3))])
    with pytest.raises(ValueError, match="inf"):
        jepa.transform([np.full((2, 10), np.inf), np.zeros((2, 12))])


def test_lists_of_rows_are_not_collections():
    # scikit-learn reads a list of equal 1-D arrays (or of lists) as rows
    assert not is_series_list([np.zeros(3), np.ones(3)])
    assert not is_series_list([[0.0, 1.0], [1.0, 2.0]])
    assert is_series_list([np.zeros(3), np.ones(4)])
    assert is_series_list([np.zeros((2, 3)), np.ones((2, 3))])
    jepa = JEPATransformer(**FAST).fit([np.arange(4.0) + i for i in range(20)])
    assert jepa.collection_shape_ is None and jepa.config_.kind == "table"


def test_unequal_lengths_with_missing_values_inside(unequal):
    series, _ = unequal
    holed = [s.copy() for s in series]
    for s in holed[::3]:
        s[:, 2:4] = np.nan  # hidden steps inside, not an end
    jepa = JEPATransformer(**FAST).fit(holed)
    Z = jepa.transform(holed)
    assert np.isfinite(Z).all()
    assert_allclose(jepa.transform(holed[:5]), Z[:5])


def test_a_list_of_dataframes_means_one_thing_to_both_estimators():
    pd = pytest.importorskip("pandas")
    from sklearn_jepa import JEPAWindowTransformer

    rng = np.random.default_rng(3)
    # two recordings as pandas holds them: a row per time step, 3 channels
    frames = [pd.DataFrame(rng.normal(size=(n, 3))) for n in (100, 80)]
    arrays = [f.to_numpy().T for f in frames]
    jepa = JEPATransformer(max_iter=1, random_state=0).fit(frames)
    assert jepa.config_.shape == (3, 100)
    reference = JEPATransformer(max_iter=1, random_state=0).fit(arrays)
    np.testing.assert_array_equal(jepa.transform(frames), reference.transform(arrays))
    windows = JEPAWindowTransformer(40, estimator=JEPATransformer(max_iter=1))
    assert windows.fit(frames).n_channels_ == 3
