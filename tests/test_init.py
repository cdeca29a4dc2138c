"""The package's front door (sklearn_jepa/__init__.py): the public names, the
version, the names kept for older code."""

import importlib
from importlib.metadata import version

import pytest
from packaging.version import Version

import sklearn_jepa
from sklearn_jepa import ModelVersionWarning
from sklearn_jepa._version import __version__


def test_version_is_pep_440_and_the_installed_one():
    assert sklearn_jepa.__version__ == __version__
    assert Version(__version__) >= Version("0.3")
    # pyproject.toml reads it from _version.py
    assert version("sklearn-jepa") == __version__


def test_every_public_name_is_exported_once_and_importable():
    assert len(set(sklearn_jepa.__all__)) == len(sklearn_jepa.__all__)
    for name in sklearn_jepa.__all__:
        value = getattr(sklearn_jepa, name)
        # documented where users import it from
        assert value.__module__.startswith("sklearn_jepa"), name
    for module in ("aeon", "sktime", "datasets"):
        pytest.importorskip(module if module != "datasets" else "numpy")
        assert importlib.import_module(f"sklearn_jepa.{module}").__all__


def test_the_03_name_of_the_version_warning_still_works():
    import sklearn_jepa

    with pytest.warns(FutureWarning, match="renamed ModelVersionWarning"):
        old = sklearn_jepa.InconsistentVersionWarning
    assert old is ModelVersionWarning
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        sklearn_jepa.Nope  # noqa: B018
