"""The semi-supervised estimator: ``JEPAClassifier``.

JEPA pre-training on every row, then fine-tuning of the JEPA encoder on the
labeled ones (:mod:`sklearn_jepa.engine._finetune`).
"""

import warnings
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike
from scipy.sparse import issparse
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples, check_is_fitted, column_or_1d

from ._estimator import JEPATransformer
from .engine._finetune import classifier_from, fine_tune, predict_logits
from .utils._runtime import torch_threads
from .utils._seeds import Seeds

__all__ = ["JEPAClassifier"]

UNLABELED = -1


class JEPAClassifier(ClassifierMixin, BaseEstimator):
    """Semi-supervised classifier: JEPA on every row, then fine-tuning on labels.

    ``fit(X, y)`` takes every row, labeled or not, with ``y = -1`` for the
    unlabeled ones (scikit-learn's semi-supervised convention, as in
    :class:`~sklearn.semi_supervised.SelfTrainingClassifier`). It fits
    ``transformer`` (a :class:`JEPATransformer`) on all of ``X``, copies the
    trained encoder (the weights ``transform`` reads), puts a linear head on
    its pooled output and trains both end to end on the labeled rows with a
    cross-entropy loss: AdamW, a one-cycle learning-rate schedule, batches of
    ``batch_size`` rows.

    Fine-tuning is what a deep-learning user would do with the pre-trained
    network; whether it beats a linear probe on the frozen ``transform``
    output, and the same network trained on the labels alone, depends on the
    data and is measured on docs/supervised.md. Give it the data's own
    ``transformer`` (``input_shape``, ``input_kind``, ...) as you would fit
    it alone.

    Parameters
    ----------
    transformer : JEPATransformer, default=None
        The pre-training, cloned at ``fit``; ``None``:
        ``JEPATransformer(random_state=random_state)``. With ``prefit=True``,
        a fitted transformer used as it is.
    prefit : bool, default=False
        Whether ``transformer`` is already fitted: ``fit`` then only
        fine-tunes (on the labeled rows; unlabeled ones are ignored). One
        pre-training, several fine-tunings, as a search over labeled subsets
        or fine-tuning parameters would need: ``clone`` (and so
        ``GridSearchCV``) shares the fitted transformer instead of cloning
        it.
    max_iter : int, default=None
        Passes over the labeled rows. ``None``: enough passes for 600
        optimizer steps, and at least 30 (few labels need many passes).
    learning_rate : float, default=1e-3
        The peak of the one-cycle schedule.
    weight_decay : float, default=0.05
        AdamW's decoupled weight decay.
    batch_size : int, default=32
        Labeled rows per step (at most all of them).
    random_state : int, RandomState instance or None, default=None
        Seeds the head's initialisation and the order of the rows (and the
        pre-training when ``transformer`` is ``None``).
    verbose : int, default=0
        Print the fine-tuning's loss every pass.

    Attributes
    ----------
    transformer_ : JEPATransformer
        The fitted pre-training (``transformer`` itself with ``prefit=True``).
    module_ : torch.nn.Module
        The fine-tuned network: the encoder, its pooling and the linear head
        (:class:`sklearn_jepa.engine._finetune.EncoderClassifier`).
    classes_ : ndarray of shape (n_classes,)
        The labels seen among the labeled rows.
    history_ : skorch.history.History
        The fine-tuning's passes, with their ``train_loss``.
    n_iter_ : int
        Passes made.
    loss_curve_ : list of float
        The training loss of each pass.
    n_features_in_ : int
        Features of a flat row (as ``transformer_`` reads ``X``).
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        Only when ``X`` had string column names.

    See Also
    --------
    JEPATransformer : The frozen features, for any scikit-learn estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_jepa import JEPAClassifier, JEPATransformer
    >>> X, y = load_digits(return_X_y=True)
    >>> y_partial = np.full_like(y, -1)
    >>> y_partial[:200] = y[:200]          # 200 labels, 1,597 unlabeled rows
    >>> model = JEPAClassifier(
    ...     JEPATransformer(max_iter=2, random_state=0), max_iter=40, random_state=0
    ... ).fit(X[:-200], y_partial[:-200])
    >>> model.predict(X[-200:]).shape
    (200,)
    >>> bool(model.score(X[-200:], y[-200:]) > 0.8)
    True
    """

    _parameter_constraints: dict = {
        "transformer": [JEPATransformer, None],
        "prefit": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        transformer=None,
        *,
        prefit=False,
        max_iter=None,
        learning_rate=1e-3,
        weight_decay=0.05,
        batch_size=32,
        random_state=None,
        verbose=0,
    ):
        self.transformer = transformer
        self.prefit = prefit
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X: ArrayLike, y: ArrayLike) -> "JEPAClassifier":
        """Pre-train on every row of ``X``, fine-tune on the labeled ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Any input :class:`JEPATransformer` takes (tables, series
            collections, image stacks).
        y : array-like of shape (n_samples,)
            Labels, ``-1`` for unlabeled rows.

        Returns
        -------
        self : JEPAClassifier
        """
        self._validate_params()
        labeled, y = _labeled_rows(y, X)
        classes, codes = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            # before the pre-training, which may take minutes
            raise ValueError(
                "JEPAClassifier needs at least two classes among the labeled "
                f"rows (y != -1); got one class: {classes[0]!r}."
            )
        self.transformer_ = self._fitted_transformer(X)
        self._publish_inputs()
        self.classes_ = classes
        jepa = self.transformer_
        rows = jepa._standardized_rows(_rows(X, labeled))
        seeds = Seeds.from_random_state(self.random_state)
        device = jepa.net_.device
        with torch_threads(jepa._n_threads()):
            self.module_ = classifier_from(
                jepa.net_.module_, rows.shape[1], len(self.classes_), seeds.seed("init")
            ).to(device)
            self.history_ = fine_tune(
                self.module_,
                rows,
                codes,
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                weight_decay=self.weight_decay,
                batch_size=self.batch_size,
                seed=seeds.seed("shuffle"),
                device=device,
                verbose=self.verbose,
            )
        # an interrupted pass has no loss
        self.loss_curve_ = [
            row["train_loss"] for row in self.history_ if "train_loss" in row
        ]
        self.n_iter_ = len(self.loss_curve_)
        return self

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """The head's logits (one column per class; for two classes, the
        second class's logit minus the first's).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
        """
        logits = self._logits(X)
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities (the softmax of the logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return softmax(self._logits(X), axis=1)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        logits = self._logits(X)
        return self.classes_[logits.argmax(axis=1)]

    def score(self, X: ArrayLike, y: ArrayLike, sample_weight=None) -> float:
        """Accuracy on ``X`` against ``y`` (every row labeled).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
            The share of rows predicted right (weighted by
            ``sample_weight``).
        """
        return super().score(X, y, sample_weight=sample_weight)

    def _logits(self, X):
        check_is_fitted(self, "module_")
        jepa = self.transformer_
        rows = jepa._standardized_rows(X)
        with torch_threads(jepa._n_threads()):
            return predict_logits(
                self.module_, rows, jepa.config_.batch_size, jepa.net_.device
            )

    def _fitted_transformer(self, X):
        if self.prefit:
            if self.transformer is None:
                raise ValueError("prefit=True needs a fitted transformer.")
            check_is_fitted(self.transformer, "net_")
            return self.transformer
        if self.transformer is None:
            return JEPATransformer(random_state=self.random_state).fit(X)
        return clone(self.transformer).fit(X)

    def _publish_inputs(self):
        """``n_features_in_`` and ``feature_names_in_`` as the transformer
        recorded them."""
        self.n_features_in_ = self.transformer_.n_features_in_
        names = getattr(self.transformer_, "feature_names_in_", None)
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def __sklearn_clone__(self):
        if not self.prefit:
            return super().__sklearn_clone__()
        # a fitted pre-training is shared, not cloned: a clone in a search
        # or a cross-validation fine-tunes the same pre-trained network
        params = self.get_params(deep=False)
        transformer = params.pop("transformer")
        params = {name: clone(value, safe=False) for name, value in params.items()}
        return type(self)(transformer, **params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def _rows(X, indices):
    """The rows of ``X`` (any input :class:`JEPATransformer` takes) at
    ``indices``."""
    if len(indices) == _num_samples(X):
        return X
    if not hasattr(X, "__getitem__"):  # an array-like with __array__ only
        X = np.asarray(X)
    return _safe_indexing(X, indices)


def _labeled_rows(y, X):
    """Indices of the labeled rows (``y != -1``) and their labels."""
    if y is None:
        raise ValueError(
            "JEPAClassifier requires y to be passed, but the target y is None "
            "(use -1 for unlabeled rows)."
        )
    if issparse(X):
        raise TypeError(
            "JEPAClassifier takes dense data, but X is a sparse matrix; convert "
            "it with X.toarray()."
        )
    y = column_or_1d(y, warn=True)
    n_rows = _num_samples(X)
    if len(y) != n_rows:
        raise ValueError(
            f"X and y hold different numbers of rows: {n_rows} and {len(y)}."
        )
    with warnings.catch_warnings():
        # comparing strings with -1: no label is the unlabeled marker
        warnings.simplefilter("ignore", FutureWarning)
        if y.dtype.kind in "US":
            unlabeled = np.zeros(len(y), dtype=bool)
        else:
            unlabeled = np.asarray(y == UNLABELED, dtype=bool)
    labeled = np.flatnonzero(~unlabeled)
    if len(labeled) == 0:
        raise ValueError("y holds no label: every row is -1 (unlabeled).")
    y = y[labeled]
    check_classification_targets(y)
    return labeled, y
