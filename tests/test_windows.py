"""Windows of long recordings: sliding_windows and JEPAWindowTransformer."""

import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_jepa import JEPATransformer, JEPAWindowTransformer, sliding_windows
from sklearn_jepa._windows import single_recording_window, window_starts

FAST = dict(max_iter=2, hidden_size=8, random_state=0)


def _recording(n_steps=600, n_channels=3, seed=0):
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(n_channels, n_steps))
    return np.sin(np.arange(n_steps) / 5.0) + 0.1 * noise


def test_windows_are_the_slices_of_the_recording_with_their_index():
    recording = np.arange(30.0).reshape(3, 10)
    windows, index = sliding_windows([recording], 4, hop=3, return_index=True)
    assert_array_equal(index, [[0, 0], [0, 3], [0, 6]])
    for window, (_, start) in zip(windows, index, strict=True):
        assert_array_equal(window, recording[:, start : start + 4])


def test_the_last_window_ends_at_the_recording_end():
    assert window_starts(11, 4, 3).tolist() == [0, 3, 6, 7]
    assert window_starts(10, 4, 3).tolist() == [0, 3, 6]
    windows = sliding_windows([np.arange(11.0)], 4, hop=3)
    assert windows[-1, 0, -1] == 10.0


def test_default_hop_is_half_a_window():
    _, index = sliding_windows([np.zeros(100)], 20, return_index=True)
    assert index[:, 1].tolist() == list(range(0, 81, 10))


def test_a_recording_shorter_than_a_window_gives_one_padded_window():
    windows, index = sliding_windows(
        [np.ones((2, 50)), np.ones((2, 5))], 8, return_index=True
    )
    short = windows[index[:, 0] == 1]
    assert short.shape == (1, 2, 8)
    assert np.isnan(short[0, :, 5:]).all() and (short[0, :, :5] == 1).all()


def test_arrays_are_read_as_aeon_collections():
    X3 = np.arange(2 * 3 * 12, dtype=float).reshape(2, 3, 12)
    assert sliding_windows(X3, 6).shape == (2 * 3, 3, 6)
    X2 = np.arange(24, dtype=float).reshape(2, 12)  # two univariate recordings
    windows, index = sliding_windows(X2, 6, return_index=True)
    assert windows.shape == (6, 1, 6) and index[:, 0].tolist() == [0, 0, 0, 1, 1, 1]


def test_a_dataframe_is_a_row_per_step_and_a_column_per_channel():
    import pandas as pd

    recording = np.arange(30.0).reshape(3, 10)  # 3 channels, 10 steps
    frame = pd.DataFrame(recording.T, columns=["x", "y", "z"])
    assert_array_equal(sliding_windows([frame], 4), sliding_windows([recording], 4))


def test_a_trailing_nan_run_is_the_recordings_end():
    recording = np.r_[np.arange(10.0), [np.nan] * 20]
    assert sliding_windows([recording], 4, hop=4).shape[0] == 3  # 0, 4, 6


def test_windows_inside_a_long_gap_are_left_out():
    recording = np.sin(np.arange(1000) / 5.0)[None].repeat(2, axis=0)
    recording[:, 300:500] = np.nan  # a drop-out of 200 steps
    recording[1, 600:700] = np.nan  # one channel missing: still observed
    windows, index = sliding_windows([recording], 50, hop=25, return_index=True)
    starts = index[:, 1]
    assert not ((starts >= 300) & (starts + 50 <= 500)).any()
    assert {275, 475, 600, 625}.issubset(starts)  # partly observed windows stay
    assert (~np.isnan(windows).all(axis=(1, 2))).all()
    jepa = JEPAWindowTransformer(window_length=50, estimator=JEPATransformer(**FAST))
    Z, index = jepa.fit([recording]).transform_windows([recording], return_index=True)
    assert np.isfinite(Z).all() and len(Z) == jepa.n_windows_ == len(windows)


@pytest.mark.parametrize(
    "X, error, match",
    [
        ([np.array([1.0, np.inf, 2.0])], ValueError, "infinity"),
        ([np.array(["a", "b"])], TypeError, "not numeric"),
        ([np.ones((2, 10)), np.ones((3, 10))], ValueError, "numbers of channels"),
        ([], ValueError, "no recording"),
        ([np.full(5, np.nan)], ValueError, "no observed value"),
        (np.ones(10), ValueError, r"\[recording\]"),
        ([np.ones((2, 2, 2))], ValueError, "3 dimensions"),
    ],
)
def test_bad_recordings_are_named(X, error, match):
    with pytest.raises(error, match=match):
        sliding_windows(X, 4)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_window_length_and_hop_are_positive_ints(bad):
    with pytest.raises(ValueError, match="window_length must be a positive int"):
        sliding_windows([np.ones(10)], bad)
    with pytest.raises(ValueError, match="hop must be a positive int"):
        sliding_windows([np.ones(10)], 4, hop=bad)


@parametrize_with_checks([JEPAWindowTransformer(estimator=JEPATransformer(**FAST))])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_a_single_recording_is_learned_from_its_windows():
    recording = _recording()
    jepa = JEPAWindowTransformer(estimator=JEPATransformer(**FAST)).fit([recording])
    assert jepa.window_length_ == single_recording_window(600) == 150
    assert jepa.hop_ == 75
    assert jepa.n_windows_ == len(window_starts(600, 150, 75)) == 7
    assert jepa.estimator_.collection_shape_ == (3, 150)


def test_single_recording_windows_stay_several_for_short_recordings():
    assert single_recording_window(1000) == 250
    assert single_recording_window(40) == 16
    assert single_recording_window(10) == 5
    for length in (3, 10, 40, 1000):
        window = single_recording_window(length)
        assert len(window_starts(length, window, max(1, window // 2))) >= 2


def test_several_recordings_default_to_whole_recordings():
    X = [_recording(n, seed=n) for n in (60, 80, 70)]
    jepa = JEPAWindowTransformer(estimator=JEPATransformer(**FAST)).fit(X)
    assert jepa.window_length_ == 80 and jepa.n_windows_ == 3
    # a longer recording to come is the mean over its windows of 80 steps
    Z, index = jepa.transform_windows([_recording(200)], return_index=True)
    assert index[:, 1].tolist() == [0, 40, 80, 120]
    assert_allclose(jepa.transform([_recording(200)])[0], Z.mean(axis=0))


def test_transform_is_the_mean_of_each_recordings_windows():
    X = [_recording(300, seed=1), _recording(500, seed=2)]
    jepa = JEPAWindowTransformer(window_length=50, estimator=JEPATransformer(**FAST))
    jepa.fit(X)
    Z, index = jepa.transform_windows(X, return_index=True)
    rows = jepa.transform(X)
    assert rows.shape == (2, jepa.estimator_.n_components_)
    for i in range(2):
        assert_allclose(rows[i], Z[index[:, 0] == i].mean(axis=0))
    assert jepa.get_feature_names_out()[0] == "jepawindowtransformer0"


def test_the_windows_embed_as_jepa_transformer_embeds_them():
    X = [_recording(300, seed=1), _recording(500, seed=2)]
    jepa = JEPAWindowTransformer(
        window_length=50, hop=20, estimator=JEPATransformer(**FAST)
    )
    windows = sliding_windows(X, 50, hop=20)
    direct = JEPATransformer(**FAST).fit(windows)
    assert_array_equal(jepa.fit(X).transform_windows(X), direct.transform(windows))


def test_same_random_state_same_embeddings_and_reload(tmp_path):
    X = [_recording(400, seed=3)]
    make = lambda: JEPAWindowTransformer(estimator=JEPATransformer(**FAST))  # noqa: E731
    a, b = make().fit(X), make().fit(X)
    assert_array_equal(a.transform_windows(X), b.transform_windows(X))
    joblib.dump(a, tmp_path / "jepa.joblib")
    loaded = joblib.load(tmp_path / "jepa.joblib")
    assert_array_equal(loaded.transform_windows(X), a.transform_windows(X))


def test_the_inner_estimator_is_tuned_through_nested_parameters():
    jepa = JEPAWindowTransformer(estimator=JEPATransformer(**FAST))
    jepa.set_params(estimator__hidden_size=12, window_length=30)
    twin = clone(jepa)
    assert twin.get_params()["estimator__hidden_size"] == 12
    X = np.random.default_rng(0).normal(size=(24, 90))  # 24 univariate recordings
    grid = GridSearchCV(twin, {"estimator__max_iter": [1, 2]}, cv=2).fit(X)
    assert grid.best_estimator_.window_length_ == 30


def test_transform_rejects_other_channels():
    jepa = JEPAWindowTransformer(estimator=JEPATransformer(**FAST)).fit([_recording()])
    with pytest.raises(ValueError, match="1 channel.*fitted on 3"):
        jepa.transform([np.ones(200)])


def test_one_window_is_not_enough_to_fit():
    jepa = JEPAWindowTransformer(window_length=50, estimator=JEPATransformer(**FAST))
    with pytest.raises(ValueError, match="one sample"):
        jepa.fit([np.ones(40)])


def test_other_estimators_are_refused():
    from sklearn.decomposition import PCA

    with pytest.raises(TypeError, match="JEPATransformer"):
        JEPAWindowTransformer(estimator=PCA()).fit([_recording()])


def test_window_embeddings_separate_the_regimes_of_one_recording():
    # one recording: a slow sine, then a fast one; 4 labeled windows of each
    rng = np.random.default_rng(0)
    t = np.arange(1500)
    signal = np.where(t < 750, np.sin(t / 12.0), np.sin(t / 2.0))
    recording = signal + 0.3 * rng.normal(size=1500)
    jepa = JEPAWindowTransformer(
        window_length=60, hop=30, estimator=JEPATransformer(max_iter=5, random_state=0)
    )
    Z, index = jepa.fit([recording]).transform_windows([recording], return_index=True)
    start = index[:, 1]
    inside = (start + 60 <= 750) | (start >= 750)  # no window across the switch
    Z, y = Z[inside], (start[inside] >= 750).astype(int)
    labeled = np.r_[np.flatnonzero(y == 0)[::6][:4], np.flatnonzero(y == 1)[::6][:4]]
    clf = LogisticRegression(max_iter=1000).fit(Z[labeled], y[labeled])
    assert clf.score(Z, y) > 0.95


def test_early_stopping_holds_out_whole_recordings(monkeypatch):
    from sklearn_jepa import _state

    seen = {}
    real_split = _state.split

    def spy(config, rng, n_samples, groups=None, gap=0):
        seen["groups"], seen["gap"] = groups, gap
        seen["split"] = real_split(config, rng, n_samples, groups, gap)
        return seen["split"]

    monkeypatch.setattr(_state, "split", spy)
    # 10 recordings of 5 windows: whole recordings hold the 10 % share
    X = [_recording(150, seed=s) for s in range(10)]
    estimator = JEPATransformer(early_stopping=True, **FAST)
    jepa = JEPAWindowTransformer(window_length=50, estimator=estimator).fit(X)
    _, index = sliding_windows(X, 50, return_index=True)
    assert_array_equal(seen["groups"], index[:, 0])
    train, valid = seen["split"]
    assert not set(index[train, 0]) & set(index[valid, 0])
    assert len(valid) == round(0.1 * len(index))
    assert "valid_loss" in jepa.estimator_.history_[-1]


@pytest.mark.parametrize("n_recordings", [1, 2])
def test_a_hold_out_from_few_recordings_keeps_its_share_without_overlap(
    monkeypatch, n_recordings
):
    from sklearn_jepa import _state

    seen = {}
    real_split = _state.split

    def spy(config, rng, n_samples, groups=None, gap=0):
        seen["split"] = real_split(config, rng, n_samples, groups, gap)
        return seen["split"]

    monkeypatch.setattr(_state, "split", spy)
    X = [_recording(1200, seed=s) for s in range(n_recordings)]
    estimator = JEPATransformer(early_stopping={"validation_fraction": 0.2}, **FAST)
    JEPAWindowTransformer(window_length=60, hop=20, estimator=estimator).fit(X)
    _, index = sliding_windows(X, 60, 20, return_index=True)
    train, valid = seen["split"]
    # the share, not a whole recording (half the windows with two)
    assert len(valid) == round(0.2 * len(index))
    # no trained window shares a step with a held-out one
    for recording in set(index[valid, 0]):
        held = index[valid][index[valid, 0] == recording, 1]
        trained = index[train][index[train, 0] == recording, 1]
        gaps = np.abs(trained[:, None] - held[None, :])
        assert gaps.min() >= 60


def test_groups_must_match_the_rows():
    X = np.random.default_rng(0).normal(size=(30, 5))
    with pytest.raises(ValueError, match="one label per row of X \\(30\\)"):
        JEPATransformer(**FAST).fit(X, groups=np.zeros(29))


def test_transform_cuts_long_recordings_chunk_by_chunk(monkeypatch):
    from sklearn_jepa import _windows

    X = [_recording(400, seed=1), _recording(35, seed=2), _recording(300, seed=3)]
    jepa = JEPAWindowTransformer(
        window_length=40, hop=15, estimator=JEPATransformer(**FAST)
    )
    whole = jepa.fit(X).transform_windows(X)
    monkeypatch.setattr(_windows, "_CHUNK_VALUES", 3 * 40 * 7)  # 7 windows a chunk
    Z, index = jepa.transform_windows(X, return_index=True)
    assert_allclose(Z, whole, rtol=1e-6, atol=1e-6)
    assert_array_equal(index, sliding_windows(X, 40, 15, return_index=True)[1])


def test_chunks_report_progress_when_verbose(monkeypatch, capsys):
    from sklearn_jepa import _windows

    X = [_recording(400, seed=1)]
    estimator = JEPATransformer(**FAST)
    jepa = JEPAWindowTransformer(window_length=40, hop=20, estimator=estimator).fit(X)
    jepa.estimator_.set_params(verbose=1)
    monkeypatch.setattr(_windows, "_CHUNK_VALUES", 3 * 40 * 10)  # 10 windows a chunk
    capsys.readouterr()
    jepa.transform_windows(X)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "embedded 10 of 19 windows"
    assert lines[-1] == "embedded 19 of 19 windows"


def test_windows_are_embedded_with_another_hop_than_fitted():
    X = [_recording(300, seed=4)]
    jepa = JEPAWindowTransformer(
        window_length=50, hop=50, estimator=JEPATransformer(**FAST)
    )
    jepa.fit(X)
    assert jepa.n_windows_ == 6
    Z, index = jepa.transform_windows(X, return_index=True, hop=10)
    assert index[:, 1].tolist() == list(range(0, 251, 10))
    coarse = jepa.transform_windows(X)  # the fitted hop
    assert_allclose(Z[::5], coarse, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="hop must be a positive int"):
        jepa.transform_windows(X, hop=0)


def test_float32_recordings_embed_as_float32():
    rng = np.random.RandomState(0)
    recordings = [rng.randn(2, 120).astype(np.float32), rng.randn(2, 90)]
    jepa = JEPAWindowTransformer(30, 15, estimator=JEPATransformer(max_iter=1))
    # any float64 recording: float64 out
    jepa.fit(recordings)
    assert jepa.transform_windows(recordings).dtype == np.float64
    single = [r.astype(np.float32) for r in recordings]
    Z = jepa.transform_windows(single)
    assert Z.dtype == np.float32 and jepa.transform(single).dtype == np.float32
    assert_allclose(Z, jepa.transform_windows(recordings), rtol=1e-4, atol=1e-5)


def test_transform_and_score_work_chunk_by_chunk(monkeypatch):
    import sklearn_jepa._windows as windows_module

    rng = np.random.RandomState(1)
    recordings = [rng.randn(2, 400), rng.randn(2, 330), rng.randn(2, 50)]
    jepa = JEPAWindowTransformer(40, 10, estimator=JEPATransformer(max_iter=1))
    jepa.fit(recordings)
    Z, index = jepa.transform_windows(recordings, return_index=True)
    means = np.stack([Z[index[:, 0] == r].mean(axis=0) for r in range(3)])
    windows, _ = windows_module._cut(jepa._check_recordings(recordings, False), 40, 10)
    whole = jepa.estimator_.score(windows)
    # chunks of 40 windows (32 when whole batches): several per recording
    monkeypatch.setattr(windows_module, "_CHUNK_VALUES", 2 * 40 * 40)
    assert_allclose(jepa.transform(recordings), means, rtol=1e-6)
    assert jepa.score(recordings) == whole
    assert len(list(windows_module._chunks(index, 2, 40, 32))) >= 3


def test_a_time_major_array_warns_how_to_pass_it():
    rng = np.random.RandomState(2)
    recording = rng.randn(600, 3)  # a row per step, a column per channel
    with pytest.warns(UserWarning, match=r"pass it in a list: \[X\]"):
        sliding_windows(recording, 2)
    # recordings as rows, longer than they are many: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sliding_windows(rng.randn(5, 400), 100)
        JEPAWindowTransformer(50, estimator=JEPATransformer(max_iter=1)).fit(
            [recording.T]
        )
