"""Dilated-convolution encoder and predictor for 1-D signals.

A stack of residual blocks of dilated 1-D convolutions (dilation doubling
block after block, as in TS2Vec and T-Loss) gives one embedding per time
step. Convolutions cost far less than attention over patches on a CPU and
see shifts alike everywhere, which suits series.

How hidden spans reach a convolution without leaking: the context view's
hidden steps are replaced by a learned mask vector right after the input
projection, so no hidden *value* enters any receptive field; visible steps
near a hidden span see only that mask vector there. The encoder's output at
hidden steps is dropped before the predictor, which gets the context
embeddings at visible steps and its own mask token elsewhere.
"""

import math

import torch
from torch import nn

from ._rocket import KernelBank
from ._tokens import init_embedding

__all__ = ["DilatedConvEncoder", "ConvPredictor"]


def n_blocks_for(length):
    """Blocks whose receptive field is at least the sequence length.

    With two kernel-3 convolutions per block and dilation ``2**i`` in block
    ``i``, ``b`` blocks see ``1 + 4 * (2**b - 1)`` steps centred on each
    step: the middle step sees the whole sequence, every step at least
    half of it (at least 2 blocks).
    """
    return max(2, math.ceil(math.log2((length + 3) / 4)))


class _Block(nn.Module):
    """Pre-activation residual block of two dilated kernel-3 convolutions."""

    def __init__(self, dim, dilation):
        super().__init__()
        self.net = nn.Sequential(
            nn.GELU(),
            nn.Conv1d(dim, dim, 3, padding=dilation, dilation=dilation),
            nn.GELU(),
            nn.Conv1d(dim, dim, 3, padding=dilation, dilation=dilation),
        )

    def forward(self, h):
        return h + self.net(h)


def _stack(dim, n_blocks):
    return nn.Sequential(*(_Block(dim, 2**i) for i in range(n_blocks)))


class DilatedConvEncoder(nn.Module):
    """Residual dilated 1-D convolutions over a (multichannel) signal.

    Parameters
    ----------
    input_shape : tuple of int
        ``(C, L)``: channels and length of one signal (rows are flattened in
        C order).
    dim : int, default=64
        Channels of every block, and width of the per-step embedding.
    n_blocks : int, default=None
        Residual blocks; ``None``: enough for a receptive field as long as
        the (strided) sequence (see :func:`n_blocks_for`).
    stride : int, default=1
        Steps per token: the input projection is a convolution of this width
        and stride (sequences that are not a multiple are zero-padded), so
        long series cost ``stride`` times less. Masks cover the tokens.
    kernel_bank : int, default=None
        About how many values a fixed bank of MiniRocket's kernels adds to
        :meth:`layers` (:class:`~sklearn_jepa.nn._rocket.KernelBank`, its
        biases fitted by its ``fit``); ``None`` or 0: no bank.

    Attributes
    ----------
    grid : tuple of int
        ``(n_tokens,)`` with ``n_tokens = ceil(L / stride)``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_jepa import DilatedConvEncoder
    >>> encoder = DilatedConvEncoder((2, 50), dim=8, stride=2)
    >>> encoder.grid, encoder(torch.zeros(3, 100), None).shape
    ((25,), torch.Size([3, 25, 8]))
    """

    def __init__(self, input_shape, dim=64, n_blocks=None, stride=1, kernel_bank=None):
        super().__init__()
        self.input_shape = tuple(input_shape)
        channels, length = self.input_shape
        self.stride = stride
        n_tokens = math.ceil(length / stride)
        self.padding = n_tokens * stride - length
        self.grid = (n_tokens,)
        self.inp = nn.Conv1d(channels, dim, stride, stride=stride)
        self.mask_embed = nn.Parameter(torch.zeros(1, dim, 1))
        self.blocks = _stack(dim, n_blocks or n_blocks_for(n_tokens))
        self.norm = nn.LayerNorm(dim)
        # built last: the learned layers draw the same weights as without
        self.bank = KernelBank(self.input_shape, kernel_bank) if kernel_bank else None

    # JEPAModule passes where each series ends (``valid``)
    reads_series_ends = True

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None = None,
        valid: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``(batch_size, n_tokens, dim)`` embeddings.

        ``mask``: bool ``(batch_size, n_tokens)``, the tokens the encoder may
        see (hidden ones become the mask vector). ``valid``: bool, the
        tokens before each series' end; the steps after it are zero in every
        layer, as a convolution's padding beyond the end, so a series padded
        to a longer length embeds as itself.
        """
        return self._layers(x, mask, valid)[-1].transpose(1, 2)

    def layers(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None = None,
        valid: torch.Tensor | None = None,
        bank: bool = True,
    ) -> list[torch.Tensor]:
        """Every layer's output, ``(batch_size, dim, n_tokens)`` each.

        The input projection, each residual block, then the normalised
        embedding that :meth:`forward` returns (transposed): ``n_blocks + 2``
        tensors, what the ``"blocks"`` read-out pools. With a kernel bank
        (and ``bank=True``) its PPV values come first, ``(batch_size,
        bank.n_features)``: a layer already read out.
        """
        out = self._layers(x, mask, valid)
        # 0.4 encoders, pickled whole, have no bank attribute
        if bank and getattr(self, "bank", None) is not None:
            out.insert(0, self.bank(*self.bank_input(x, valid)))
        return out

    def bank_input(self, x, valid=None):
        """``(x, valid)`` as the kernel bank takes them: ``(batch_size, C,
        L)`` and the steps before each series' end (from the tokens')."""
        x = x.reshape(x.shape[0], *self.input_shape)
        if valid is not None:
            valid = valid.repeat_interleave(self.stride, dim=1)[:, : x.shape[-1]]
        return x, valid

    def _layers(self, x, mask, valid):
        keep = None if valid is None else valid[:, None, :].to(x.dtype)
        h = _ended(self._tokens(x, mask), keep)
        out = [h]
        for block in self.blocks:
            h = _ended(block(h), keep)
            out.append(h)
        out.append(_ended(self.norm(h.transpose(1, 2)).transpose(1, 2), keep))
        return out

    def _tokens(self, x, mask):
        h = x.reshape(x.shape[0], *self.input_shape)
        if self.padding:
            h = nn.functional.pad(h, (0, self.padding))
        h = self.inp(h)
        if mask is not None:
            # hidden tokens become the mask vector before any convolution
            # mixes neighbouring steps: no hidden value enters a receptive field
            h = torch.where(mask[:, None, :], h, self.mask_embed.to(h.dtype))
        return h


def _ended(h, keep):
    """Zero after each series' end (``keep``: 1 before it, 0 after)."""
    return h if keep is None else h * keep


class ConvPredictor(nn.Module):
    """Dilated convolutions that predict the target steps' embeddings.

    Context steps keep the encoder's embeddings (projected to
    ``predictor_dim``); every other step is a learned mask token, marked as
    target or not by a second learned vector, so the predictor knows which
    steps it is asked about.

    Parameters
    ----------
    n_tokens : int
    dim : int
        Width of the encoder's embeddings.
    predictor_dim : int
        Narrower than ``dim`` by default (the asymmetric branch).
    n_blocks : int, default=None
        ``None``: enough for a receptive field as long as the sequence.
    """

    def __init__(self, n_tokens, dim, predictor_dim, n_blocks=None):
        super().__init__()
        self.inp = nn.Linear(dim, predictor_dim)
        self.mask_token = init_embedding((1, 1, predictor_dim))
        self.target_token = init_embedding((1, 1, predictor_dim))
        self.blocks = self._blocks(predictor_dim, n_blocks, n_tokens)
        self.norm = nn.LayerNorm(predictor_dim)
        self.out = nn.Linear(predictor_dim, dim)

    def forward(
        self, z: torch.Tensor, context_mask: torch.Tensor, target_mask: torch.Tensor
    ) -> torch.Tensor:
        h = self.inp(z)
        hidden = self.mask_token + target_mask[..., None] * self.target_token
        h = torch.where(context_mask[..., None], h, hidden.to(h.dtype))
        h = self._mix(h.transpose(1, 2)).transpose(1, 2)
        return self.out(self.norm(h))

    def _blocks(self, predictor_dim, n_blocks, n_tokens):
        return _stack(predictor_dim, n_blocks or n_blocks_for(n_tokens))

    def _mix(self, h):
        """The blocks over ``(batch_size, predictor_dim, n_tokens)``."""
        return self.blocks(h)
