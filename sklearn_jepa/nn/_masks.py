"""Masking strategies: which tokens the context sees and which are predicted.

Every strategy shares one interface, so switching is one argument::

    context, target = strategy(batch_size, grid, generator)

``grid`` is the shape of the token grid: ``(n_features,)`` for tables,
``(n_patches,)`` for 1-D signals and ``(n_rows, n_cols)`` of patches for
images. Both returned tensors are boolean of shape ``(batch_size, n_tokens)``
with ``n_tokens = prod(grid)``; ``True`` marks a token that belongs to the view.
Every row of ``context`` keeps at least one token and every row of ``target``
holds at least one token. All randomness comes from ``generator`` (a seeded
``torch.Generator``), which keeps fits bit-reproducible.

A user strategy is any picklable callable with that signature (a module-level
function or an instance of a class defined in an importable module).
"""

import math
from numbers import Real

import torch

from ..utils._compat import feature_mask_state, renamed_keyword

__all__ = [
    "MASKING_STRATEGIES",
    "FeatureMask",
    "MissingTokens",
    "MultiBlockMask",
    "SpanMask",
]


class _Strategy:
    """Strategies are plain values: equal when of one type with equal settings."""

    def __eq__(self, other):
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self):
        return hash((type(self).__name__, repr(self)))

    def __setstate__(self, state):
        vars(self).update(state)


def _uniform(low, high, shape, generator):
    return low + (high - low) * torch.rand(shape, generator=generator)


def _randint(high, generator):
    """One integer in ``[0, high)`` per entry of the integer tensor ``high``."""
    draw = torch.rand(high.shape, generator=generator) * high
    return draw.long().minimum(high - 1)


def _intervals(start, length, size):
    """Boolean ``(..., size)``: positions ``start <= i < start + length``."""
    position = torch.arange(size)
    return (position >= start[..., None]) & (position < (start + length)[..., None])


def _as_range(value):
    if isinstance(value, Real):
        return float(value), float(value)
    low, high = value
    return float(low), float(high)


def _ensure_nonempty(context, target, generator):
    """Give every row at least one context token and one target token.

    Degenerate draws (a one-token grid, targets covering everything) would
    otherwise leave an empty view, which makes attention return NaN. Works on
    the whole batch at once: the masks are drawn for every batch.
    """
    batch_size, n_tokens = context.shape
    rows = torch.arange(batch_size)
    no_target = ~target.any(1)
    pick = torch.randint(n_tokens, (batch_size,), generator=generator)
    target[rows[no_target], pick[no_target]] = True
    no_context = ~context.any(1)
    # a random free (non-target) token: the largest random score among them
    scores = torch.rand(batch_size, n_tokens, generator=generator)
    free = ~target
    pick = scores.masked_fill(~free, -1.0).argmax(1)
    has_free = free.any(1)
    fill = no_context & has_free
    context[rows[fill], pick[fill]] = True
    single = no_context & ~has_free  # a single token: both views see it
    context[single] = target[single]
    return context, target


class FeatureMask(_Strategy):
    """Hide a random subset of the features (tokens) of each row.

    The target is the hidden subset and the context is the rest, so the two
    views are disjoint (for a single feature both views see it).

    Parameters
    ----------
    ratio : float or tuple of (float, float), default=0.5
        Fraction of the tokens hidden from the context. A ``(low, high)``
        pair draws a fraction uniformly per row. (0.4's keyword for it
        still works until 0.6, with a ``FutureWarning``.)

    Examples
    --------
    >>> import torch
    >>> from sklearn_jepa import FeatureMask
    >>> context, target = FeatureMask(0.5)(4, (10,), torch.Generator().manual_seed(0))
    >>> context.shape, int(target[0].sum())
    (torch.Size([4, 10]), 5)
    """

    def __init__(self, ratio=0.5, **deprecated):
        self.ratio = renamed_keyword("FeatureMask", "ratio", ratio, deprecated)

    def __setstate__(self, state):
        # masks pickled or saved by 0.4 and earlier
        vars(self).update(feature_mask_state(state))

    def __call__(
        self, batch_size: int, grid: tuple, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        n_tokens = math.prod(grid)
        low, high = _as_range(self.ratio)
        ratios = low + (high - low) * torch.rand(batch_size, generator=generator)
        n_hidden = (ratios * n_tokens).round().long().clamp(1, max(n_tokens - 1, 1))
        # hide the first n_hidden tokens of a random permutation of each row
        order = torch.rand(batch_size, n_tokens, generator=generator).argsort(1)
        first = torch.arange(n_tokens).expand(batch_size, -1) < n_hidden[:, None]
        target = torch.zeros_like(first).scatter_(1, order, first)
        context = ~target if n_tokens > 1 else target.clone()
        return context, target

    def __repr__(self):
        return f"FeatureMask(ratio={self.ratio!r})"


class MultiBlockMask(_Strategy):
    """I-JEPA multi-block masking on a 2-D grid of patches.

    Draws ``n_targets`` rectangular target blocks of random scale and aspect
    ratio, and one large context block from which all target patches are
    removed.

    Parameters
    ----------
    n_targets : int, default=4
        Number of target blocks per image.
    target_scale : tuple of (float, float), default=(0.15, 0.2)
        Range of the area of each target block, as a fraction of the grid.
    target_aspect : tuple of (float, float), default=(0.75, 1.5)
        Range of the height / width ratio of target blocks.
    context_scale : tuple of (float, float), default=(0.85, 1.0)
        Range of the area of the context block before targets are removed.

    Notes
    -----
    On tiny grids a block is at least one patch, so the realised areas are
    rounded; every row keeps at least one context patch.

    Examples
    --------
    >>> import torch
    >>> from sklearn_jepa import MultiBlockMask
    >>> context, target = MultiBlockMask()(2, (4, 4), torch.Generator().manual_seed(0))
    >>> context.shape, bool((context & target).any())
    (torch.Size([2, 16]), False)
    """

    def __init__(
        self,
        n_targets=4,
        *,
        target_scale=(0.15, 0.2),
        target_aspect=(0.75, 1.5),
        context_scale=(0.85, 1.0),
    ):
        self.n_targets = n_targets
        self.target_scale = target_scale
        self.target_aspect = target_aspect
        self.context_scale = context_scale

    @staticmethod
    def _blocks(shape, grid, scale, aspect, generator):
        """Boolean ``(*shape, n_tokens)`` masks of random rectangles."""
        height, width = grid
        area = _uniform(*scale, shape, generator) * (height * width)
        log_low, log_high = (math.log(a) for a in aspect)
        ratio = torch.exp(_uniform(log_low, log_high, shape, generator))
        h = (area * ratio).sqrt().round().long().clamp(1, height)
        w = (area / ratio).sqrt().round().long().clamp(1, width)
        top = _randint(height - h + 1, generator)
        left = _randint(width - w + 1, generator)
        block = (
            _intervals(top, h, height)[..., :, None]
            & _intervals(left, w, width)[..., None, :]
        )
        return block.flatten(-2)

    def __call__(
        self, batch_size: int, grid: tuple, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if len(grid) != 2:
            raise ValueError(f"MultiBlockMask needs a 2-D grid, got {grid}.")
        target = self._blocks(
            (batch_size, self.n_targets),
            grid,
            self.target_scale,
            self.target_aspect,
            generator,
        ).any(1)
        context = self._blocks(
            (batch_size,), grid, self.context_scale, (1.0, 1.0), generator
        )
        context &= ~target
        return _ensure_nonempty(context, target, generator)

    def __repr__(self):
        return (
            f"MultiBlockMask(n_targets={self.n_targets}, "
            f"target_scale={self.target_scale}, target_aspect={self.target_aspect},"
            f" context_scale={self.context_scale})"
        )


class SpanMask(_Strategy):
    """Contiguous span masking over a 1-D sequence of patches.

    Draws ``n_spans`` contiguous target spans; the context is every patch not
    in a target span.

    Parameters
    ----------
    n_spans : int, default=2
        Number of target spans per signal.
    span_scale : tuple of (float, float), default=(0.1, 0.25)
        Range of the length of each span, as a fraction of the sequence.

    Examples
    --------
    >>> import torch
    >>> from sklearn_jepa import SpanMask
    >>> context, target = SpanMask()(3, (20,), torch.Generator().manual_seed(0))
    >>> context.shape, bool((context & target).any())
    (torch.Size([3, 20]), False)
    """

    def __init__(self, n_spans=2, *, span_scale=(0.1, 0.25)):
        self.n_spans = n_spans
        self.span_scale = span_scale

    def __call__(
        self, batch_size: int, grid: tuple, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        n_tokens = math.prod(grid)
        shape = (batch_size, self.n_spans)
        length = _uniform(*self.span_scale, shape, generator) * n_tokens
        length = length.round().long().clamp(1, n_tokens)
        start = _randint(n_tokens - length + 1, generator)
        target = _intervals(start, length, n_tokens).any(1)
        return _ensure_nonempty(~target, target, generator)

    def __repr__(self):
        return f"SpanMask(n_spans={self.n_spans}, span_scale={self.span_scale})"


# the built-in strategies by name: what a saved model may name (the
# weights-only file format decodes masks through this registry only)
MASKING_STRATEGIES = {
    cls.__name__: cls for cls in (FeatureMask, MultiBlockMask, SpanMask)
}


class MissingTokens:
    """Which tokens of each row hold a missing (NaN) value.

    A spatial axis of ``s`` values split into ``g`` tokens gives each token
    ``ceil(s / g)`` values (a patch, a stride); a token is missing when any
    of its values, in any channel, is. Tables: one token per feature.

    Parameters
    ----------
    shape : tuple of int
        One row, channels first: ``(1, n_features)``, ``(C, L)``, ``(C, H, W)``.
    grid : tuple of int
        The token grid.

    Examples
    --------
    >>> import torch
    >>> from sklearn_jepa.nn._masks import MissingTokens
    >>> nan = torch.tensor([[False, True, False, False, False, False]])
    >>> MissingTokens((1, 6), (3,))(nan)   # a signal of 6 steps, 3 tokens
    tensor([[ True, False, False]])
    """

    def __init__(self, shape, grid):
        self.shape = tuple(shape)
        self.grid = tuple(grid)

    def __call__(self, nan):
        """``(batch_size, n_features)`` bool to ``(batch_size, n_tokens)`` bool."""
        spatial = self.shape[1:]
        if len(spatial) != len(self.grid):
            raise ValueError(
                f"Missing values cannot be mapped to the encoder's token grid "
                f"{self.grid} for rows of shape {self.shape}; use a built-in "
                "encoder, or impute missing values first."
            )
        sizes = [-(-s // g) for s, g in zip(spatial, self.grid, strict=True)]
        nan = nan.reshape(len(nan), *self.shape).to(torch.uint8)
        # pad every spatial axis to whole tokens; F.pad takes the last first
        pad = []
        for s, g, p in reversed(list(zip(spatial, self.grid, sizes, strict=True))):
            pad += [0, g * p - s]
        nan = torch.nn.functional.pad(nan, pad)
        split = [len(nan), self.shape[0]]
        for g, p in zip(self.grid, sizes, strict=True):
            split += [g, p]
        nan = nan.reshape(split)
        # any over the channels and over the values of each token
        for axis in sorted([1, *range(3, len(split), 2)], reverse=True):
            nan = nan.amax(dim=axis)
        return nan.reshape(len(nan), -1).bool()

    def __repr__(self):
        return f"MissingTokens(shape={self.shape}, grid={self.grid})"


class MaskCollator:
    """Collate function that draws the masks next to the batch.

    Parameters
    ----------
    strategy : callable
        A masking strategy (see the module docstring).
    grid : tuple of int
        Shape of the token grid.
    seed : int
        Seed of the private ``torch.Generator``.
    missing : MissingTokens, default=None
        Maps NaN in a batch to missing tokens. Missing tokens are never in
        the context nor a target, and the target encoder does not see them
        (the batch gets an ``observed`` mask); NaN become zeros. ``None``:
        batches must hold no NaN.
    groups : tuple of int, default=None
        The group of each token (a table column's category indicators): the
        strategy draws over the groups and each group's tokens follow it,
        so a view holds a group whole or not at all. ``None``: every token
        is its own group.

    Notes
    -----
    :meth:`reset` rewinds the generator, so a validation set sees the same
    masks every epoch and its loss is comparable across epochs.
    """

    def __init__(self, strategy, grid, seed, missing=None, groups=None):
        self.strategy = strategy
        self.grid = tuple(grid)
        self.seed = seed
        self.missing = missing
        self.groups = None if groups is None else torch.as_tensor(groups)
        # the grid the strategy draws on: the groups, else the tokens
        self.draw_grid = self.grid if groups is None else (int(max(groups)) + 1,)
        self.reset()

    def reset(self):
        self.generator = torch.Generator().manual_seed(int(self.seed))

    def __call__(self, x):
        # ``x`` is already a (batch_size, n_features) tensor: BatchLoader
        # slices whole batches, so no per-row collation happens.
        context, target = self.strategy(len(x), self.draw_grid, self.generator)
        if self.groups is not None:
            context, target = context[:, self.groups], target[:, self.groups]
        batch = {"x": x, "context_mask": context, "target_mask": target}
        nan = torch.isnan(x)
        if self.missing is not None and bool(nan.any()):
            observed = ~self.missing(nan)
            context, target = _ensure_nonempty(
                context & observed, target & observed, self.generator
            )
            batch = {
                "x": torch.nan_to_num(x, nan=0.0),
                "context_mask": context,
                "target_mask": target,
                "observed": observed,
            }
        return batch, None
