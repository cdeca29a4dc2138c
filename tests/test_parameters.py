"""The public parameters: every one acts or warns, the groups and their keys,
the 0.3 spellings, and warnings that point at the user's line."""

import inspect
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline

from sklearn_jepa import FeatureMask, JEPATransformer
from sklearn_jepa.utils._parameters import flatten


def _fit_twice(X, first, second, **params):
    jepa = JEPATransformer(hidden_size=16, warm_start=True, random_state=0, **params)
    jepa.set_params(**first).fit(X)
    return jepa.set_params(**second).fit(X)


def test_warm_start_reads_max_iter_afresh(X):
    jepa = _fit_twice(X, {"max_iter": 2}, {"max_iter": 3})
    assert jepa.n_iter_ == 5 and jepa.config_.max_iter == 3
    assert dict(jepa.net_.callbacks_)["ema"].total_steps == 3 * 5


def test_warm_start_reads_learning_rate_and_momentum_afresh(X):
    jepa = _fit_twice(
        X,
        {"max_iter": 1, "learning_rate": 1e-3},
        {"learning_rate": 1e-4, "ema_momentum": (0.9, 1.0)},
    )
    assert jepa.config_.learning_rate == jepa.net_.lr == 1e-4
    assert dict(jepa.net_.callbacks_)["ema"].momentum == (0.9, 1.0)
    # the optimizer ran at the new rate: the warmup's first step of the
    # second fit (a new segment) is 1e-4 * (1 / warmup_steps) and below 1e-4
    lrs = [group["lr"] for group in jepa.net_.optimizer_.param_groups]
    assert all(0 < lr <= 1e-4 for lr in lrs)


def test_partial_fit_reads_max_iter_afresh(X):
    jepa = JEPATransformer(hidden_size=16, max_iter=4, batch_size=60, random_state=0)
    jepa.partial_fit(X)
    assert dict(jepa.net_.callbacks_)["lr_schedule"].total_steps == 4 * 10
    jepa.set_params(max_iter=2).partial_fit(X)
    assert jepa.config_.max_iter == 2
    assert dict(jepa.net_.callbacks_)["lr_schedule"].total_steps == 2 * 10


def test_unchanged_parameters_keep_a_continued_fit_bit_identical(X):
    one = JEPATransformer(hidden_size=16, max_iter=2, random_state=0).partial_fit(X)
    two = JEPATransformer(hidden_size=16, max_iter=2, random_state=0).partial_fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one.partial_fit(X)
        two.set_params(max_iter=2).partial_fit(X)
    assert_array_equal(one.transform(X), two.transform(X))


@pytest.mark.parametrize(
    "params, shown",
    [
        ({"hidden_size": 32}, "hidden_size"),
        # a group's key is named on its own
        ({"optimizer_params": {"weight_decay": 0.1}}, "weight_decay"),
        ({"loss": "cosine"}, "loss"),
        ({"n_layers": 3}, "n_layers"),
    ],
)
def test_changed_architecture_under_warm_start_warns(X, params, shown):
    jepa = JEPATransformer(hidden_size=16, max_iter=1, warm_start=True, random_state=0)
    jepa.fit(X)
    with pytest.warns(UserWarning, match=f"{shown}=.*no effect on a continued fit"):
        jepa.set_params(**params).fit(X)
    with pytest.warns(UserWarning, match=f"{shown}=.*no effect on a continued fit"):
        jepa.partial_fit(X)


def test_bf16_on_a_cpu_warns_only_without_bfloat16_instructions(X, monkeypatch):
    import sklearn_jepa.engine._state as state

    monkeypatch.setattr(state, "bf16_supported", lambda device_type: False)
    with pytest.warns(UserWarning, match="bf16=True has no effect on device 'cpu'"):
        JEPATransformer(hidden_size=16, max_iter=1, bf16=True).fit(X[:100])
    monkeypatch.setattr(state, "bf16_supported", lambda device_type: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        JEPATransformer(hidden_size=16, max_iter=1, bf16=True).fit(X[:100])


def test_warnings_point_at_the_callers_line(X):
    jepa = JEPATransformer(hidden_size=16, max_iter=1, masking=0.3, input_kind="signal")
    for call in (jepa.fit, jepa.fit_transform):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(X[:100])  # the line the warning must name
        ours = [w for w in caught if "has no effect here" in str(w.message)]
        assert len(ours) == 1
        assert ours[0].filename == __file__
        assert "call(X[:100])" in open(__file__).readlines()[ours[0].lineno - 1]


def test_the_constructor_has_at_most_24_parameters():
    names = inspect.signature(JEPATransformer).parameters
    public = [n for n, p in names.items() if p.kind is not p.VAR_KEYWORD]
    assert len(public) == len(JEPATransformer().get_params()) == 23


def test_flatten_fills_each_group_and_keeps_masking_whole():
    flat = flatten(JEPATransformer().get_params())
    assert flat["masking"] is None and "mask_ratio" not in flat
    assert (flat["weight_decay"], flat["warmup_fraction"], flat["grad_clip"]) == (
        0.05,
        0.1,
        1.0,
    )
    assert flat["early_stopping"] is False and flat["tol"] == 1e-4
    params = JEPATransformer(
        masking=(0.2, 0.4),
        encoder_params={"stride": 4},
        early_stopping={},
    ).get_params()
    flat = flatten(params)
    assert flat["masking"] == (0.2, 0.4)
    assert flat["stride"] == 4 and flat["patch_size"] is None
    # an empty dict turns early stopping on with its defaults
    assert flat["early_stopping"] is True and flat["n_iter_no_change"] == 10
    strategy = FeatureMask(0.3)
    flat = flatten(JEPATransformer(masking=strategy).get_params())
    assert flat["masking"] is strategy


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(encoder_params={"n_head": 2}), r"unknown key\(s\) \['n_head'\]"),
        (dict(optimizer_params={"weight_decay": -1.0}), "weight_decay"),
        (dict(early_stopping={"tol": "small"}), "tol"),
    ],
)
def test_bad_group_keys_are_named_before_training(X, params, match):
    jepa = JEPATransformer(max_iter=1, **params)
    with pytest.raises(ValueError, match=match):
        jepa.fit(X[:50])
    assert not hasattr(jepa, "net_")


def test_group_keys_route_through_set_params_and_searches(X):
    jepa = JEPATransformer(optimizer_params={"weight_decay": 0.1}, early_stopping=True)
    jepa.set_params(optimizer_params__grad_clip=2.0, early_stopping__tol=0.5)
    assert jepa.optimizer_params == {"weight_decay": 0.1, "grad_clip": 2.0}
    assert jepa.early_stopping == {"tol": 0.5}
    with pytest.raises(ValueError, match="set early_stopping=True"):
        JEPATransformer().set_params(early_stopping__tol=0.5)
    # the dict the estimator held is not changed in place (clone safety)
    held = {"weight_decay": 0.1}
    JEPATransformer(optimizer_params=held).set_params(optimizer_params__grad_clip=2.0)
    assert held == {"weight_decay": 0.1}
    pipe = Pipeline([("jepa", JEPATransformer(hidden_size=8, max_iter=1))])
    grid = {"jepa__encoder_params__predictor_size": [4, 8]}
    search = GridSearchCV(pipe, grid, cv=2, scoring=_score).fit(X[:60])
    widths = {
        p["jepa__encoder_params__predictor_size"] for p in search.cv_results_["params"]
    }
    assert widths == {4, 8}
    best = search.best_estimator_.named_steps["jepa"]
    assert (
        best.config_.predictor_size
        == search.best_params_["jepa__encoder_params__predictor_size"]
    )


def _score(pipe, X, y=None):
    return pipe.score(X)


def test_unknown_keyword_is_a_type_error_at_fit_also_after_clone(X):
    # scikit-learn validates at fit, not in __init__; clone rebuilds from
    # get_params, which carries the keyword, so cross-validation fails too
    # instead of running the default width silently
    jepa = JEPATransformer(hiden_size=8)
    for estimator in (jepa, clone(jepa), clone(Pipeline([("jepa", jepa)]))):
        with pytest.raises(TypeError, match=r"unexpected parameter\(s\) 'hiden_size'"):
            estimator.fit(X[:50])
    with pytest.raises(TypeError, match=r"unexpected parameter\(s\) 'hiden_size'"):
        cross_val_score(jepa, X[:60], cv=2, scoring=_score, error_score="raise")
    with pytest.raises(ValueError, match="Invalid parameter 'hiden_size'"):
        JEPATransformer().set_params(hiden_size=8)
    # a valid estimator's clone keeps every parameter it was built with
    valid = clone(JEPATransformer(hidden_size=8, max_iter=1, random_state=0))
    assert valid.fit(X[:50]).config_.hidden_size == 8
    assert "hiden_size" not in valid.get_params()


def test_partial_fit_after_an_early_stopping_fit_trains(X):
    jepa = JEPATransformer(
        hidden_size=16, max_iter=3, early_stopping=True, random_state=0
    ).fit(X)
    before = jepa.transform(X)
    jepa.partial_fit(X)
    assert jepa.n_iter_ == 4 and not np.array_equal(jepa.transform(X), before)
