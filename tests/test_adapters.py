"""The parameters the toolkit adapters share with JEPATransformer."""

import inspect

import pytest

from sklearn_jepa import JEPATransformer
from sklearn_jepa._adapters import SERIES_PARAMS, series_transformer


class _Adapter:
    max_length = None

    def __init__(self, **params):
        defaults = JEPATransformer().get_params()
        for name in SERIES_PARAMS:
            setattr(self, name, params.get(name, defaults[name]))


def test_series_params_are_jepa_parameters():
    names = inspect.signature(JEPATransformer).parameters
    assert set(SERIES_PARAMS) <= set(names)


def test_series_transformer_reads_the_adapters_parameters():
    jepa = series_transformer(_Adapter(hidden_size=12, random_state=3), n_channels=2)
    assert isinstance(jepa, JEPATransformer)
    assert (jepa.hidden_size, jepa.random_state) == (12, 3)
    assert jepa.input_kind == "signal" and jepa.input_shape is None


@pytest.mark.parametrize("n_channels", [1, 3])
def test_max_length_becomes_the_input_shape(n_channels):
    adapter = _Adapter()
    adapter.max_length = 50
    jepa = series_transformer(adapter, n_channels)
    assert jepa.input_shape == (n_channels, 50)


def test_an_adapter_without_max_length_reads_series_as_they_come():
    class _NoMaxLength:
        def __init__(self):
            for name in SERIES_PARAMS:
                setattr(self, name, JEPATransformer().get_params()[name])

    jepa = series_transformer(_NoMaxLength())
    assert jepa.input_shape is None and jepa.input_kind == "signal"
