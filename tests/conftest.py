"""Shared fixtures: one torch thread, the digits data and small configurations."""

import pytest
import torch
from sklearn.datasets import load_digits

from sklearn_jepa import JEPATransformer


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # Two cores on CI: one intra-op thread per test avoids oversubscription
    # when joblib workers run beside the main process.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def _digits():
    return load_digits(return_X_y=True)


@pytest.fixture
def digits(_digits):
    """The first 400 digits, ``(X, y)``: 64 features, 10 classes."""
    X, y = _digits
    return X[:400].copy(), y[:400].copy()


@pytest.fixture
def X(_digits):
    """The first 600 digits, unlabeled (ten batches of 64 rows)."""
    return _digits[0][:600].copy()


@pytest.fixture
def small():
    """A whole-row MLP that trains in well under a second."""
    return dict(n_components=4, hidden_size=32, max_iter=3, batch_size=32)


@pytest.fixture
def tiny():
    """The smallest model of every kind: one layer, 16 wide, two epochs."""
    return dict(n_components=4, hidden_size=16, n_layers=1, max_iter=2, batch_size=32)


@pytest.fixture
def fast(small):
    """Four epochs of ten 64-row batches on the 600-row ``X``."""
    return {**small, "max_iter": 4, "batch_size": 64}


@pytest.fixture
def fitted(small, digits):
    """The ``small`` MLP fitted on ``digits``."""
    X, _ = digits
    return JEPATransformer(**small, random_state=0).fit(X)
