"""The projection head: pooled token embeddings onto ``n_components`` directions."""

import numpy as np
from sklearn.utils.extmath import randomized_svd

__all__ = ["fit_projection", "project"]


def fit_projection(Z, n_components, random_state):
    """Mean and first ``n_components`` principal directions of ``Z``.

    A seeded randomized SVD (only ``n_components`` directions are needed; a
    full SVD of flattened image tokens cost a third of a short fit), with the
    sign of each direction fixed by its largest loading, so the result is
    deterministic. With fewer rows or columns than ``n_components`` the
    missing directions are zeros.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, width)
    n_components : int
    random_state : int

    Returns
    -------
    mean : ndarray of shape (width,)
    components : ndarray of shape (n_components, width)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_jepa.engine._projection import fit_projection, project
    >>> Z = np.random.RandomState(0).normal(size=(20, 5))
    >>> projection = fit_projection(Z, 3, random_state=0)
    >>> project(Z, projection).shape
    (20, 3)
    """
    mean = Z.mean(axis=0)
    n_directions = min(n_components, *Z.shape)
    _, _, Vt = randomized_svd(Z - mean, n_directions, random_state=random_state)
    signs = np.sign(Vt[np.arange(len(Vt)), np.argmax(np.abs(Vt), axis=1)])
    components = Vt * signs[:, None]
    missing = n_components - len(components)
    components = np.vstack([components, np.zeros((missing, Z.shape[1]))])
    return mean, components


def project(Z, projection):
    """``(Z - mean) @ components.T``; ``Z`` unchanged when ``projection`` is None."""
    if projection is None:
        return Z
    mean, components = projection
    return (Z - mean) @ components.T
