"""Reading what users pass: table columns as they come (``_columns``),
collections of series and lists of unequal length (``_collections``) and the
checks ``validate_data`` does not make (``_validation``).

Imports: numpy (pandas and polars only when given their frames) and
:mod:`sklearn_jepa.utils`; no torch module.
"""
