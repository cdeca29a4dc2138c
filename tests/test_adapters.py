"""What the aeon and sktime adapters share (sklearn_jepa.integrations._adapters),
read from the real adapters."""

import inspect

import pytest

from sklearn_jepa import JEPATransformer
from sklearn_jepa.integrations._adapters import SERIES_PARAMS, series_transformer


def _adapters():
    aeon = pytest.importorskip("sklearn_jepa.aeon")
    sktime = pytest.importorskip("sklearn_jepa.sktime")
    return aeon.JEPACollectionTransformer, sktime.JEPAPanelTransformer


def test_series_params_are_jepa_parameters_with_jepa_defaults_in_both_adapters():
    jepa = JEPATransformer().get_params()
    assert set(SERIES_PARAMS) <= set(inspect.signature(JEPATransformer).parameters)
    for adapter in _adapters():
        params = adapter().get_params()
        assert {name: params[name] for name in SERIES_PARAMS} == {
            name: jepa[name] for name in SERIES_PARAMS
        }, adapter.__name__


@pytest.mark.parametrize("which", [0, 1], ids=["aeon", "sktime"])
def test_series_transformer_reads_the_adapters_parameters(which):
    adapter = _adapters()[which](hidden_size=12, random_state=3, max_iter=2)
    jepa = series_transformer(adapter, n_channels=2)
    assert isinstance(jepa, JEPATransformer)
    assert (jepa.hidden_size, jepa.random_state, jepa.max_iter) == (12, 3, 2)
    assert jepa.input_kind == "signal"


@pytest.mark.parametrize("n_channels", [1, 3])
def test_aeons_max_length_becomes_the_input_shape(n_channels):
    collection, panel = _adapters()
    jepa = series_transformer(collection(max_length=50), n_channels)
    assert jepa.input_shape == (n_channels, 50)
    # without one (or with max_length=None) series are read as they come
    assert series_transformer(collection(), n_channels).input_shape is None
    assert not hasattr(panel(), "max_length")
    assert series_transformer(panel()).input_shape is None
