"""Input and parameter checks (sklearn_jepa._validation) and plain logs."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from sklearn_jepa import JEPATransformer
from sklearn_jepa._validation import check_mask_ratio, check_numeric_columns

FAST = dict(n_components=4, hidden_size=16, max_epochs=2, batch_size=32)


def test_mask_ratio_list_equals_tuple():
    X = np.random.RandomState(0).normal(size=(60, 8))
    Z_list = JEPATransformer(
        **FAST, mask_ratio=[0.5, 0.9], random_state=0
    ).fit_transform(X)
    Z_tuple = JEPATransformer(
        **FAST, mask_ratio=(0.5, 0.9), random_state=0
    ).fit_transform(X)
    assert_array_equal(Z_list, Z_tuple)


@pytest.mark.parametrize(
    "bad", [(0.5,), (0.9, 0.5), (0.0, 0.5), (0.5, 1.0), ("a", "b")]
)
def test_bad_mask_ratio_pair_is_named(bad):
    with pytest.raises(ValueError, match="mask_ratio must be"):
        check_mask_ratio(bad)
    X = np.random.RandomState(0).normal(size=(20, 4))
    with pytest.raises(ValueError, match="mask_ratio"):
        JEPATransformer(**FAST, mask_ratio=bad).fit(X)


def test_string_column_of_a_dataframe_is_named():
    df = pd.DataFrame({"age": [1.0, 2.0, 3.0], "city": ["a", "b", "c"]})
    with pytest.raises(ValueError, match="column 'city' \\(position 1\\)"):
        JEPATransformer(**FAST).fit(df)


def test_string_column_of_an_object_array_is_named():
    X = np.array([[1.0, 2.0, "x"], [3.0, 4.0, "y"]], dtype=object)
    with pytest.raises(ValueError, match="column 2 holds the non-numeric value 'x'"):
        JEPATransformer(**FAST).fit(X)


def test_numeric_objects_and_numbers_as_strings_pass():
    check_numeric_columns(np.array([[1, "2.5"], [3, "4"]], dtype=object))
    check_numeric_columns(
        pd.DataFrame({"a": [1, 2], "b": pd.Series([1.0, 2.0], dtype=object)})
    )
    check_numeric_columns(np.ones((2, 2)))


def test_verbose_log_to_a_pipe_has_no_colour_codes_or_bars(capsys):
    X = np.random.RandomState(0).normal(size=(64 * 60, 4))
    JEPATransformer(**{**FAST, "batch_size": 64}, verbose=1, random_state=0).fit(X)
    out = capsys.readouterr()
    assert "train_loss" in out.out
    assert "\x1b[" not in out.out + out.err
    assert "\r" not in out.out + out.err
