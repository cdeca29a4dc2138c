"""Input checks that validate_data does not make (sklearn_jepa.inputs._validation)."""

import numpy as np

from sklearn_jepa import (
    JEPATransformer,
)


def test_text_in_an_object_array_is_a_category_not_an_error(tiny):
    X = np.array([[1.0, 2.0, "x"], [3.0, 4.0, "y"]] * 10, dtype=object)
    Z = JEPATransformer(**tiny, random_state=0).fit(X).transform(X)
    assert Z.shape == (20, 4) and np.isfinite(Z).all()
