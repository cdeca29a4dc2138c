"""sklearn-jepa: JEPA self-supervised representations for scikit-learn."""

from ._classifier import JEPAClassifier
from ._estimator import JEPATransformer
from ._persistence import load, save
from ._version import __version__ as __version__
from ._windows import JEPAWindowTransformer, sliding_windows
from .engine._diagnostics import CollapseWarning, effective_rank, embedding_stats
from .engine._export import JEPAEncoder
from .integrations._dask import transform_dask
from .integrations._display import TrainingDisplay
from .nn._cnn import ConvImageEncoder, ConvImagePredictor
from .nn._conv import ConvPredictor, DilatedConvEncoder
from .nn._losses import JEPALoss
from .nn._masks import FeatureMask, MultiBlockMask, SpanMask
from .nn._mlp import MLPEncoder, MLPPredictor
from .utils._compat import alias_old_modules
from .utils._warnings import ModelVersionWarning

# module paths of earlier versions, as their pickles name them
alias_old_modules()

__all__ = [
    "CollapseWarning",
    "ConvImageEncoder",
    "ConvImagePredictor",
    "ConvPredictor",
    "DilatedConvEncoder",
    "FeatureMask",
    "JEPAClassifier",
    "JEPAEncoder",
    "JEPALoss",
    "JEPATransformer",
    "JEPAWindowTransformer",
    "MLPEncoder",
    "MLPPredictor",
    "ModelVersionWarning",
    "MultiBlockMask",
    "SpanMask",
    "TrainingDisplay",
    "effective_rank",
    "embedding_stats",
    "load",
    "save",
    "sliding_windows",
    "transform_dask",
]


def __getattr__(name):
    # 0.3's name, the same as scikit-learn's warning class: until 0.6
    if name == "InconsistentVersionWarning":
        import warnings

        warnings.warn(
            "sklearn_jepa.InconsistentVersionWarning was renamed "
            "ModelVersionWarning in 0.4 (scikit-learn has a class of the old "
            "name); the old name will be removed in 0.6.",
            FutureWarning,
            stacklevel=2,
        )
        return ModelVersionWarning
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
