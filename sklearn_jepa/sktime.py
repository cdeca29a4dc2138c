"""JEPA features as a sktime transformer (the optional ``sktime`` extra).

:class:`JEPAPanelTransformer` is :class:`~sklearn_jepa.JEPAWindowTransformer`
behind sktime's ``BaseTransformer`` interface: sktime's input checks and
conversions (a single series, a panel of equal- or unequal-length series,
pandas or numpy), its tags, its pipelines and classifiers. It returns one
row of features per series. A fit on a single series learns from windows
of it; a fit on several series learns from whole series (or from windows of
``window_length`` steps when given), and a longer series to come is
embedded as the mean over its windows.

Needs ``pip install "sklearn-jepa[sktime]"``.
"""

try:
    from sktime.transformations.base import BaseTransformer
except ImportError as exc:  # pragma: no cover - the extra is not installed
    raise ImportError(
        "sklearn_jepa.sktime needs the sktime package: "
        "pip install 'sklearn-jepa[sktime]'"
    ) from exc

import pandas as pd

from ._windows import JEPAWindowTransformer
from .integrations._adapters import series_transformer

__all__ = ["JEPAPanelTransformer"]


class JEPAPanelTransformer(BaseTransformer):
    """Self-supervised JEPA features of time series, for sktime pipelines.

    Fits a :class:`~sklearn_jepa.JEPAWindowTransformer` (a
    :class:`~sklearn_jepa.JEPATransformer` with the signal defaults: a
    dilated-convolution JEPA) on the unlabeled series and returns one row of
    features per series, the mean of its windows' embeddings. The fitted
    transformer is ``jepa_``.

    Parameters
    ----------
    window_length : int, default=None
        Steps per window. ``None``: whole series when fitting on several
        (the longest sets the length; shorter ones end early), a quarter of
        the series (at least 16 steps, or half of a shorter series) when
        fitting on one.
    hop : int, default=None
        Steps between window starts; ``None``: half a window.
    n_components : int or None, default=None
        Width of the output; ``None``: the whole read-out.
    hidden_size : int, default=None
        Channels of the convolutions (``None``: 64).
    max_iter : int, default=None
        Training epochs; ``None``: a fixed compute budget.
    batch_size : int, default=None
        Windows per optimizer step (``None``: 32).
    learning_rate : float, default=None
        ``None``: chosen from the batch size.
    pooling : {"auto", "blocks", "max", "mean"}, default="auto"
        How per-step embeddings become one row per window.
    verbose : int, default=0
    n_threads : int, default=None
        Torch threads (``None``: one).
    random_state : int, RandomState instance or None, default=None
        The same integer gives the same features on a CPU.

    Attributes
    ----------
    jepa_ : JEPAWindowTransformer
        The fitted scikit-learn transformer.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_jepa.sktime import JEPAPanelTransformer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(20, 2, 40))  # 20 series, 2 channels, 40 steps
    >>> jepa = JEPAPanelTransformer(max_iter=2, random_state=0)
    >>> jepa.fit_transform(X).shape[0]
    20
    """

    _tags = {
        "authors": ["sklearn-jepa developers"],
        "python_dependencies": "torch",
        "scitype:transform-input": "Series",
        "scitype:transform-output": "Primitives",
        "scitype:instancewise": False,
        "scitype:transform-labels": "None",
        "X_inner_mtype": "df-list",
        "y_inner_mtype": "None",
        "fit_is_empty": False,
        "requires_y": False,
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "capability:missing_values": True,
        "capability:categorical_in_X": False,
        "capability:random_state": True,
        "property:randomness": "derandomized",
    }

    def __init__(
        self,
        window_length=None,
        hop=None,
        n_components=None,
        hidden_size=None,
        max_iter=None,
        batch_size=None,
        learning_rate=None,
        pooling="auto",
        verbose=0,
        n_threads=None,
        random_state=None,
    ):
        self.window_length = window_length
        self.hop = hop
        self.n_components = n_components
        self.hidden_size = hidden_size
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.pooling = pooling
        self.verbose = verbose
        self.n_threads = n_threads
        self.random_state = random_state
        super().__init__()

    def _fit(self, X, y=None):
        self.jepa_ = JEPAWindowTransformer(
            window_length=self.window_length,
            hop=self.hop,
            estimator=series_transformer(self),
        ).fit(X)  # sktime's df-list: JEPAWindowTransformer reads frames
        return self

    def _transform(self, X, y=None):
        Z = self.jepa_.transform(X)
        return pd.DataFrame(Z, columns=[f"jepa{i}" for i in range(Z.shape[1])])

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Small, fast parameters for sktime's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"
            Unused: one set of test parameters.

        Returns
        -------
        params : list of dict
        """
        fast = {"max_iter": 2, "hidden_size": 8, "batch_size": 8, "random_state": 0}
        return [fast, {**fast, "window_length": 8, "hop": 4, "pooling": "mean"}]
