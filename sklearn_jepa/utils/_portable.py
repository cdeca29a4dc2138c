"""Torch state as plain data: arrays, numbers, strings, lists, str-keyed dicts.

What a saved model holds instead of torch or skorch pickles (the net's
:meth:`~sklearn_jepa.engine._training.JEPANet.state_dict`): pickles then hold no
torch pickles, skops sees only arrays and built-ins, and the weights-only file
format of :mod:`sklearn_jepa._persistence` can write it.
"""

import numpy as np
import torch

__all__ = [
    "as_byte_tensor",
    "generator_state",
    "optimizer_from_plain",
    "optimizer_to_plain",
    "plain",
    "tensors_from_arrays",
    "tensors_to_arrays",
]


def tensors_to_arrays(state_dict):
    """A module's ``state_dict`` as numpy arrays on the CPU."""
    return {
        name: tensor.detach().cpu().numpy().copy()
        for name, tensor in state_dict.items()
    }


def tensors_from_arrays(arrays):
    return {name: torch.from_numpy(np.array(value)) for name, value in arrays.items()}


def generator_state(generator):
    """A ``torch.Generator``'s state as a uint8 array."""
    return generator.get_state().numpy().copy()


def as_byte_tensor(array):
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.uint8))


def optimizer_to_plain(state_dict):
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
        "param_groups": [plain(group) for group in state_dict["param_groups"]],
    }


def optimizer_from_plain(state):
    """The inverse of :func:`optimizer_to_plain`."""
    groups = []
    for group in state["param_groups"]:
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
            for index, entry in state["state"].items()
        },
        "param_groups": groups,
    }


def plain(value):
    """Numbers, strings, lists and str-keyed dicts only (numpy scalars too).

    Examples
    --------
    >>> import numpy as np
    >>> plain({1: (np.float32(0.5), "a")})
    {'1': [0.5, 'a']}
    """
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if torch.is_tensor(value):
        return value.item() if value.dim() == 0 else value.tolist()
    return value
