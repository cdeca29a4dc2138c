"""sklearn-jepa: JEPA self-supervised representations for scikit-learn."""

from ._conv import ConvPredictor, DilatedConvEncoder
from ._dask import transform_dask
from ._diagnostics import CollapseWarning, effective_rank, embedding_stats
from ._display import TrainingDisplay
from ._encoders import MLPEncoder, MLPPredictor
from ._estimator import JEPATransformer
from ._export import JEPAEncoder
from ._losses import JEPALoss
from ._masks import FeatureMask, MultiBlockMask, SpanMask
from ._persistence import load, save
from ._version import __version__ as __version__
from ._warnings import InconsistentVersionWarning

__all__ = [
    "CollapseWarning",
    "ConvPredictor",
    "DilatedConvEncoder",
    "FeatureMask",
    "InconsistentVersionWarning",
    "JEPAEncoder",
    "JEPALoss",
    "JEPATransformer",
    "MLPEncoder",
    "MLPPredictor",
    "MultiBlockMask",
    "SpanMask",
    "TrainingDisplay",
    "effective_rank",
    "embedding_stats",
    "load",
    "save",
    "transform_dask",
]
