"""The parameters of the toolkit adapters (``sklearn_jepa.aeon``,
``sklearn_jepa.sktime``) and the :class:`JEPATransformer` they fit."""

from .._estimator import JEPATransformer

__all__ = ["SERIES_PARAMS", "series_transformer"]

# the JEPATransformer parameters a time-series user tunes (the adapters'
# __init__ lists them with JEPATransformer's defaults)
SERIES_PARAMS = (
    "n_components",
    "hidden_size",
    "max_iter",
    "batch_size",
    "learning_rate",
    "pooling",
    "verbose",
    "n_threads",
    "random_state",
)


def series_transformer(adapter, n_channels=None):
    """A :class:`JEPATransformer` for series with ``adapter``'s parameters;
    its ``max_length`` (the length to pad to; an adapter without one reads
    the series as they come) becomes ``input_shape``."""
    params = {name: getattr(adapter, name) for name in SERIES_PARAMS}
    max_length = getattr(adapter, "max_length", None)
    shape = None if max_length is None else (n_channels, max_length)
    return JEPATransformer(input_kind="signal", input_shape=shape, **params)
