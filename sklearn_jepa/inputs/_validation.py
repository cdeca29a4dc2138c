"""Input checks that scikit-learn's ``validate_data`` does not make for us."""

import numpy as np

__all__ = ["check_observed"]


def check_observed(X):
    """Raise a ``ValueError`` naming the rows whose values are all missing.

    Missing values (NaN) are hidden features; a row with none observed
    carries nothing to embed.
    """
    empty = np.flatnonzero(np.isnan(X).all(axis=1))
    if len(empty):
        shown = ", ".join(str(i) for i in empty[:5])
        more = f" and {len(empty) - 5} more" if len(empty) > 5 else ""
        raise ValueError(
            f"Rows {shown}{more} of X have no observed value (all NaN); drop "
            "them before fit or transform."
        )
