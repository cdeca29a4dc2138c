"""The public parameters, their internal flat form, and the old spellings.

Since 0.4 the estimator has 23 parameters. Settings that are part of
another one travel inside it: the mask ratio is a ``masking`` value, the
built-in encoders' secondary sizes are ``encoder_params``, the optimizer's
secondary settings are ``optimizer_params``, and early stopping's patience,
tolerance and held-out share are an ``early_stopping`` dict. The fit itself
reads one flat dict with a key per setting (:func:`flatten`), in the same
words: ``masking`` is a ratio, a ``(low, high)`` pair or a strategy there
too.

0.3's spellings still work for one release (``sklearn_jepa.utils._compat``).
"""

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, validate_parameter_constraints

__all__ = [
    "EARLY_STOPPING",
    "ENCODER_PARAMS",
    "OPTIMIZER_PARAMS",
    "check_unknown",
    "GROUPS",
    "flatten",
    "route",
    "stored",
]

_POSITIVE = Interval(Integral, 1, None, closed="left")

# key: (default, constraints); None means "chosen at fit" (JEPAConfig)
ENCODER_PARAMS = {
    # the transformer's patch side (images) or length (signals)
    "patch_size": (None, [_POSITIVE, None]),
    # the conv encoder's steps per token (its input convolution's stride)
    "stride": (None, [_POSITIVE, None]),
    # values of the conv encoder's fixed MiniRocket kernel bank (signals);
    # None: 10,000, 0: no bank
    "kernel_bank": (None, [Interval(Integral, 0, None, closed="left"), None]),
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
GROUPS = {
    "encoder_params": ENCODER_PARAMS,
    "optimizer_params": OPTIMIZER_PARAMS,
    "early_stopping": EARLY_STOPPING,
}


def flatten(params):
    """The flat dict the fit reads: one key per setting.

    Each group's keys are checked and their defaults filled in.
    """
    flat = {k: v for k, v in params.items() if k not in GROUPS}
    early_stopping = params["early_stopping"]
    flat["early_stopping"] = isinstance(early_stopping, dict) or bool(early_stopping)
    for group, keys in GROUPS.items():
        given = params[group] if isinstance(params[group], dict) else {}
        _check_keys(group, given, keys)
        flat.update(
            {key: given.get(key, default) for key, (default, _) in keys.items()}
        )
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


def stored(params):
    """The parameters a fit state records: all but the callbacks (objects
    that live on the net, not data) and 0.1's aliases (already mapped)."""
    return {
        name: value
        for name, value in params.items()
        if name not in ("callbacks", "max_epochs", "lr")
    }


def route(estimator, params):
    """``set_params`` keys of the form ``<group>__<key>`` (as search grids
    write them: ``{"jepa__encoder_params__n_heads": [2, 4]}``) merged into a
    copy of that group's dict."""
    routed = {}
    for name in list(params):
        group, sep, key = name.partition("__")
        if sep and group in GROUPS:
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


def check_unknown(unknown):
    """Raise for keyword arguments that are no parameter, old or new."""
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        raise TypeError(
            f"JEPATransformer got unexpected parameter(s) {names}; see "
            "JEPATransformer().get_params() for its parameters."
        )
