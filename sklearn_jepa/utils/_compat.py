"""Compatibility with models and code of earlier versions, in one place.

- 0.3's parameter names (and 0.1's ``max_epochs`` / ``lr``), still accepted
  until 0.6 in the constructor, ``set_params`` and search grids with a
  ``FutureWarning`` that names the new spelling (:func:`translate`);
- estimators pickled by 0.3, whose parameters load in 0.4's form
  (:func:`from_0_3`);
- estimators pickled by 0.2, whose fit state is rebuilt and whose training
  rows are dropped (:func:`state_from_0_2`), and 0.2's names of the config's
  widths (:func:`config_fields_0_2`);
- 0.4's words inside saved models: fit states whose parameters split
  ``masking`` into ``mask_ratio`` (:func:`params_from_0_4`), conv configs
  that kept the stride as ``patch_size`` (:func:`config_fields_0_4`), and
  ``FeatureMask``'s ``mask_ratio`` (:func:`feature_mask_state`,
  :func:`renamed_keyword`);
- the module paths that 0.2-0.5 pickles and skops files name (classes are
  pickled by module): 0.5 moved the private modules into the layer
  subpackages, and ``sklearn_jepa._transformer`` is where 0.2 kept the
  estimator (:data:`OLD_MODULES`, :func:`alias_old_modules`), and
  ``sklearn_jepa.InconsistentVersionWarning`` (``sklearn_jepa.__init__``)
  stays where old code looks for it.
"""

import importlib
import sys

from ._parameters import GROUPS, stored
from ._warnings import warn

__all__ = [
    "MOVED",
    "OLD_MODULES",
    "alias_old_modules",
    "config_fields_0_2",
    "config_fields_0_4",
    "feature_mask_state",
    "from_0_3",
    "params_from_0_4",
    "renamed_keyword",
    "state_from_0_2",
    "translate",
]

# 0.3's parameter -> (its 0.4 parameter, key inside it or None)
MOVED = {
    "mask_ratio": ("masking", None),
    "patch_size": ("encoder_params", "patch_size"),
    "predictor_size": ("encoder_params", "predictor_size"),
    "n_heads": ("encoder_params", "n_heads"),
    "n_registers": ("encoder_params", "n_registers"),
    "weight_decay": ("optimizer_params", "weight_decay"),
    "warmup_fraction": ("optimizer_params", "warmup_fraction"),
    "grad_clip": ("optimizer_params", "grad_clip"),
    "validation_fraction": ("early_stopping", "validation_fraction"),
    "n_iter_no_change": ("early_stopping", "n_iter_no_change"),
    "tol": ("early_stopping", "tol"),
    # 0.1's names, deprecated since 0.2
    "max_epochs": ("max_iter", None),
    "lr": ("learning_rate", None),
}
# 0.2's names of the config's widths (one vocabulary since 0.3)
_CONFIG_FIELDS_0_2 = {
    "width": "hidden_size",
    "embedding_width": "embedding_size",
    "predictor_width": "predictor_size",
}


def translate(current, old):
    """0.3's (and 0.1's) parameters ``old`` as 0.4 ones, updating the 0.4
    parameters ``current`` (a dict of what is set so far), with a
    ``FutureWarning`` per old name that gives its new spelling.

    Returns the new parameters and the names that are not old parameters
    either (an error at ``fit``, as scikit-learn validates there:
    :func:`check_unknown`).
    """
    new, unknown = {}, {}
    for name, value in old.items():
        if name not in MOVED:
            unknown[name] = value
            continue
        target, key = MOVED[name]
        if key is None and current.get(target) is not None:
            if name != "mask_ratio":
                raise ValueError(f"Give {target} only, not both {target} and {name}.")
            warn(
                f"mask_ratio is deprecated and will be removed in 0.6, and it has "
                f"no effect with a masking strategy ({current[target]!r}).",
                FutureWarning,
            )
            continue
        if key is None:
            warn(
                f"{name} is deprecated and will be removed in 0.6; use "
                f"{target}={value!r}.",
                FutureWarning,
            )
            new[target] = value
            continue
        group = new.get(target, current.get(target))
        if target == "early_stopping" and not group:
            # 0.3 ignored it (with a warning) unless early stopping was on
            warn(
                f"{name} is deprecated and will be removed in 0.6, and it has no "
                f"effect without early stopping; use "
                f"early_stopping={{{key!r}: {value!r}}} to stop early.",
                FutureWarning,
            )
            continue
        merged = dict(group) if isinstance(group, dict) else {}
        merged[key] = value
        warn(
            f"{name} is deprecated and will be removed in 0.6; use "
            f"{target}={merged!r}.",
            FutureWarning,
        )
        new[target] = merged
    return new, unknown


def from_0_3(state):
    """An estimator ``__dict__`` pickled by 0.3: its parameters in 0.4's form
    (silently: the model was saved, not written, with the old names)."""
    old = {name: state.pop(name) for name in list(MOVED) if name in state}
    if not old:
        return state
    masking, ratio = state.get("masking"), old.get("mask_ratio")
    if masking is None and ratio is not None:
        state["masking"] = ratio
    for group, keys in GROUPS.items():
        given = {
            key: old[name]
            for name, (target, key) in MOVED.items()
            if target == group and name in old and old[name] != keys[key][0]
        }
        if group == "early_stopping":
            state[group] = (given or True) if state.get(group) else False
        else:
            state[group] = given or None
    for name in ("max_epochs", "lr"):
        target = MOVED[name][0]
        if old.get(name, "deprecated") != "deprecated" and state.get(target) is None:
            state[target] = old[name]
    return state


def state_from_0_2(estimator_state, param_names):
    """The :meth:`FitState.state_dict` of a model pickled by sklearn-jepa 0.2,
    popping its fitted entries from ``estimator_state`` (its ``_sample`` of
    training rows is dropped)."""
    net = dict(estimator_state.pop("net_"))
    schedules = net.pop("schedules")
    net["callbacks"] = {"lr_schedule": schedules, "ema": schedules}
    # a parameter 0.2 did not have (stride) is unset
    params = {name: estimator_state.get(name) for name in param_names}
    for old, new in (("max_epochs", "max_iter"), ("lr", "learning_rate")):
        if params[old] != "deprecated" and params[new] is None:
            params[new] = params[old]
    params = params_from_0_4(
        {**params, "mask_ratio": estimator_state.get("mask_ratio")}
    )
    config = estimator_state.pop("config_")
    state = {
        "config": type(config).from_fields(vars(config)),
        "seeds": estimator_state.pop("_seeds").entropy,
        "mean": estimator_state.pop("mean_"),
        "scale": estimator_state.pop("scale_"),
        "params": stored(params),
        "projection": estimator_state.pop("projection_"),
        "n_components": estimator_state.pop("n_components_"),
        "net": net,
    }
    for name in ("_sample", "history_", "n_iter_", "loss_curve_", "best_loss_"):
        estimator_state.pop(name, None)
    return state


def config_fields_0_2(fields):
    """A config's fields, with 0.2's names of the widths renamed."""
    return {_CONFIG_FIELDS_0_2.get(name, name): v for name, v in fields.items()}


def params_from_0_4(params):
    """A fit state's flat parameters as today's: 0.4 split ``masking`` into
    a ratio (``mask_ratio``) and a strategy (``masking``)."""
    if "mask_ratio" not in params:
        return params
    params = dict(params)
    ratio = params.pop("mask_ratio")
    if params.get("masking") is None:
        params["masking"] = ratio
    return params


def config_fields_0_4(fields):
    """A config's fields as today's: 0.4's conv configs kept the stride in
    ``patch_size``."""
    fields = config_fields_0_2(fields)
    if "stride" not in fields:
        conv_signal = fields.get("encoder") == "conv" and fields.get("kind") == "signal"
        fields["stride"] = fields.get("patch_size") if conv_signal else None
        if conv_signal:
            fields["patch_size"] = None
    return fields


def feature_mask_state(state):
    """A pickled or saved ``FeatureMask``'s attributes: 0.4's ``mask_ratio``
    is today's ``ratio``."""
    if "mask_ratio" in state:
        state = dict(state)
        state["ratio"] = state.pop("mask_ratio")
    return state


def renamed_keyword(owner, name, value, deprecated):
    """``value``, or the same setting under its 0.4 keyword (``mask_ratio``)
    with a ``FutureWarning``; any other keyword is a ``TypeError``."""
    old = {"mask_ratio": "ratio"}
    for key, given in deprecated.items():
        if old.get(key) != name:
            raise TypeError(f"{owner}() got an unexpected keyword argument {key!r}")
        warn(
            f"{owner}({key}=...) is deprecated and will be removed in 0.6; use "
            f"{owner}({name}={given!r}).",
            FutureWarning,
        )
        value = given
    return value


# the private modules of 0.2-0.4 (and 0.5 before the layers) -> where they
# live now, under sklearn_jepa
OLD_MODULES = {
    "_warnings": "utils._warnings",
    "_compat": "utils._compat",
    "_parameters": "utils._parameters",
    "_seeds": "utils._seeds",
    "_runtime": "utils._runtime",
    "_portable": "utils._portable",
    "_columns": "inputs._columns",
    "_collections": "inputs._collections",
    "_validation": "inputs._validation",
    "_encoders": "nn._mlp",
    "_tokens": "nn._tokens",
    "_conv": "nn._conv",
    "_cnn": "nn._cnn",
    "_rocket": "nn._rocket",
    "_model": "nn._model",
    "_masks": "nn._masks",
    "_losses": "nn._losses",
    "_readout": "nn._readout",
    "_ema": "nn._ema",
    "_config": "configuration._config",
    "_build": "configuration._build",
    "_budget": "configuration._budget",
    "_training": "engine._training",
    "_callbacks": "engine._callbacks",
    "_state": "engine._state",
    "_inference": "engine._inference",
    "_projection": "engine._projection",
    "_diagnostics": "engine._diagnostics",
    "_distributed": "engine._distributed",
    "_export": "engine._export",
    "_adapters": "integrations._adapters",
    "_dask": "integrations._dask",
    "_display": "integrations._display",
    "_transformer": "_estimator",
}


def alias_old_modules():
    """Make every old module path import as the module that holds its
    classes now, so pickles and skops files that name them load
    (``pickle`` imports a class's module by name). Called once by
    ``sklearn_jepa/__init__.py``."""
    for old, new in OLD_MODULES.items():
        sys.modules.setdefault(
            f"sklearn_jepa.{old}", importlib.import_module(f"sklearn_jepa.{new}")
        )
