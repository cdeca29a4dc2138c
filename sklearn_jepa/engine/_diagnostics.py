"""Collapse diagnostics computed on a sample of embeddings."""

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["CollapseWarning", "effective_rank", "embedding_stats"]

#: A fit whose final effective rank is below this value warns.
RANK_THRESHOLD = 1.5
#: ... or whose median per-dimension std, relative to the embedding's RMS
#: value, is below this value (healthy fits measure 0.05 to 0.7; a fit
#: blown up by learning_rate=1 measures 0.002).
STD_THRESHOLD = 1e-2
#: A dimension whose relative std is below this value counts as dead.
DEAD_THRESHOLD = 1e-2


class CollapseWarning(UserWarning):
    """The learned embedding collapsed (near-constant or about one-dimensional).

    Raised at the end of ``fit`` when the effective rank of the embeddings is
    below ``RANK_THRESHOLD`` (1.5) or their median per-dimension standard
    deviation, relative to their RMS value, is below ``STD_THRESHOLD`` (1e-2):
    the embeddings are then nearly the same vector for every row.
    """


def effective_rank(Z: ArrayLike) -> float:
    """RankMe effective rank of an embedding matrix.

    ``exp`` of the entropy of the normalised singular values of the centred
    ``Z``; between 1 and ``min(Z.shape)``, and 0 for a constant ``Z``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_components)

    Returns
    -------
    rank : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_jepa import effective_rank
    >>> rng = np.random.RandomState(0)
    >>> round(effective_rank(rng.normal(size=(500, 4))), 1)
    4.0
    >>> effective_rank(np.ones((10, 3)))
    0.0
    """
    Z = np.asarray(Z, dtype=np.float64)
    Z = Z - Z.mean(axis=0)
    singular_values = np.linalg.svd(Z, compute_uv=False)
    total = singular_values.sum()
    scale = np.sqrt(np.mean(np.square(Z))) if Z.size else 0.0
    if total <= 0 or scale <= 1e-12:
        return 0.0
    p = singular_values / total
    p = p[p > 0]
    return float(np.exp(-np.sum(p * np.log(p))))


def embedding_stats(Z: ArrayLike) -> dict[str, float]:
    """Per-dimension spread and effective rank of embeddings.

    Returns a dict with ``std_min`` and ``std_median`` (per-dimension standard
    deviations relative to the RMS value of ``Z``, so they do not depend on
    the embedding's scale), ``dead_fraction`` (share of dimensions whose
    relative std is below 0.01) and ``effective_rank``.
    """
    Z = np.asarray(Z, dtype=np.float64)
    rms = np.sqrt(np.mean(np.square(Z))) + 1e-12
    std = Z.std(axis=0) / rms
    return {
        "std_min": float(std.min()),
        "std_median": float(np.median(std)),
        "dead_fraction": float(np.mean(std < DEAD_THRESHOLD)),
        "effective_rank": effective_rank(Z),
    }


def is_collapsed(stats: dict[str, float]) -> bool:
    return (
        stats["effective_rank"] < RANK_THRESHOLD or stats["std_median"] < STD_THRESHOLD
    )
