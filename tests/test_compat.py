"""Compatibility with earlier versions (sklearn_jepa.utils._compat): 0.3's
parameter names, 0.3 and 0.2 pickles (the pickles themselves are loaded in
test_persistence.py)."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_jepa import FeatureMask, JEPATransformer
from sklearn_jepa.configuration._config import JEPAConfig
from sklearn_jepa.utils._compat import (
    MOVED,
    OLD_MODULES,
    config_fields_0_2,
    config_fields_0_4,
    from_0_3,
    params_from_0_4,
)


@pytest.mark.parametrize(
    "old, new",
    [
        (dict(mask_ratio=(0.2, 0.4)), dict(masking=(0.2, 0.4))),
        (dict(predictor_size=8), dict(encoder_params={"predictor_size": 8})),
        (
            dict(weight_decay=0.1, grad_clip=None),
            dict(optimizer_params={"weight_decay": 0.1, "grad_clip": None}),
        ),
        (
            dict(early_stopping=True, n_iter_no_change=2, tol=0.5),
            dict(early_stopping={"n_iter_no_change": 2, "tol": 0.5}),
        ),
    ],
)
def test_03_spellings_warn_and_fit_identically(X, old, new):
    common = dict(hidden_size=16, max_iter=3, random_state=0)
    with pytest.warns(FutureWarning, match="deprecated and will be removed in 0.6"):
        old_style = JEPATransformer(**common, **old)
    assert old_style.get_params() == JEPATransformer(**common, **new).get_params()
    new_style = JEPATransformer(**common, **new).fit(X[:200])
    assert_array_equal(old_style.fit(X[:200]).transform(X), new_style.transform(X))


def test_03_spellings_in_set_params_and_search_grids(X):
    jepa = JEPATransformer(encoder_params={"n_heads": 2})
    with pytest.warns(FutureWarning, match=r"use encoder_params=\{'n_heads': 2, "):
        jepa.set_params(n_registers=3)
    assert jepa.encoder_params == {"n_heads": 2, "n_registers": 3}
    with pytest.warns(FutureWarning, match="no effect without early stopping"):
        jepa.set_params(tol=0.1)
    assert jepa.early_stopping is False
    pipe = Pipeline([("jepa", JEPATransformer(hidden_size=8, max_iter=1))])
    with pytest.warns(FutureWarning, match="use masking=0.3"):
        GridSearchCV(pipe, {"jepa__mask_ratio": [0.3]}, cv=2).fit(X[:60])


def test_an_03_estimator_dict_loads_in_the_new_form():
    old = {
        "n_components": None,
        "mask_ratio": 0.3,
        "masking": None,
        "patch_size": 4,
        "n_heads": None,
        "predictor_size": None,
        "n_registers": None,
        "weight_decay": 0.05,
        "warmup_fraction": 0.2,
        "grad_clip": 1.0,
        "early_stopping": True,
        "validation_fraction": 0.1,
        "n_iter_no_change": 3,
        "tol": 1e-4,
        "max_epochs": "deprecated",
        "lr": "deprecated",
        "max_iter": 5,
    }
    new = from_0_3(dict(old))
    assert new["masking"] == 0.3 and new["encoder_params"] == {"patch_size": 4}
    assert new["optimizer_params"] == {"warmup_fraction": 0.2}
    assert new["early_stopping"] == {"n_iter_no_change": 3}
    assert new["max_iter"] == 5 and "lr" not in new and "tol" not in new
    old.update(early_stopping=False, n_iter_no_change=10, warmup_fraction=0.1)
    new = from_0_3(old)
    assert new["early_stopping"] is False and new["optimizer_params"] is None


def test_every_moved_name_has_a_new_home():
    params = JEPATransformer().get_params()
    for old, (new, key) in MOVED.items():
        assert old not in params and new in params, old
        assert key is None or new in (
            "encoder_params",
            "optimizer_params",
            "early_stopping",
        )


def test_0_2_width_names_of_a_config():
    fields = config_fields_0_2({"width": 8, "embedding_width": 4, "kind": "table"})
    assert fields == {"hidden_size": 8, "embedding_size": 4, "kind": "table"}
    assert "predictor_size" in JEPAConfig.__dataclass_fields__


def test_03_patch_size_of_the_conv_encoder_is_its_stride(X):
    X = np.random.RandomState(0).normal(size=(40, 64))
    common = dict(input_shape=(64,), hidden_size=8, max_iter=1, random_state=0)
    new = JEPATransformer(**common, encoder_params={"stride": 2}).fit(X)
    with pytest.warns(FutureWarning, match="patch_size is deprecated"):
        old = JEPATransformer(**common, patch_size=2)
    with pytest.warns(FutureWarning, match="set the conv encoder's stride"):
        old.fit(X)
    assert old.config_.stride == new.config_.stride == 2
    assert old.config_.patch_size is new.config_.patch_size is None
    assert_array_equal(old.transform(X), new.transform(X))


def test_04_words_inside_saved_models_are_translated():
    params = params_from_0_4({"mask_ratio": 0.3, "masking": None, "max_iter": 2})
    assert params == {"masking": 0.3, "max_iter": 2}
    strategy = FeatureMask(0.5)
    params = params_from_0_4({"mask_ratio": None, "masking": strategy})
    assert params == {"masking": strategy}
    fields = config_fields_0_4({"encoder": "conv", "kind": "signal", "patch_size": 4})
    assert (fields["stride"], fields["patch_size"]) == (4, None)
    fields = config_fields_0_4(
        {"encoder": "transformer", "kind": "image", "patch_size": 7}
    )
    assert (fields["stride"], fields["patch_size"]) == (None, 7)


def test_feature_mask_takes_and_loads_its_04_keyword():
    with pytest.warns(FutureWarning, match=r"FeatureMask\(ratio=0.3\)"):
        strategy = FeatureMask(mask_ratio=0.3)
    assert strategy == FeatureMask(0.3) and strategy.ratio == 0.3
    with pytest.raises(TypeError, match="unexpected keyword argument 'ratios'"):
        FeatureMask(ratios=0.3)
    old = FeatureMask.__new__(FeatureMask)
    old.__setstate__({"mask_ratio": (0.2, 0.4)})  # as 0.4 pickled it
    assert old == FeatureMask((0.2, 0.4))


def test_every_old_module_path_imports_the_module_that_holds_its_classes():
    import importlib

    for old, new in OLD_MODULES.items():
        module = importlib.import_module(f"sklearn_jepa.{old}")
        assert module is importlib.import_module(f"sklearn_jepa.{new}"), old
    from sklearn_jepa._masks import FeatureMask as old_path  # 0.4's path

    assert old_path is FeatureMask


@pytest.mark.parametrize(
    "old_path", ["sklearn_jepa._transformer", "sklearn_jepa._estimator"]
)
def test_a_pickle_naming_an_old_module_path_loads(old_path):
    import pickle

    jepa = JEPATransformer(n_components=3, masking=FeatureMask(0.3))
    data = pickle.dumps(jepa, protocol=0)
    old = data.replace(b"sklearn_jepa.nn._masks", b"sklearn_jepa._masks")
    old = old.replace(b"sklearn_jepa._estimator", old_path.encode())
    assert b"sklearn_jepa._masks" in old
    loaded = pickle.loads(old)
    assert isinstance(loaded, JEPATransformer) and loaded.n_components == 3
    assert loaded.masking == FeatureMask(0.3)
