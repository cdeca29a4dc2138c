"""Torch state as plain data, and back."""

import numpy as np
import torch
from numpy.testing import assert_array_equal

from sklearn_jepa.utils._portable import (
    as_byte_tensor,
    generator_state,
    optimizer_from_plain,
    optimizer_to_plain,
    plain,
    tensors_from_arrays,
    tensors_to_arrays,
)


def _plain_types(value):
    """Every leaf is a number, a string, None or a numpy array."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_types(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_types(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str, np.ndarray))


def test_module_state_round_trip():
    module = torch.nn.Linear(3, 2)
    arrays = tensors_to_arrays(module.state_dict())
    assert all(isinstance(a, np.ndarray) for a in arrays.values())
    other = torch.nn.Linear(3, 2)
    other.load_state_dict(tensors_from_arrays(arrays))
    x = torch.randn(4, 3)
    assert_array_equal(other(x).detach().numpy(), module(x).detach().numpy())
    # a copy: training the module does not change what was saved
    module.weight.data += 1
    assert not np.array_equal(arrays["weight"], module.weight.detach().numpy())


def test_optimizer_state_round_trip_continues_identically():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.AdamW(model.parameters(), lr=0.1, betas=(0.8, 0.9))
    model(torch.randn(8, 3)).sum().backward()
    opt.step()
    saved = optimizer_to_plain(opt.state_dict())
    assert _plain_types(saved)
    twin = torch.nn.Linear(3, 1)
    twin.load_state_dict(model.state_dict())
    twin_opt = torch.optim.AdamW(twin.parameters(), lr=0.5)
    twin_opt.load_state_dict(optimizer_from_plain(saved))
    assert twin_opt.param_groups[0]["betas"] == (0.8, 0.9)
    x = torch.randn(8, 3)
    for m, o in ((model, opt), (twin, twin_opt)):
        o.zero_grad()
        m(x).sum().backward()
        o.step()
    assert_array_equal(twin.weight.detach().numpy(), model.weight.detach().numpy())


def test_generator_state_round_trip():
    generator = torch.Generator().manual_seed(3)
    state = generator_state(generator)
    assert state.dtype == np.uint8
    first = torch.rand(5, generator=generator)
    generator.set_state(as_byte_tensor(state))
    assert_array_equal(torch.rand(5, generator=generator).numpy(), first.numpy())


def test_plain_converts_keys_tuples_and_scalars():
    value = plain({1: (np.float32(0.5), torch.tensor(2.0)), "a": [torch.ones(2)]})
    assert value == {"1": [0.5, 2.0], "a": [[1.0, 1.0]]}
    assert _plain_types(value)
