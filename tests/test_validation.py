"""Input checks that validate_data does not make (sklearn_jepa._validation)."""

import numpy as np
import pandas as pd
import pytest

from sklearn_jepa import (
    JEPATransformer,
)
from sklearn_jepa._validation import check_numeric_columns


def test_string_column_of_a_dataframe_is_named(tiny):
    df = pd.DataFrame({"age": [1.0, 2.0, 3.0], "city": ["a", "b", "c"]})
    with pytest.raises(ValueError, match="column 'city' \\(position 1\\)"):
        JEPATransformer(**tiny).fit(df)


def test_string_column_of_an_object_array_is_named(tiny):
    X = np.array([[1.0, 2.0, "x"], [3.0, 4.0, "y"]], dtype=object)
    with pytest.raises(ValueError, match="column 2 holds the non-numeric value 'x'"):
        JEPATransformer(**tiny).fit(X)


def test_numeric_objects_and_numbers_as_strings_pass():
    check_numeric_columns(np.array([[1, "2.5"], [3, "4"]], dtype=object))
    check_numeric_columns(
        pd.DataFrame({"a": [1, 2], "b": pd.Series([1.0, 2.0], dtype=object)})
    )
    check_numeric_columns(np.ones((2, 2)))
