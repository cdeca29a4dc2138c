"""Warnings point at the user's line; the version warning."""

import warnings

import pytest
import sklearn.exceptions

from sklearn_jepa.utils._warnings import ModelVersionWarning, user_stacklevel, warn


def test_warn_points_at_the_callers_line_outside_the_library():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn("look here", UserWarning)
        line = _line() - 1
    assert len(caught) == 1 and caught[0].filename == __file__
    assert caught[0].lineno == line and caught[0].category is UserWarning


def _line():
    import inspect

    return inspect.currentframe().f_back.f_lineno


def test_user_stacklevel_counts_from_the_caller():
    # called from a test file (outside the library): the caller itself
    assert user_stacklevel() == 1


def test_a_library_warning_through_an_estimator_names_the_users_line():
    from sklearn_jepa import JEPATransformer

    X = [[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]]
    jepa = JEPATransformer(max_iter=1, masking=0.3, input_kind="signal", random_state=0)
    with pytest.warns(UserWarning, match="masking=0.3 has no effect") as caught:
        jepa.fit(X)
    assert any(w.filename == __file__ for w in caught)


def test_inconsistent_version_warning():
    warning = ModelVersionWarning(
        component="sklearn-jepa", original="0.2.0", current="0.4.0"
    )
    assert isinstance(warning, UserWarning)
    assert not isinstance(warning, sklearn.exceptions.InconsistentVersionWarning)
    assert "0.2.0" in str(warning) and "0.4.0" in str(warning)
    assert (warning.component, warning.original) == ("sklearn-jepa", "0.2.0")
