"""Token encoders: patches of images and signals, feature tokens of tables.

All encoders follow the contract of :mod:`sklearn_jepa.nn._mlp` and return
one embedding per token, ``(batch_size, n_tokens, dim)``. Tokens outside the
view are excluded as attention keys (``src_key_padding_mask``), so the
visible tokens' embeddings do not depend on hidden content.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["FeatureTokens", "PatchTokens", "TokenEncoder", "TokenPredictor"]


def _transformer(dim, n_layers, n_heads):
    layer = nn.TransformerEncoderLayer(
        dim,
        n_heads,
        dim_feedforward=2 * dim,
        dropout=0.0,
        activation="gelu",
        batch_first=True,
        norm_first=True,
    )
    # enable_nested_tensor=False: one numerical path in train and eval mode.
    return nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)


def init_embedding(shape):
    """A learned embedding (tokens, positions), initialised as N(0, 0.02**2)."""
    return nn.Parameter(torch.randn(*shape) * 0.02)


def _check_heads(dim, n_heads):
    if dim % n_heads:
        raise ValueError(
            f"The token width ({dim}) must be divisible by n_heads ({n_heads})."
        )


class PatchTokens(nn.Module):
    """Cut a flattened image or signal into non-overlapping patch tokens.

    Parameters
    ----------
    input_shape : tuple of int
        ``(C, H, W)`` for images or ``(C, L)`` for signals.
    patch_size : int
        Side (or length) of a patch. Inputs whose sides are not multiples of
        it are zero-padded at the end (zero is the mean after standardising).
    dim : int
        Token width.
    stem : {"linear", "conv"}, default="conv"
        ``"linear"``: a linear map of each patch (ViT). ``"conv"``: a 3-wide
        convolution and GELU before the strided patch convolution, which
        gives shift-tolerant local features (helps signals). Values of
        hidden patches are zeroed before the stem, so a convolution window
        at a patch border cannot see hidden values.

    Attributes
    ----------
    grid : tuple of int
        Patches per spatial axis.
    """

    def __init__(self, input_shape, patch_size, dim, stem="conv"):
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.patch_size = patch_size
        self.stem = stem
        spatial = self.input_shape[1:]
        self.grid = tuple(math.ceil(s / patch_size) for s in spatial)
        self.padding = tuple(
            g * patch_size - s for g, s in zip(self.grid, spatial, strict=True)
        )
        channels = self.input_shape[0]
        if stem == "conv":
            conv = nn.Conv1d if len(spatial) == 1 else nn.Conv2d
            width = max(1, dim // 2)
            self.proj = nn.Sequential(
                conv(channels, width, 3, padding=1),
                nn.GELU(),
                conv(width, dim, patch_size, stride=patch_size),
            )
        else:
            self.proj = nn.Linear(channels * patch_size ** len(spatial), dim)

    def forward(self, x, mask=None):
        # x.shape[0], not len(x): the batch size stays symbolic under
        # torch.export (a dynamic batch dimension)
        batch_size, p = x.shape[0], self.patch_size
        x = x.reshape(batch_size, *self.input_shape)
        # F.pad takes the last axis first
        x = F.pad(x, [v for pad in reversed(self.padding) for v in (0, pad)])
        if self.stem == "conv":
            if mask is not None:
                keep = mask.reshape(batch_size, 1, *self.grid).to(x.dtype)
                for axis in range(2, x.dim()):
                    keep = keep.repeat_interleave(p, dim=axis)
                x = x * keep
            return self.proj(x).flatten(2).transpose(1, 2)
        if len(self.grid) == 1:
            patches = x.unfold(2, p, p).permute(0, 2, 1, 3)
        else:
            patches = x.unfold(2, p, p).unfold(3, p, p).permute(0, 2, 3, 1, 4, 5)
        return self.proj(patches.reshape(batch_size, math.prod(self.grid), -1))


class FeatureTokens(nn.Module):
    """One token per feature: ``value * w_f + b_f``.

    The per-feature bias ``b_f`` doubles as the feature-identity embedding.
    """

    def __init__(self, n_features, dim):
        super().__init__()
        self.grid = (n_features,)
        self.weight = init_embedding((n_features, dim))
        self.bias = init_embedding((n_features, dim))

    def forward(self, x, mask=None):
        return x[..., None] * self.weight + self.bias


class TokenEncoder(nn.Module):
    """Transformer over tokens, with optional register tokens.

    Parameters
    ----------
    tokens : PatchTokens or FeatureTokens
        Turns ``x`` into ``(batch_size, n_tokens, dim)`` tokens.
    dim : int
    n_layers : int
    n_heads : int
    n_registers : int, default=0
        Learnable tokens prepended to every sequence, always visible. They
        are dropped from the output, so output token ``i`` is input token
        ``i`` and the masks' indices stay aligned (the public T-JEPA code
        shifted the feature indices by the number of registers).

    Examples
    --------
    >>> import torch
    >>> from sklearn_jepa.nn._tokens import PatchTokens, TokenEncoder
    >>> encoder = TokenEncoder(PatchTokens((1, 8, 8), 2, 16), 16, 1, 2)
    >>> encoder(torch.zeros(3, 64), None).shape
    torch.Size([3, 16, 16])
    """

    def __init__(self, tokens, dim, n_layers, n_heads, n_registers=0):
        super().__init__()
        _check_heads(dim, n_heads)
        self.tokens = tokens
        self.grid = tokens.grid
        self.n_registers = n_registers
        self.pos_embed = init_embedding((1, math.prod(self.grid), dim))
        self.registers = init_embedding((1, n_registers, dim))
        self.blocks = _transformer(dim, n_layers, n_heads)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x, mask=None):
        h = self.tokens(x, mask) + self.pos_embed
        if mask is None:
            return self._encode(h, None)
        # Only the visible tokens go through the transformer (as in I-JEPA):
        # they are packed to the front, padded to the longest row and
        # excluded as keys where padded. Hidden tokens come back as zeros.
        visible, padding, order = _pack(h, mask)
        z = self._encode(visible, padding).masked_fill(padding[..., None], 0.0)
        index = order[..., None].expand(-1, -1, z.shape[-1])
        return z.new_zeros(h.shape[0], h.shape[1], z.shape[-1]).scatter(1, index, z)

    def _encode(self, h, padding):
        batch_size = h.shape[0]
        if self.n_registers:
            h = torch.cat([self.registers.expand(batch_size, -1, -1), h], dim=1)
            if padding is not None:
                visible = padding.new_zeros(batch_size, self.n_registers)
                padding = torch.cat([visible, padding], dim=1)
        h = self.blocks(h, src_key_padding_mask=padding)
        return self.norm(h[:, self.n_registers :])


def _pack(h, mask):
    """Move each row's visible tokens to the front, in their original order.

    Returns ``(packed, padding, order)``: ``packed`` is ``(batch_size,
    n_visible_max, dim)``, ``padding`` marks the filler slots of shorter rows
    and ``order`` holds the token index of every slot.
    """
    counts = mask.sum(1)
    n_max = max(int(counts.max()), 1)
    order = torch.argsort((~mask).to(torch.uint8), dim=1, stable=True)[:, :n_max]
    packed = h.gather(1, order[..., None].expand(-1, -1, h.shape[-1]))
    padding = torch.arange(n_max, device=h.device) >= counts[:, None]
    return packed, padding, order


class TokenPredictor(nn.Module):
    """Narrow transformer that predicts target-token embeddings.

    Context tokens keep the encoder's embeddings; every other token is a
    learned mask token; positional embeddings tell which token is which.
    Tokens in neither view are excluded from attention.
    """

    def __init__(self, n_tokens, dim, predictor_dim, n_layers, n_heads):
        super().__init__()
        _check_heads(predictor_dim, n_heads)
        self.inp = nn.Linear(dim, predictor_dim)
        self.mask_token = init_embedding((1, 1, predictor_dim))
        self.pos_embed = init_embedding((1, n_tokens, predictor_dim))
        self.blocks = _transformer(predictor_dim, n_layers, n_heads)
        self.norm = nn.LayerNorm(predictor_dim)
        self.out = nn.Linear(predictor_dim, dim)

    def forward(self, z, context_mask, target_mask):
        h = self.inp(z)
        h = torch.where(context_mask[..., None], h, self.mask_token.to(h.dtype))
        h = h + self.pos_embed
        h = self.blocks(h, src_key_padding_mask=~(context_mask | target_mask))
        return self.out(self.norm(h))
