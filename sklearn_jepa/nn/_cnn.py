"""Convolutional encoder and predictor for images (a sparse-masked CNN).

A plain convolutional network that is never trained is already a strong
image representation (random 3x3 convolutions, ReLU and pooling, each layer
average-pooled to a 2x2 grid: 69.8 % with 10 labels per class on
Fashion-MNIST, where a ViT over patches at random starts at 65.4). This
encoder is that network, so its untrained twin starts where random
convolutions stand, and JEPA trains it from there.

How hidden cells reach a convolution without leaking (CNN-JEPA, Kalapos and
Gyires-Toth 2024): masks are drawn on the last stage's grid of cells; the
input and every stage's output are multiplied by the mask upsampled to that
stage's resolution, so a hidden pixel never enters the receptive field of a
visible cell (it reads zeros there, as at the image border). The target
encoder (the EMA copy) sees the whole image; a cell's embedding is every
stage's output averaged over the cell; the predictor fills the hidden cells
with a mask token and predicts their embeddings with depthwise separable
convolutions on the same grid.

No batch or group normalisation: a row's embedding never depends on its
batch, and the masked statistics CNN-JEPA needs for batch norm are not
needed.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._conv import ConvPredictor

__all__ = ["ConvImageEncoder", "ConvImagePredictor", "image_grid", "image_stages"]

# the read-out averages every stage's output over a READOUT x READOUT grid of
# regions: where on the image a feature fires, coarsely
READOUT = 2
# the last stage's grid is kept at least this many cells on its shorter side
# (masks need room for blocks) while the stages halve the resolution
MIN_GRID = 4


def image_stages(spatial, n_stages):
    """Poolings between ``n_stages`` stages for an image of side ``spatial``.

    A 2x2 max pool follows each stage but the last, as long as the shorter
    side stays at least :data:`MIN_GRID` cells: 28x28 gives 2 poolings
    (grid 7x7), 8x8 one (4x4), 64x64 two (16x16) with 3 stages.

    Examples
    --------
    >>> from sklearn_jepa.nn._cnn import image_stages
    >>> image_stages((28, 28), 3), image_stages((8, 8), 3), image_stages((1, 64), 3)
    (2, 1, 0)
    """
    side = min(spatial)
    n_pools = 0
    while n_pools < n_stages - 1 and side // 2 >= MIN_GRID:
        side //= 2
        n_pools += 1
    return n_pools


def image_grid(spatial, n_stages):
    """``(rows, cols)`` of the last stage's cells for an image of sides
    ``spatial``; sides that are not a multiple of the pooling factor are
    zero-padded up to one.

    Examples
    --------
    >>> from sklearn_jepa.nn._cnn import image_grid
    >>> image_grid((28, 28), 3), image_grid((9, 13), 3)
    ((7, 7), (5, 7))
    """
    factor = 2 ** image_stages(spatial, n_stages)
    return tuple(math.ceil(s / factor) for s in spatial)


def stage_widths(width, n_stages):
    """Channels of each stage: ``width`` doubled at every stage, as in the
    random-CNN baseline (32, 64, 128)."""
    return [width * 2**i for i in range(n_stages)]


class ConvImageEncoder(nn.Module):
    """Stages of 3x3 convolutions and ReLU, a 2x2 max pool between them.

    Parameters
    ----------
    input_shape : tuple of int
        ``(C, H, W)``: channels and sides of one image (rows are flattened in
        C order).
    width : int, default=32
        Channels of the first stage; each stage doubles them.
    n_stages : int, default=3
        Stages of one convolution each; a pool follows each stage but the
        last while the grid stays at least :data:`MIN_GRID` cells a side
        (:func:`image_stages`).

    Attributes
    ----------
    grid : tuple of int
        ``(rows, cols)`` of the last stage: the cells masks cover and the
        tokens :meth:`forward` returns. Images whose sides are not a multiple
        of ``2**n_pools`` are zero-padded at the end.
    dim : int
        Width of one token: the channels of every stage together.

    Examples
    --------
    >>> import torch
    >>> from sklearn_jepa import ConvImageEncoder
    >>> encoder = ConvImageEncoder((1, 28, 28), width=8)
    >>> encoder.grid, encoder(torch.zeros(2, 784)).shape
    ((7, 7), torch.Size([2, 49, 56]))
    >>> [h.shape[1] for h in encoder.layers(torch.zeros(2, 784))]
    [32, 64, 128]
    """

    def __init__(self, input_shape, width=32, n_stages=3):
        super().__init__()
        self.input_shape = tuple(input_shape)
        channels, *spatial = self.input_shape
        self.n_pools = image_stages(spatial, n_stages)
        self.grid = image_grid(spatial, n_stages)
        self.padding = tuple(
            g * 2**self.n_pools - s for g, s in zip(self.grid, spatial, strict=True)
        )
        widths = stage_widths(width, n_stages)
        self.dim = sum(widths)
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, 3, padding=1)
            for c_in, c_out in zip([channels, *widths[:-1]], widths, strict=True)
        ).to(memory_format=torch.channels_last)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``(batch_size, n_tokens, dim)``: every stage at each cell.

        Each stage's output averaged over the cell, layer-normalised per
        stage, concatenated: ``dim = sum`` of the stages' channels. The JEPA
        target is then every stage the read-out uses, not the last one
        alone: regressing on the last stage only, the shallow stages drifted
        from their useful random start (digits 8x8, 10 labels per class:
        86.4 against 91.8 for every stage, the untrained twin 92.5).

        ``mask``: bool ``(batch_size, n_tokens)``, the cells the encoder may
        see; the input and every stage are zero elsewhere.
        """
        cells = [
            F.layer_norm(_at_cells(h, self.grid), (h.shape[1],))
            for h in self._stages(x, mask)
        ]
        return torch.cat(cells, dim=2)

    def layers(
        self, x: torch.Tensor, mask: torch.Tensor | None = None
    ) -> list[torch.Tensor]:
        """Every stage's output average-pooled over a 2x2 grid of regions,
        a list of ``(batch_size, channels * 4)`` tensors (the ``"layers"``
        read-out concatenates them)."""
        return [
            F.adaptive_avg_pool2d(h, READOUT).flatten(1) for h in self._stages(x, mask)
        ]

    def _stages(self, x, mask):
        """Each stage's output after its ReLU, before the pool that follows."""
        h = x.reshape(x.shape[0], *self.input_shape)
        h = F.pad(h, (0, self.padding[1], 0, self.padding[0]))
        # channels last: oneDNN's convolutions run a training step 1.6x
        # faster on a CPU in this layout (docs/image_speed.md)
        h = h.contiguous(memory_format=torch.channels_last)
        keep = None
        if mask is not None:
            keep = mask.reshape(x.shape[0], 1, *self.grid).to(h.dtype)
        out = []
        for i, conv in enumerate(self.convs):
            scale = 2 ** max(0, self.n_pools - i)
            cells = _upsample(keep, scale)
            if i == 0 and cells is not None:
                h = h * cells  # no hidden pixel enters a receptive field
            h = F.relu(conv(h))
            if cells is not None:
                h = h * cells
            out.append(h)
            if i < self.n_pools:
                h = F.max_pool2d(h, 2)
        return out


def _at_cells(h, grid):
    """``(batch_size, channels, H, W)`` averaged over each cell of ``grid``:
    ``(batch_size, n_tokens, channels)``."""
    return F.adaptive_avg_pool2d(h, grid).flatten(2).transpose(1, 2)


def _upsample(keep, scale):
    """The cell mask at a resolution ``scale`` times finer (or ``None``)."""
    if keep is None or scale == 1:
        return keep
    return keep.repeat_interleave(scale, dim=2).repeat_interleave(scale, dim=3)


class _SeparableBlock(nn.Module):
    """Residual depthwise 3x3 then pointwise convolution (pre-activation)."""

    def __init__(self, dim):
        super().__init__()
        self.net = nn.Sequential(
            nn.GELU(),
            nn.Conv2d(dim, dim, 3, padding=1, groups=dim),
            nn.Conv2d(dim, dim, 1),
        )

    def forward(self, h):
        return h + self.net(h)


class ConvImagePredictor(ConvPredictor):
    """Depthwise separable convolutions that fill the hidden cells.

    :class:`ConvPredictor` on a 2-D grid: context cells keep the encoder's
    embeddings (projected to ``predictor_dim``); every other cell is a
    learned mask token, marked as target or not by a second learned vector.

    Parameters
    ----------
    grid : tuple of int
        ``(rows, cols)`` of the encoder's last stage.
    dim : int
        Width of the encoder's tokens.
    predictor_dim : int
        Narrower than ``dim`` by default (the asymmetric branch).
    n_blocks : int, default=3
        Residual blocks; three 3x3 blocks see 7x7 cells around each cell.
    """

    def __init__(self, grid, dim, predictor_dim, n_blocks=3):
        super().__init__(math.prod(grid), dim, predictor_dim, n_blocks)
        self.grid = tuple(grid)

    def _blocks(self, predictor_dim, n_blocks, n_tokens):
        return nn.Sequential(*(_SeparableBlock(predictor_dim) for _ in range(n_blocks)))

    def _mix(self, h):
        return self.blocks(h.reshape(len(h), -1, *self.grid)).flatten(2)
