"""Table columns as they come: numbers, booleans and categories.

A pandas or polars DataFrame (or a 2-D object array) may hold text,
``category`` and boolean columns beside numeric ones. :func:`fit_columns`
reads which columns are categories and learns their levels;
:func:`encode_columns` turns the table into numbers the networks read:

- a number or boolean column is one feature (a boolean is 0 or 1); a
  missing value (``NaN``, ``None``, ``pd.NA``) is ``NaN``, a hidden value;
- a category column is one indicator (0 or 1) per kept level, plus an
  ``"other"`` indicator when rare levels were pooled. A missing value, and a
  level unseen at fit in a column without ``"other"``, hides the whole block
  (every indicator ``NaN``), so it is never in a view and never a target.
  With ``"other"``, an unseen level joins the rare ones (like
  ``OneHotEncoder(handle_unknown="infrequent_if_exist")``): only the kept
  levels are stored, so a saved model names no level that a single
  training row holds.

High cardinality: a column keeps its :data:`MAX_LEVELS` most frequent levels
seen at least :data:`MIN_COUNT` times (2 to 5: one per 100 rows;
docs/pools_notes.md measures the choice); the rest are "other". An
identifier-like column thus costs at most ``MAX_LEVELS + 1`` features.

The encoded features of one column form a group: the masks hide or show a
group whole (``feature_groups``), so a visible indicator never tells the
level of a hidden one. Indicators are standardised like any feature (kept
0/1 instead, training lowered its untrained twin on three of five tables:
docs/tables_notes.md). A table of numbers only is not encoded
(:func:`fit_columns` returns ``None``) and goes to ``validate_data`` as in
0.4. Datetime and nested (list, dict) columns raise a ``TypeError`` naming
the column.

The fitted description is plain data (lists of strings and numbers), so
pickles, skops and the weights-only format write it as is.
"""

import datetime
import numbers
import sys
from collections import Counter

import numpy as np

__all__ = [
    "MAX_LEVELS",
    "MIN_COUNT",
    "check_numbers",
    "encode_columns",
    "feature_groups",
    "fit_columns",
]

# most frequent levels a category column keeps (the rest pool into "other")
MAX_LEVELS = 20
# a level shared by fewer training rows pools into "other" (fewer on small
# tables: one per 100 rows, never below 2)
MIN_COUNT = 5

_NESTED = (list, tuple, dict, set, frozenset, np.ndarray)
_TEMPORAL = (datetime.date, datetime.time, datetime.timedelta, np.datetime64)


def fit_columns(X):
    """Which columns of ``X`` are categories, and their levels.

    Parameters
    ----------
    X : DataFrame (pandas, polars), 2-D array or array-like

    Returns
    -------
    spec : dict or None
        ``{"kinds": [...], "levels": [[...], ...], "other": [...]}``, one
        entry per column (``kinds``: ``"number"`` or ``"category"``);
        ``None`` when every column holds numbers (nothing to encode).
    """
    columns = _columns(X)
    if columns is None or all(kind == "number" for _, _, kind in columns):
        return None
    n_rows = len(columns[0][1]) if columns else 0
    min_count = min(MIN_COUNT, max(2, n_rows // 100))
    spec = {"kinds": [], "levels": [], "other": []}
    for _, values, kind in columns:
        levels, other = [], False
        if kind == "category":
            text, missing = _as_text(values)
            counts = Counter(text[~missing].tolist())
            ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            kept = [level for level, n in ranked[:MAX_LEVELS] if n >= min_count]
            levels, other = sorted(kept), len(kept) < len(counts)
        spec["kinds"].append(kind)
        spec["levels"].append(levels)
        spec["other"].append(other)
    return spec


def encode_columns(X, spec):
    """``X`` as a float64 array of ``spec``'s features (see the module)."""
    columns = _columns(X, read_all=True)
    if len(columns) != len(spec["kinds"]):
        raise ValueError(
            f"X has {len(columns)} columns, but this JEPATransformer was fitted "
            f"on {len(spec['kinds'])}."
        )
    blocks = []
    for (name, values, kind), fitted, levels, other in zip(
        columns, spec["kinds"], spec["levels"], spec["other"], strict=True
    ):
        if fitted == "number":
            if kind != "number":
                raise ValueError(
                    f"Column {name!r} held numbers at fit but holds text now "
                    f"(e.g. {_example(values)!r})."
                )
            blocks.append(_as_numbers(values)[:, None])
        else:
            blocks.append(_indicators(values, levels, other))
    return np.hstack(blocks) if blocks else np.empty((0, 0))


def check_numbers(X):
    """Raise a ``ValueError`` naming a category column of ``X``, for a
    model fitted on numbers only."""
    for name, values, kind in _columns(X) or ():
        if kind == "category":
            raise ValueError(
                f"Column {name!r} holds categories (e.g. {_example(values)!r}), "
                "but this JEPATransformer was fitted on numbers there."
            )


def feature_groups(spec):
    """The column of each encoded feature (a tuple of ints)."""
    return tuple(
        column for column, width in enumerate(_widths(spec)) for _ in range(width)
    )


def _widths(spec):
    return [
        1 if kind == "number" else max(1, len(levels) + other)
        for kind, levels, other in zip(
            spec["kinds"], spec["levels"], spec["other"], strict=True
        )
    ]


def _indicators(values, levels, other):
    text, missing = _as_text(values)
    index = {level: i for i, level in enumerate(levels)}
    codes = np.fromiter((index.get(t, -1) for t in text), np.int64, len(text))
    block = np.zeros((len(text), max(1, len(levels) + other)))
    known = codes >= 0
    block[known, codes[known]] = 1.0
    unknown = ~known & ~missing
    if other:
        block[unknown, len(levels)] = 1.0
        hidden = missing
    else:
        hidden = missing | unknown
    block[hidden] = np.nan
    return block


# -- reading columns -----------------------------------------------------------


def _columns(X, read_all=False):
    """``[(name, values, kind)]`` of a frame or a 2-D object or text array.

    ``None`` for input of numbers only, judged from the dtypes without
    reading the values (``validate_data`` converts them once), and for other
    input, unless ``read_all``, which reads any 2-D input.
    """
    if _is_pandas_frame(X):
        if not read_all and all(getattr(d, "kind", "O") in "biuf" for d in X.dtypes):
            return None
        return [
            _pandas_column(name, X.iloc[:, position], dtype)
            for position, (name, dtype) in enumerate(X.dtypes.items())
        ]
    if _is_polars_frame(X):
        if not read_all and all(
            d.is_numeric() or str(d) == "Boolean" for d in X.dtypes
        ):
            return None
        return [_polars_column(name, X.get_column(name)) for name in X.columns]
    if not read_all:
        if not isinstance(X, (np.ndarray, list, tuple)):
            return None
        try:
            if np.asarray(X).dtype.kind not in "OUS":
                return None
        except ValueError:  # ragged lists: validate_data says so
            return None
    try:
        array = np.asarray(X, dtype=object)
    except ValueError:  # ragged lists: validate_data says so
        return None
    if array.ndim != 2:
        return None
    return [
        (position, column, _object_kind(position, column))
        for position, column in enumerate(array.T)
    ]


def _is_pandas_frame(X):
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(X, pandas.DataFrame)


def _is_polars_frame(X):
    polars = sys.modules.get("polars")
    return polars is not None and isinstance(X, polars.DataFrame)


def _pandas_column(name, column, dtype):
    kind = getattr(dtype, "kind", "O")
    if kind in "mM" or str(dtype).startswith(("period", "interval")):
        raise _temporal_error(name, dtype)
    if kind in "biuf":
        return name, column.to_numpy(dtype=np.float64, na_value=np.nan), "number"
    values = column.to_numpy(dtype=object)
    if str(dtype) == "category":
        _check_scalars(name, values)
        return name, values, "category"
    return name, values, _object_kind(name, values)


def _polars_column(name, column):
    dtype = column.dtype
    if dtype.is_temporal():
        raise _temporal_error(name, dtype)
    if dtype.is_nested():
        raise _nested_error(name, column.drop_nulls().head(1).to_list()[:1])
    if dtype.is_numeric() or str(dtype) in ("Boolean", "Null"):
        values = column.cast(float).to_numpy()
        return name, np.asarray(values, dtype=np.float64), "number"
    values = np.array(column.to_list(), dtype=object)
    if str(dtype).startswith(("Categorical", "Enum")):
        return name, values, "category"
    return name, values, _object_kind(name, values)


def _object_kind(name, values):
    """``"number"`` when every observed value is a number (or text that reads
    as one, as 0.4 read it), else ``"category"``."""
    _check_scalars(name, values)
    number = True
    for value in values:
        if _is_missing(value) or isinstance(value, (numbers.Real, np.bool_)):
            continue
        if isinstance(value, (str, bytes)):
            try:
                float(value)
                continue
            except ValueError:
                pass
        number = False
        break
    return "number" if number else "category"


def _check_scalars(name, values):
    for value in values:
        if isinstance(value, _NESTED):
            raise _nested_error(name, value)
        if isinstance(value, _TEMPORAL) and not _is_missing(value):
            raise _temporal_error(name, type(value).__name__)


def _nested_error(name, value):
    return TypeError(
        f"Column {name!r} holds nested values (e.g. {value!r}); JEPATransformer "
        "reads one number or category per cell (as float(), whose argument must "
        "be a string or a number). Expand it into columns first."
    )


def _temporal_error(name, dtype):
    return TypeError(
        f"Column {name!r} holds dates or times ({dtype}); JEPATransformer reads "
        "numbers and categories. Turn it into numbers first (e.g. the year, "
        "the day of the week, or days since a reference date)."
    )


def _is_missing(value):
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    # pd.NA, pd.NaT, numpy's NaT
    return type(value).__name__ in ("NAType", "NaTType") or (
        isinstance(value, np.datetime64) and np.isnat(value)
    )


def _as_text(values):
    """Each value as text, and where it is missing."""
    missing = np.fromiter((_is_missing(v) for v in values), bool, len(values))
    text = np.array(
        ["" if m else _level(v) for v, m in zip(values, missing, strict=True)],
        dtype=object,
    )
    return text, missing


def _level(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        # 1.0 and 1 name one level (pandas turns integer levels with a
        # missing value into floats)
        return str(int(value))
    return str(value)


def _as_numbers(values):
    if values.dtype.kind in "biuf":
        return values.astype(np.float64)
    return np.array(
        [np.nan if _is_missing(v) else float(v) for v in values], dtype=np.float64
    )


def _example(values):
    """The first observed value, for an error message."""
    return next((v for v in values if not _is_missing(v)), None)
