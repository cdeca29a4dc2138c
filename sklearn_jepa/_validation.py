"""Input checks that scikit-learn's ``validate_data`` does not make for us."""

import numpy as np

__all__ = ["check_numeric_columns", "check_observed"]


def check_numeric_columns(X):
    """Raise a ``ValueError`` naming the first column that is not numeric.

    ``validate_data`` reports ``could not convert string to float: 'abc'``
    without saying where the string is; in a wide table that is a search.
    Only object, string and categorical data are inspected, so numeric
    arrays cost nothing here.
    """
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and hasattr(dtypes, "items"):  # a pandas DataFrame
        for position, (name, dtype) in enumerate(dtypes.items()):
            kind = getattr(dtype, "kind", "O")
            if kind in "biuf" or _first_text(np.asarray(X.iloc[:, position])) is None:
                continue
            raise ValueError(
                f"JEPATransformer needs numeric features, but column "
                f"{name!r} (position {position}) has dtype {dtype}. Encode it "
                "first, e.g. with sklearn.preprocessing.OneHotEncoder in a "
                "ColumnTransformer."
            )
        return
    array = X if isinstance(X, np.ndarray) else None
    if array is None or array.dtype.kind not in "OUS" or array.ndim != 2:
        return
    for position in range(array.shape[1]):
        bad = _first_text(array[:, position])
        if bad is not None:
            raise ValueError(
                f"JEPATransformer needs numeric features, but column {position} "
                f"holds the non-numeric value {bad!r}."
            )


def _first_text(column):
    """The first value of ``column`` that is text but not a number, or None.

    Only text is looked for: ``validate_data`` reports other objects (dicts,
    lists) with its own ``TypeError``.
    """
    for value in column:
        if isinstance(value, (str, bytes)):
            try:
                float(value)
            except ValueError:
                return value
    return None


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
