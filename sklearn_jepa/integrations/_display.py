"""Training curves in the scikit-learn ``Display`` style."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["TrainingDisplay"]


class TrainingDisplay:
    """Loss and effective rank per epoch of a fitted :class:`JEPATransformer`.

    Create it with :meth:`from_estimator`; matplotlib is needed only to plot.

    Parameters
    ----------
    epochs : ndarray of shape (n_epochs,)
    train_loss : ndarray of shape (n_epochs,)
    effective_rank : ndarray of shape (n_epochs,)
    valid_loss : ndarray of shape (n_epochs,), default=None
    estimator_name : str, default=None

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        The loss axes and the effective-rank axes.
    figure_ : matplotlib Figure

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_jepa import JEPATransformer, TrainingDisplay
    >>> X, _ = load_digits(return_X_y=True)
    >>> jepa = JEPATransformer(n_components=4, max_iter=3, random_state=0).fit(X)
    >>> display = TrainingDisplay.from_estimator(jepa)
    >>> display.train_loss.shape
    (3,)
    """

    def __init__(
        self,
        *,
        epochs,
        train_loss,
        effective_rank,
        valid_loss=None,
        estimator_name=None,
    ):
        self.epochs = epochs
        self.train_loss = train_loss
        self.effective_rank = effective_rank
        self.valid_loss = valid_loss
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, name=None):
        """Read the curves from ``estimator.history_`` (no plotting)."""
        check_is_fitted(estimator, "history_")
        history = estimator.history_

        def column(key):
            return np.array([row.get(key, np.nan) for row in history], dtype=float)

        valid = column("valid_loss")
        return cls(
            epochs=column("epoch"),
            train_loss=column("train_loss"),
            effective_rank=column("effective_rank"),
            valid_loss=None if np.all(np.isnan(valid)) else valid,
            estimator_name=name or type(estimator).__name__,
        )

    def plot(self, axes=None):
        """Draw the loss (left) and the effective rank (right).

        Parameters
        ----------
        axes : array of two matplotlib Axes, default=None
            Where to draw; a new 1x2 figure when ``None``.

        Returns
        -------
        self : TrainingDisplay
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:
            raise ImportError(
                "TrainingDisplay.plot needs matplotlib: pip install matplotlib"
            ) from exc

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(9, 3.5))
        loss_ax, rank_ax = axes
        loss_ax.plot(self.epochs, self.train_loss, label="train")
        if self.valid_loss is not None:
            loss_ax.plot(self.epochs, self.valid_loss, label="validation")
        loss_ax.set(xlabel="epoch", ylabel="JEPA loss", title=self.estimator_name)
        loss_ax.legend()
        # long fits record the diagnostics every few epochs only
        has_rank = ~np.isnan(self.effective_rank)
        rank_ax.plot(self.epochs[has_rank], self.effective_rank[has_rank], color="C2")
        rank_ax.set(xlabel="epoch", ylabel="effective rank", ylim=(0, None))
        self.axes_ = np.asarray(axes)
        self.figure_ = loss_ax.figure
        return self
