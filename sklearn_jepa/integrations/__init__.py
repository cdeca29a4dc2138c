"""Beside the estimator: what the aeon and sktime adapters share
(``_adapters``), lazy transforms of dask arrays (``_dask``) and
``TrainingDisplay`` (``_display``, matplotlib).

Imports: anything below it, the estimator included; only the public modules
(``sklearn_jepa``, :mod:`sklearn_jepa.aeon`, :mod:`sklearn_jepa.sktime`)
import it.
"""
