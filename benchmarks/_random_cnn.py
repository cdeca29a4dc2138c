"""The random-CNN baseline for images: convolutions that are never trained.

What an image user compares random features against (the image counterpart
of MiniRocket for series): three 3x3 convolutions of 32, 64 and 128
channels with PyTorch's default initialisation, each followed by ReLU and a
2x2 max pool, every layer's output average-pooled over a 2x2 grid of
regions and concatenated (896 values for any image size). Pixels are
standardised per channel on the fitted rows. Written here, apart from the
package's encoder, so the baseline does not move when the package does.
"""

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator, TransformerMixin
from torch import nn


class RandomCNN(TransformerMixin, BaseEstimator):
    """Random convolutional features of images given as flattened rows.

    Parameters
    ----------
    input_shape : tuple of int
        ``(H, W)`` or ``(C, H, W)``.
    widths : tuple of int, default=(32, 64, 128)
    random_state : int, default=0
    batch_size : int, default=512
    """

    def __init__(
        self, input_shape, widths=(32, 64, 128), random_state=0, batch_size=512
    ):
        self.input_shape = input_shape
        self.widths = widths
        self.random_state = random_state
        self.batch_size = batch_size

    def fit(self, X, y=None):
        shape = tuple(self.input_shape)
        self.shape_ = shape if len(shape) == 3 else (1, *shape)
        per_channel = np.asarray(X, np.float64).reshape(len(X), self.shape_[0], -1)
        self.mean_ = per_channel.mean(axis=(0, 2))[None, :, None, None]
        self.scale_ = per_channel.std(axis=(0, 2))[None, :, None, None] + 1e-12
        torch.manual_seed(self.random_state)
        channels = [self.shape_[0], *self.widths]
        self.convs_ = nn.ModuleList(
            nn.Conv2d(a, b, 3, padding=1)
            for a, b in zip(channels, channels[1:], strict=False)
        ).eval()
        return self

    @torch.no_grad()
    def transform(self, X):
        X = np.asarray(X, np.float64).reshape(len(X), *self.shape_)
        X = ((X - self.mean_) / self.scale_).astype(np.float32)
        out = []
        for start in range(0, len(X), self.batch_size):
            h = torch.from_numpy(X[start : start + self.batch_size])
            features = []
            for conv in self.convs_:
                h = F.relu(conv(h))
                features.append(F.adaptive_avg_pool2d(h, 2).flatten(1))
                if min(h.shape[2:]) >= 2:
                    h = F.max_pool2d(h, 2)
            out.append(torch.cat(features, 1).numpy())
        return np.concatenate(out).astype(np.float64)
