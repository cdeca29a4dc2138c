"""The trained encoder as a plain torch module, for torch serving stacks."""

import copy

import torch
from torch import nn

from ._inference import read_out, reads_layers

__all__ = ["JEPAEncoder"]


class JEPAEncoder(nn.Module):
    """Standardise, embed with the target encoder, pool and project.

    A plain :class:`torch.nn.Module` with no scikit-learn or skorch inside,
    built by :meth:`JEPATransformer.to_torch`; its output equals
    ``transform`` (up to float rounding of the batch shape). It is in eval
    mode, holds no gradients, and exports with :func:`torch.export.export`
    (dynamic batch size) and :func:`torch.onnx.export`.

    Parameters
    ----------
    encoder : torch.nn.Module
        The trained target encoder; deep-copied.
    mean, scale : array-like of shape (n_features,)
        The standardisation of the fitted estimator.
    pooling : {"mean", "max", "flatten", "blocks", "layers"} or None
        How token embeddings become one vector (``None``: the encoder
        already returns one vector per row).
    projection : tuple of (array-like, array-like) or None
        Mean ``(width,)`` and components ``(n_components, width)``.
    biases : array-like of shape (n_layers, dim, n_quantiles), default=None
        The PPV biases of the ``"blocks"`` read-out.

    Notes
    -----
    Standardisation and projection run in float64, the encoder in float32,
    as in ``transform``. Input: ``(batch_size, n_features)``, any float
    dtype; output: ``(batch_size, n_components)`` float64.
    """

    def __init__(
        self, encoder, mean, scale, pooling=None, projection=None, biases=None
    ):
        super().__init__()
        self.encoder = copy.deepcopy(encoder).eval().requires_grad_(False)
        self.pooling = pooling
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float64))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float64))
        if pooling == "blocks":
            biases = torch.as_tensor(biases, dtype=torch.float32)
            self.register_buffer("biases", biases)
        self.has_projection = projection is not None
        if projection is not None:
            centre, components = projection
            centre = torch.as_tensor(centre, dtype=torch.float64)
            components = torch.as_tensor(components, dtype=torch.float64)
            self.register_buffer("projection_mean", centre)
            self.register_buffer("components", components)
        self.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = ((x.to(torch.float64) - self.mean) / self.scale).to(torch.float32)
        encode = self.encoder.layers if reads_layers(self.pooling) else self.encoder
        biases = self.biases if self.pooling == "blocks" else None
        z = read_out(encode(x, None), self.pooling, biases).to(torch.float64)
        if self.has_projection:
            z = (z - self.projection_mean) @ self.components.T
        return z
