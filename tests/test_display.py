"""TrainingDisplay (sklearn_jepa.integrations._display)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_jepa import (
    JEPATransformer,
    TrainingDisplay,
)


def test_display_from_estimator_plots(fast, X):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    jepa = JEPATransformer(**fast, early_stopping=True, random_state=0).fit(X)
    display = TrainingDisplay.from_estimator(jepa).plot()
    assert_array_equal(display.epochs, np.arange(1, 5))
    assert len(display.axes_[0].lines) == 2  # train and validation
    assert_allclose(
        display.axes_[1].lines[0].get_ydata(), jepa.history_[:, "effective_rank"]
    )
