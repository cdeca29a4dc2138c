"""sklearn-jepa: JEPA self-supervised representations for scikit-learn."""

from ._conv import ConvPredictor, DilatedConvEncoder
from ._diagnostics import CollapseWarning, effective_rank, embedding_stats
from ._display import TrainingDisplay
from ._encoders import MLPEncoder, MLPPredictor
from ._losses import JEPALoss
from ._masks import FeatureMask, MultiBlockMask, SpanMask
from ._transformer import JEPATransformer

__version__ = "0.1.0"

__all__ = [
    "CollapseWarning",
    "ConvPredictor",
    "DilatedConvEncoder",
    "FeatureMask",
    "JEPALoss",
    "JEPATransformer",
    "MLPEncoder",
    "MLPPredictor",
    "MultiBlockMask",
    "SpanMask",
    "TrainingDisplay",
    "effective_rank",
    "embedding_stats",
]
