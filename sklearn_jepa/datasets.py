"""Data and the few-label protocol for tests, demos and benchmarks.

Everything is generated, never downloaded. The few-label probe
(:func:`few_label_indices`, :func:`few_label_accuracy`) is the one helper the
tests, the benchmarks and the examples share.
"""

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils import check_random_state

__all__ = [
    "few_label_accuracy",
    "few_label_indices",
    "load_mnist1d",
    "make_structure_noise",
]


def make_structure_noise(
    n_samples: int = 2000,
    *,
    n_classes: int = 5,
    n_latent: int = 4,
    n_structure: int = 16,
    n_noise: int = 64,
    class_sep: float = 1.5,
    structure_noise: float = 0.5,
    noise_scale: float = 3.0,
    shuffle_columns: bool = True,
    random_state=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predictable structure plus unpredictable noise.

    A low-dimensional class-structured latent ``s`` (a Gaussian per class in
    ``n_latent`` dimensions) is mixed linearly into ``n_structure`` columns,
    each with a little independent noise, so those columns predict each other.
    ``n_noise`` further columns hold independent Gaussian noise of larger
    variance: they dominate the variance (what PCA keeps) but no column can
    predict another (what a JEPA ignores).

    Parameters
    ----------
    n_samples : int, default=2000
    n_classes : int, default=5
    n_latent : int, default=4
        Dimension of the latent ``s``.
    n_structure : int, default=16
        Number of columns that mix ``s``.
    n_noise : int, default=64
        Number of pure-noise columns.
    class_sep : float, default=1.5
        Standard deviation of the class means of ``s`` (``s`` itself has unit
        within-class variance); it sets how separable the classes are.
    structure_noise : float, default=0.5
        Std of the independent noise added to each structure column.
    noise_scale : float, default=3.0
        Std of the pure-noise columns (structure columns have std about 1).
    shuffle_columns : bool, default=True
        Mix the structure and noise columns in random order.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_structure + n_noise)
    y : ndarray of shape (n_samples,)
        Class labels.
    structure_columns : ndarray of int
        Indices of the structure columns in ``X`` (for the oracle baseline).

    Examples
    --------
    >>> from sklearn_jepa.datasets import make_structure_noise
    >>> X, y, cols = make_structure_noise(100, random_state=0)
    >>> X.shape, len(cols)
    ((100, 80), 16)
    """
    rng = check_random_state(random_state)
    y = rng.randint(n_classes, size=n_samples)
    centers = rng.normal(scale=class_sep, size=(n_classes, n_latent))
    s = centers[y] + rng.normal(size=(n_samples, n_latent))
    mixing = rng.normal(size=(n_latent, n_structure))
    structure = s @ mixing
    structure /= structure.std(axis=0)
    structure += rng.normal(scale=structure_noise, size=structure.shape)
    noise = rng.normal(scale=noise_scale, size=(n_samples, n_noise))
    X = np.hstack([structure, noise])
    order = rng.permutation(X.shape[1]) if shuffle_columns else np.arange(X.shape[1])
    X = X[:, order]
    structure_columns = np.flatnonzero(order < n_structure)
    return X, y, structure_columns


def few_label_indices(
    y: ArrayLike, per_class: int | None, *, random_state=None
) -> np.ndarray:
    """Indices of ``per_class`` labeled rows of every class (the few-label protocol).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    per_class : int or None
        Rows drawn per class without replacement; ``None`` keeps every row.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    indices : ndarray of int

    Examples
    --------
    >>> from sklearn_jepa.datasets import few_label_indices
    >>> few_label_indices([0, 0, 0, 1, 1, 1], 2, random_state=0).shape
    (4,)
    """
    y = np.asarray(y)
    if per_class is None:
        return np.arange(len(y))
    rng = check_random_state(random_state)
    return np.concatenate(
        [
            rng.choice(np.flatnonzero(y == c), per_class, replace=False)
            for c in np.unique(y)
        ]
    )


def few_label_accuracy(
    Z_train: ArrayLike,
    y_train: ArrayLike,
    Z_test: ArrayLike,
    y_test: ArrayLike,
    per_class: int | None,
    *,
    random_state=None,
) -> float:
    """Test accuracy of a linear probe fitted on ``per_class`` labels per class.

    The probe is ``StandardScaler`` then ``LogisticRegression(max_iter=3000)``,
    fitted on the rows :func:`few_label_indices` draws from ``Z_train``.

    Parameters
    ----------
    Z_train : array-like of shape (n_train, n_components)
    y_train : array-like of shape (n_train,)
    Z_test : array-like of shape (n_test, n_components)
    y_test : array-like of shape (n_test,)
    per_class : int or None
        Labeled rows per class; ``None`` uses every training label.
    random_state : int, RandomState instance or None, default=None
        Which rows get labels.

    Returns
    -------
    accuracy : float

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_jepa.datasets import few_label_accuracy
    >>> X, y = load_iris(return_X_y=True)
    >>> accuracy = few_label_accuracy(X[::2], y[::2], X[1::2], y[1::2], 5,
    ...                               random_state=0)
    >>> 0.8 < accuracy <= 1.0
    True
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    Z_train, y_train = np.asarray(Z_train), np.asarray(y_train)
    rows = few_label_indices(y_train, per_class, random_state=random_state)
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    return float(probe.fit(Z_train[rows], y_train[rows]).score(Z_test, y_test))


def load_mnist1d(
    *, random_state: int = 42
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST-1D, generated procedurally by the ``mnist1d`` package (no download).

    4,000 training and 1,000 test signals of length 40, 10 classes, with the
    package's default arguments (seed 42 reproduces the published set).

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarrays
    """
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as exc:
        raise ImportError("load_mnist1d needs the mnist1d package") from exc
    args = get_dataset_args()
    args.seed = random_state
    data = make_dataset(args)
    return data["x"], data["x_test"], data["y"], data["y_test"]
