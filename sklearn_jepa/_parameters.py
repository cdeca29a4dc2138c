"""The public parameters, their internal flat form, and the old spellings.

Since 0.4 the estimator has 23 parameters. Settings that are part of
another one travel inside it: the mask ratio is a ``masking`` value, the
built-in encoders' secondary sizes are ``encoder_params``, the optimizer's
secondary settings are ``optimizer_params``, and early stopping's patience,
tolerance and held-out share are an ``early_stopping`` dict. The fit itself
reads one flat dict with a key per setting (:func:`flatten`), so the
configuration, the fit state and saved models are the same as in 0.3.

0.3's spellings (``mask_ratio=0.3``, ``n_heads=8``, ``tol=1e-3``, ...) and
0.1's ``max_epochs`` / ``lr`` still work for one release, in the
constructor, in ``set_params`` and in search grids, with a
``FutureWarning`` that names the new spelling (:func:`translate`). Models
pickled by 0.3 load with their parameters in the new form
(:func:`from_0_3`).
"""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, validate_parameter_constraints

from ._warnings import warn

__all__ = [
    "EARLY_STOPPING",
    "ENCODER_PARAMS",
    "MOVED",
    "OPTIMIZER_PARAMS",
    "check_unknown",
    "flatten",
    "from_0_3",
    "route",
    "translate",
]

_POSITIVE = Interval(Integral, 1, None, closed="left")

# key: (default, constraints); None means "chosen at fit" (JEPAConfig)
ENCODER_PARAMS = {
    # the transformer's patch side (images) or length (signals)
    "patch_size": (None, [_POSITIVE, None]),
    # the conv encoder's steps per token (its input convolution's stride)
    "stride": (None, [_POSITIVE, None]),
    "predictor_size": (None, [_POSITIVE, None]),
    "n_heads": (None, [_POSITIVE, None]),
    "n_registers": (None, [Interval(Integral, 0, None, closed="left"), None]),
}
OPTIMIZER_PARAMS = {
    "weight_decay": (0.05, [Interval(Real, 0, None, closed="left")]),
    "warmup_fraction": (0.1, [Interval(Real, 0, 1, closed="left")]),
    "grad_clip": (1.0, [Interval(Real, 0, None, closed="neither"), None]),
}
EARLY_STOPPING = {
    "validation_fraction": (0.1, [Interval(Real, 0, 1, closed="neither")]),
    "n_iter_no_change": (10, [_POSITIVE]),
    "tol": (1e-4, [Interval(Real, 0, None, closed="left")]),
}
_GROUPS = {
    "encoder_params": ENCODER_PARAMS,
    "optimizer_params": OPTIMIZER_PARAMS,
    "early_stopping": EARLY_STOPPING,
}
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


def flatten(params):
    """The flat dict the fit reads: one key per setting, 0.3's names.

    ``masking`` splits into the ratio (``mask_ratio``) and a strategy; each
    group's keys are checked and their defaults filled in; ``stride`` is the
    conv encoder's ``patch_size``.
    """
    flat = {k: v for k, v in params.items() if k not in _GROUPS}
    masking = params["masking"]
    is_ratio = masking is not None and not callable(masking)
    flat["mask_ratio"] = masking if is_ratio else None
    flat["masking"] = None if is_ratio else masking
    early_stopping = params["early_stopping"]
    flat["early_stopping"] = isinstance(early_stopping, dict) or bool(early_stopping)
    for group, keys in _GROUPS.items():
        given = params[group] if isinstance(params[group], dict) else {}
        _check_keys(group, given, keys)
        flat.update(
            {key: given.get(key, default) for key, (default, _) in keys.items()}
        )
    if flat["stride"] is not None and flat["patch_size"] is not None:
        raise ValueError(
            "encoder_params: give patch_size (transformer) or stride (conv), not both."
        )
    stride = flat.pop("stride")
    if stride is not None:
        flat["patch_size"] = stride
    return flat


def _check_keys(group, given, keys):
    unknown = sorted(set(given) - set(keys))
    if unknown:
        raise ValueError(
            f"{group} got unknown key(s) {unknown}; the keys are {sorted(keys)}."
        )
    validate_parameter_constraints(
        {key: keys[key][1] for key in given}, given, caller_name=group
    )


def route(estimator, params):
    """``set_params`` keys of the form ``<group>__<key>`` (as search grids
    write them: ``{"jepa__encoder_params__n_heads": [2, 4]}``) merged into a
    copy of that group's dict."""
    routed = {}
    for name in list(params):
        group, sep, key = name.partition("__")
        if sep and group in _GROUPS:
            current = routed.get(group, params.get(group, getattr(estimator, group)))
            merged = dict(current) if isinstance(current, dict) else {}
            if group == "early_stopping" and current is False:
                raise ValueError(
                    f"{name} is an early stopping setting: set early_stopping=True "
                    "or a dict, not False, to search over it."
                )
            merged[key] = params.pop(name)
            routed[group] = merged
    params.update(routed)
    return params


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
                f"mask_ratio is deprecated and will be removed in 0.5, and it has "
                f"no effect with a masking strategy ({current[target]!r}).",
                FutureWarning,
            )
            continue
        if key is None:
            warn(
                f"{name} is deprecated and will be removed in 0.5; use "
                f"{target}={value!r}.",
                FutureWarning,
            )
            new[target] = value
            continue
        group = new.get(target, current.get(target))
        if target == "early_stopping" and not group:
            # 0.3 ignored it (with a warning) unless early stopping was on
            warn(
                f"{name} is deprecated and will be removed in 0.5, and it has no "
                f"effect without early stopping; use "
                f"early_stopping={{{key!r}: {value!r}}} to stop early.",
                FutureWarning,
            )
            continue
        merged = dict(group) if isinstance(group, dict) else {}
        merged[key] = value
        warn(
            f"{name} is deprecated and will be removed in 0.5; use "
            f"{target}={merged!r}.",
            FutureWarning,
        )
        new[target] = merged
    return new, unknown


def check_unknown(unknown):
    """Raise for keyword arguments that are no parameter, old or new."""
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        raise TypeError(
            f"JEPATransformer got unexpected parameter(s) {names}; see "
            "JEPATransformer().get_params() for its parameters."
        )


def from_0_3(state):
    """An estimator ``__dict__`` pickled by 0.3: its parameters in 0.4's form
    (silently: the model was saved, not written, with the old names)."""
    old = {name: state.pop(name) for name in list(MOVED) if name in state}
    if not old:
        return state
    masking, ratio = state.get("masking"), old.get("mask_ratio")
    if masking is None and ratio is not None:
        state["masking"] = ratio
    for group, keys in _GROUPS.items():
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
