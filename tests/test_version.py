"""The package version, in one place."""

from importlib.metadata import version

from packaging.version import Version

import sklearn_jepa
from sklearn_jepa._version import __version__


def test_version_is_pep_440_and_the_installed_one():
    assert sklearn_jepa.__version__ == __version__
    assert Version(__version__) >= Version("0.3")
    # pyproject.toml reads it from _version.py
    assert version("sklearn-jepa") == __version__
