"""Warnings that point at the user's line, and the version warning.

A hard-coded ``stacklevel`` is right for one call depth only: the same
warning raised from ``fit``, ``fit_transform``, a ``Pipeline`` or a
``GridSearchCV`` would point at a different line of library code each time.
:func:`warn` walks the stack instead and attributes the warning to the first
frame outside sklearn-jepa, scikit-learn and skorch: the user's call (as
``warnings.warn(skip_file_prefixes=...)`` does on Python 3.12+, computed
here so it works on every supported Python).
"""

import os
import sys
import warnings

import sklearn
import skorch

__all__ = ["ModelVersionWarning", "user_stacklevel", "warn"]

_LIBRARY_DIRS = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    for module in (sys.modules[__name__.partition(".")[0]], sklearn, skorch)
)


def user_stacklevel():
    """The ``stacklevel`` that makes a ``warnings.warn`` call in the caller of
    this function point at the first frame outside the libraries."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame = frame.f_back
        level += 1
    return level


def warn(message, category=None):
    """``warnings.warn`` attributed to the user's line.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("look here")
    >>> caught[0].filename.endswith("_warnings.py")
    False
    """
    warnings.warn(message, category, stacklevel=user_stacklevel())


class ModelVersionWarning(UserWarning):
    """A model saved by another version of sklearn-jepa or torch was loaded.

    As scikit-learn's ``InconsistentVersionWarning`` (0.3's name of this
    class, until 0.6 under ``sklearn_jepa.InconsistentVersionWarning``): the
    model may load and work,
    or silently behave differently; refit it with the installed versions when
    you can.
    """

    def __init__(self, *, component, original, current):
        self.component = component
        self.original = original
        self.current = current

    def __str__(self):
        return (
            f"This model was saved with {self.component} {self.original} and is "
            f"loaded with {self.current}. It may not behave the same; refit it "
            "with the installed version where you can."
        )
