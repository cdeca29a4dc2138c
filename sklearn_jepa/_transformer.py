"""Where sklearn-jepa 0.2 kept the estimator: 0.2 pickles name this module.

Kept so that they load (their training rows are dropped on load); the
estimator lives in :mod:`sklearn_jepa._estimator`.
"""

from ._estimator import JEPATransformer

__all__ = ["JEPATransformer"]
