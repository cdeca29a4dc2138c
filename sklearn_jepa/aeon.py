"""JEPA features as an aeon collection transformer (the optional ``aeon`` extra).

:class:`JEPACollectionTransformer` is :class:`~sklearn_jepa.JEPATransformer`
behind aeon's ``BaseCollectionTransformer`` interface: aeon's input checks
and conversions, its capability tags, its pipelines and classifiers. It
takes what aeon users hold: 3-D arrays ``(n_cases, n_channels,
n_timepoints)``, lists of ``(n_channels, n_timepoints_i)`` arrays of unequal
lengths, and series with missing values (NaN inside a series is a hidden
step; NaN after its last value is its end).

Needs ``pip install "sklearn-jepa[aeon]"``.
"""

try:
    from aeon.transformations.collection import BaseCollectionTransformer
except ImportError as exc:  # pragma: no cover - the extra is not installed
    raise ImportError(
        "sklearn_jepa.aeon needs the aeon package: pip install 'sklearn-jepa[aeon]'"
    ) from exc

from .integrations._adapters import series_transformer

__all__ = ["JEPACollectionTransformer"]


class JEPACollectionTransformer(BaseCollectionTransformer):
    """Self-supervised JEPA features of time series, for aeon pipelines.

    Fits a :class:`~sklearn_jepa.JEPATransformer` on the unlabeled series
    (the signal defaults: a dilated-convolution JEPA read out by the
    ``"blocks"`` statistics) and returns one row of features per series.
    The parameters are those of ``JEPATransformer`` a time-series user tunes;
    the fitted ``JEPATransformer`` is ``jepa_``.

    Parameters
    ----------
    n_components : int or None, default=None
        Width of the output; ``None``: the whole read-out.
    hidden_size : int, default=None
        Channels of the convolutions (``None``: 64).
    max_iter : int, default=None
        Training epochs; ``None``: a fixed compute budget.
    batch_size : int, default=None
        Series per optimizer step (``None``: 32).
    learning_rate : float, default=None
        ``None``: chosen from the batch size.
    pooling : {"auto", "blocks", "max", "mean"}, default="auto"
        How per-step embeddings become one row (``"auto"``: ``"blocks"``).
    max_length : int, default=None
        Length shorter series are padded to (NaN after their end); ``None``:
        the longest series in ``fit``. Set it to the longest series to come
        when later series can be longer (cross-validation).
    verbose : int, default=0
    n_threads : int, default=None
        Torch threads (``None``: one).
    random_state : int, RandomState instance or None, default=None
        The same integer gives the same features on a CPU.

    Attributes
    ----------
    jepa_ : JEPATransformer
        The fitted scikit-learn transformer.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_jepa.aeon import JEPACollectionTransformer
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(2, n)) for n in (30, 24, 30, 18) * 10]
    >>> jepa = JEPACollectionTransformer(max_iter=2, random_state=0)
    >>> jepa.fit_transform(X).shape[0]
    40
    """

    _tags = {
        "output_data_type": "Tabular",
        "capability:multivariate": True,
        "capability:unequal_length": True,
        "capability:missing_values": True,
        "X_inner_type": ["numpy3D", "np-list"],
        "algorithm_type": "deeplearning",
        "python_dependencies": "torch",
    }

    def __init__(
        self,
        n_components=None,
        hidden_size=None,
        max_iter=None,
        batch_size=None,
        learning_rate=None,
        pooling="auto",
        max_length=None,
        verbose=0,
        n_threads=None,
        random_state=None,
    ):
        self.n_components = n_components
        self.hidden_size = hidden_size
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.pooling = pooling
        self.max_length = max_length
        self.verbose = verbose
        self.n_threads = n_threads
        self.random_state = random_state
        super().__init__()

    def _fit(self, X, y=None):
        self.jepa_ = series_transformer(self, X[0].shape[0]).fit(X)
        return self

    def _transform(self, X, y=None):
        return self.jepa_.transform(X)

    @classmethod
    def _get_test_params(cls, parameter_set="default"):
        """Small, fast parameters for aeon's estimator checks."""
        return {"max_iter": 2, "hidden_size": 8, "batch_size": 8, "random_state": 0}
