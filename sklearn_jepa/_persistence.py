"""Saving a fitted ``JEPATransformer`` in a file that holds no pickles.

A fitted estimator's ``__getstate__`` is plain data: its parameters and its
fit state (:meth:`sklearn_jepa.engine._state.FitState.state_dict`: weights,
optimizer state, history, generator and schedule states as arrays, lists and
numbers; no training row). :func:`save` writes it with ``torch.save`` as
strings and tensors only, and :func:`load` reads it back with
``torch.load(weights_only=True)``: loading never runs code from the file.
The structure is JSON decoded through a fixed set of tags (the codec below),
never by importing names; masking strategies come from the registry that
:mod:`sklearn_jepa.nn._masks` supplies.
"""

import json

import numpy as np
import sklearn
import torch
from sklearn.utils.validation import check_is_fitted

from ._classifier import JEPAClassifier
from ._estimator import JEPATransformer
from ._version import __version__
from .configuration._config import JEPAConfig
from .nn._masks import MASKING_STRATEGIES
from .utils._seeds import Seeds
from .utils._warnings import ModelVersionWarning, warn

__all__ = ["ModelVersionWarning", "load", "save"]

FORMAT = "sklearn-jepa"
# 2: the fit state under "_state" (0.3); 1: the net under "net_" (0.2)
FORMAT_VERSION = 2


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
    if isinstance(estimator, JEPAClassifier):
        raise TypeError(
            "save writes a JEPATransformer; a JEPAClassifier holds its "
            "fine-tuned network as a torch module: save it with joblib, or "
            "save its transformer_ alone."
        )
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
    or torch version warns with :class:`ModelVersionWarning`.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    estimator : JEPATransformer
    """
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
    return {
        "sklearn_jepa": __version__,
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
    }


def _warn_versions(saved):
    # sklearn-jepa's own version is checked by JEPATransformer.__setstate__,
    # from the version recorded in the state (pickles and files alike)
    current = _versions()
    for component in ("torch",):
        if saved.get(component) != current[component]:
            warn(
                ModelVersionWarning(
                    component=component.replace("_", "-"),
                    original=saved.get(component),
                    current=current[component],
                )
            )


def _encode(value, arrays, key):
    """JSON-able form of ``value``; arrays go to ``arrays`` under a path key."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.dtype == object:
        # names (feature_names_in_): text in the JSON part
        if not all(isinstance(v, str) for v in value.flat):
            raise TypeError(f"{key}: an object array of non-strings cannot be saved.")
        return {"__strings__": [value.shape, value.ravel().tolist()]}
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
    if type(value) in MASKING_STRATEGIES.values():
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
    if tag == "__strings__":
        shape, items = content
        return np.array(items, dtype=object).reshape(shape)
    if tag == "__tuple__":
        return tuple(_decode(v, arrays) for v in content)
    if tag == "__dict__":
        return {k: _decode(v, arrays) for k, v in content.items()}
    if tag == "__device__":
        return torch.device(content)
    if tag == "__config__":
        return JEPAConfig.from_fields(_decode(content, arrays))
    if tag == "__seeds__":
        return Seeds(int(content))
    if tag == "__mask__":
        cls = MASKING_STRATEGIES[content]
        strategy = cls.__new__(cls)
        strategy.__setstate__(_decode(rest[0][1], arrays))
        return strategy
    if tag == "__random_state__":
        rng = np.random.RandomState()
        rng.set_state(_decode(content, arrays))
        return rng
    raise ValueError(f"Unknown entry {tag!r} in the model file.")
