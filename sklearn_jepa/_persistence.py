"""Saving a fitted ``JEPATransformer`` without pickling torch or skorch objects.

A fitted estimator is described by its *portable state*: the skorch net is
replaced by plain data (weights, optimizer state, history, generator states
and schedule counters as arrays, lists and numbers), from which
:func:`restore_net` rebuilds an identical net. Three uses:

- ``JEPATransformer.__getstate__``/``__setstate__`` (pickle, joblib, skops):
  skops then sees only built-in types, arrays and four sklearn-jepa types.
- :func:`save` / :func:`load`: one file written with ``torch.save`` holding
  only strings and tensors, read back with ``torch.load(weights_only=True)``:
  loading never runs code from the file. Parameters and fitted numbers are
  JSON, decoded through a fixed list of tags, never by importing names.
"""

import json
import warnings

import numpy as np
import torch
from skorch.history import History

from ._build import build_module
from ._config import JEPAConfig
from ._masks import FeatureMask, MultiBlockMask, SpanMask
from ._runtime import forked_rng
from ._seeds import Seeds
from ._training import make_net
from ._version import __version__

__all__ = ["InconsistentVersionWarning", "load", "save"]

FORMAT = "sklearn-jepa"
FORMAT_VERSION = 1
_MASKS = {cls.__name__: cls for cls in (FeatureMask, MultiBlockMask, SpanMask)}


class InconsistentVersionWarning(UserWarning):
    """A model saved by another version of sklearn-jepa or torch was loaded.

    As scikit-learn's warning of the same name: the model may load and work,
    or silently behave differently; refit it with the installed versions when
    you can.
    """

    def __init__(self, *, component, original, current):
        self.component = component
        self.original = original
        self.current = current

    def __str__(self):
        return (
            f"This model was saved with {self.component} {self.original} and is "
            f"loaded with {self.current}. It may not behave the same; refit it "
            "with the installed version where you can."
        )


# -- the net as plain data ---------------------------------------------------


def net_state(net):
    """Everything of a trained :class:`JEPANet` that is not rebuilt from params."""
    callbacks = dict(net.callbacks_)
    schedules = callbacks["schedules"]
    return {
        "module": {
            name: tensor.detach().cpu().numpy().copy()
            for name, tensor in net.module_.state_dict().items()
        },
        "optimizer": _optimizer_to_plain(net.optimizer_.state_dict()),
        "history": _plain(net.history.to_list()),
        "generators": {
            "shuffle": _generator_state(net.iterator_train__generator),
            "train_masks": _generator_state(net.iterator_train__collate_fn.generator),
        },
        "schedules": {
            "step": int(getattr(schedules, "step_", 0)),
            "segment_start": getattr(schedules, "segment_start_", None),
        },
        "device": str(net.device),
        "interrupted": bool(getattr(net, "interrupted_", False)),
    }


def restore_net(estimator, state, options, callbacks):
    """An initialised net of ``estimator.config_`` holding ``state``."""
    device = state["device"]
    if device.startswith("cuda") and not torch.cuda.is_available():
        warnings.warn(
            f"The model was trained on {device} but CUDA is not available; it "
            "is loaded on the CPU.",
            UserWarning,
            stacklevel=4,
        )
        device = "cpu"
    custom = estimator.encoder if estimator.config_.encoder == "custom" else None
    # building draws initial weights; they are overwritten, and the user's
    # global torch generator must not move
    with forked_rng(device):
        module = build_module(estimator.config_, custom)
        net = make_net(
            estimator.config_,
            module,
            estimator._seeds,
            estimator._sample,
            device,
            options=options,
            callbacks=callbacks,
        )
    weights = {
        name: torch.from_numpy(np.array(v)) for name, v in state["module"].items()
    }
    net.module_.load_state_dict(weights)
    net.module_.eval()
    net.optimizer_.load_state_dict(_optimizer_from_plain(state["optimizer"]))
    net.history = History(state["history"])
    generators = state["generators"]
    net.iterator_train__generator.set_state(_as_byte_tensor(generators["shuffle"]))
    net.iterator_train__collate_fn.generator.set_state(
        _as_byte_tensor(generators["train_masks"])
    )
    schedules = dict(net.callbacks_)["schedules"]
    schedules.step_ = state["schedules"]["step"]
    if state["schedules"]["segment_start"] is not None:
        schedules.segment_start_ = state["schedules"]["segment_start"]
    net.interrupted_ = state["interrupted"]
    return net


def _generator_state(generator):
    return generator.get_state().numpy().copy()


def _as_byte_tensor(array):
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.uint8))


def _optimizer_to_plain(state_dict):
    """Tensors to arrays, integer keys to strings (skops and JSON want str keys)."""
    return {
        "state": {
            str(index): {
                key: value.detach().cpu().numpy().copy()
                if torch.is_tensor(value)
                else value
                for key, value in entry.items()
            }
            for index, entry in state_dict["state"].items()
        },
        "param_groups": [_plain(group) for group in state_dict["param_groups"]],
    }


def _optimizer_from_plain(plain):
    groups = []
    for group in plain["param_groups"]:
        group = dict(group)
        for key, value in group.items():
            if key != "params" and isinstance(value, list):
                group[key] = tuple(value)  # betas
        groups.append(group)
    return {
        "state": {
            int(index): {
                key: torch.from_numpy(np.array(value))
                if isinstance(value, np.ndarray)
                else value
                for key, value in entry.items()
            }
            for index, entry in plain["state"].items()
        },
        "param_groups": groups,
    }


def _plain(value):
    """Numbers, strings, lists and str-keyed dicts only (numpy scalars too)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if torch.is_tensor(value):
        return value.item() if value.dim() == 0 else value.tolist()
    return value


# -- the safe file format ----------------------------------------------------


def save(estimator, path):
    """Write a fitted :class:`JEPATransformer` to ``path`` without pickles.

    The file holds strings and tensors only (``torch.save``); :func:`load`
    reads it with ``torch.load(weights_only=True)``, so loading never runs
    code from the file. What cannot be written that way raises a
    ``TypeError`` naming it: a custom encoder module, custom masking or
    callbacks (use ``joblib`` or skops for those, from trusted sources).

    Parameters
    ----------
    estimator : JEPATransformer
        Fitted.
    path : str or path-like

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_jepa import JEPATransformer, load, save
    >>> X, _ = load_digits(return_X_y=True)
    >>> jepa = JEPATransformer(4, max_iter=1, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "jepa.pt")
    >>> save(jepa, path)
    >>> bool((load(path).transform(X) == jepa.transform(X)).all())
    True
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "net_")
    arrays = {}
    meta = _encode(estimator.__getstate__(), arrays, "state")
    payload = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "versions": json.dumps(_versions()),
        "estimator": type(estimator).__name__,
        "state": json.dumps(meta),
        "arrays": {
            key: torch.from_numpy(np.ascontiguousarray(a)) for key, a in arrays.items()
        },
    }
    torch.save(payload, path)


def load(path):
    """Read a :class:`JEPATransformer` written by :func:`save`.

    ``torch.load(weights_only=True)`` accepts only strings, numbers and
    tensors, so no code in the file runs. A file from another sklearn-jepa
    or torch version warns with :class:`InconsistentVersionWarning`.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    estimator : JEPATransformer
    """
    from ._transformer import JEPATransformer

    payload = torch.load(path, weights_only=True, map_location="cpu")
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path!s} is not an sklearn-jepa model file.")
    if int(payload["format_version"]) > FORMAT_VERSION:
        raise ValueError(
            f"{path!s} uses format version {payload['format_version']}; this "
            f"sklearn-jepa reads up to {FORMAT_VERSION}. Upgrade sklearn-jepa."
        )
    if payload["estimator"] != JEPATransformer.__name__:
        raise ValueError(f"Unknown estimator {payload['estimator']!r} in {path!s}.")
    _warn_versions(json.loads(payload["versions"]))
    arrays = {key: tensor.numpy() for key, tensor in payload["arrays"].items()}
    state = _decode(json.loads(payload["state"]), arrays)
    estimator = JEPATransformer.__new__(JEPATransformer)
    estimator.__setstate__(state)
    return estimator


def _versions():
    import sklearn

    return {
        "sklearn_jepa": __version__,
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
    }


def _warn_versions(saved):
    current = _versions()
    for component in ("sklearn_jepa", "torch"):
        if saved.get(component) != current[component]:
            warnings.warn(
                InconsistentVersionWarning(
                    component=component.replace("_", "-"),
                    original=saved.get(component),
                    current=current[component],
                ),
                stacklevel=3,
            )


def _encode(value, arrays, key):
    """JSON-able form of ``value``; arrays go to ``arrays`` under a path key."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        arrays[key] = value
        return {"__array__": key}
    if isinstance(value, tuple):
        return {
            "__tuple__": [_encode(v, arrays, f"{key}.{i}") for i, v in enumerate(value)]
        }
    if isinstance(value, list):
        return [_encode(v, arrays, f"{key}.{i}") for i, v in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"{key}: dictionary keys must be strings to be saved.")
        return {
            "__dict__": {k: _encode(v, arrays, f"{key}.{k}") for k, v in value.items()}
        }
    if isinstance(value, torch.device):
        return {"__device__": str(value)}
    if isinstance(value, JEPAConfig):
        return {"__config__": _encode(dict(vars(value)), arrays, key)}
    if isinstance(value, Seeds):
        return {"__seeds__": value.entropy}
    if type(value) in _MASKS.values():
        return {
            "__mask__": type(value).__name__,
            "params": _encode(dict(vars(value)), arrays, key),
        }
    if isinstance(value, np.random.RandomState):
        return {"__random_state__": _encode(value.get_state(), arrays, key)}
    raise TypeError(
        f"{key} is a {type(value).__module__}.{type(value).__qualname__}, which "
        "sklearn_jepa.save cannot write without pickling (custom encoders, "
        "masking strategies and callbacks); use joblib or skops from trusted "
        "sources for such models."
    )


def _decode(value, arrays):
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if not isinstance(value, dict):
        return value
    (tag, content), *rest = value.items()
    if tag == "__array__":
        return arrays[content]
    if tag == "__tuple__":
        return tuple(_decode(v, arrays) for v in content)
    if tag == "__dict__":
        return {k: _decode(v, arrays) for k, v in content.items()}
    if tag == "__device__":
        return torch.device(content)
    if tag == "__config__":
        return JEPAConfig(**_decode(content, arrays))
    if tag == "__seeds__":
        return Seeds(int(content))
    if tag == "__mask__":
        strategy = _MASKS[content].__new__(_MASKS[content])
        vars(strategy).update(_decode(rest[0][1], arrays))
        return strategy
    if tag == "__random_state__":
        rng = np.random.RandomState()
        rng.set_state(_decode(content, arrays))
        return rng
    raise ValueError(f"Unknown entry {tag!r} in the model file.")
