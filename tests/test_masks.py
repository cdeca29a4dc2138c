"""Masking strategies: disjointness, sizes, coverage, determinism, odd grids."""

import math

import numpy as np
import pytest
import torch

from sklearn_jepa import FeatureMask, MultiBlockMask, SpanMask
from sklearn_jepa.nn._masks import MaskCollator

STRATEGIES = [
    (FeatureMask(0.5), (10,)),
    (FeatureMask((0.2, 0.8)), (33,)),
    (MultiBlockMask(), (14, 14)),
    (MultiBlockMask(2), (4, 4)),
    (MultiBlockMask(), (7, 9)),
    (SpanMask(), (40,)),
    (SpanMask(3), (13,)),
]
IDS = [f"{type(s).__name__}-{g}" for s, g in STRATEGIES]


def _draw(strategy, grid, seed=0, batch_size=64):
    return strategy(batch_size, grid, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("strategy, grid", STRATEGIES, ids=IDS)
def test_masks_shapes_and_disjoint_views(strategy, grid):
    context, target = _draw(strategy, grid)
    n_tokens = math.prod(grid)
    assert context.shape == target.shape == (64, n_tokens)
    assert context.dtype == target.dtype == torch.bool
    assert not (context & target).any()
    assert context.any(dim=1).all() and target.any(dim=1).all()


@pytest.mark.parametrize("strategy, grid", STRATEGIES, ids=IDS)
def test_masks_are_deterministic_under_a_seed(strategy, grid):
    a, b = _draw(strategy, grid, seed=3), _draw(strategy, grid, seed=3)
    c, _ = _draw(strategy, grid, seed=4)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c)


@pytest.mark.parametrize("strategy, grid", STRATEGIES, ids=IDS)
def test_every_token_can_be_a_target_and_context(strategy, grid):
    context, target = _draw(strategy, grid, batch_size=2000)
    assert target.any(dim=0).all()
    assert context.any(dim=0).all()


def test_feature_mask_hides_the_requested_fraction():
    context, target = _draw(FeatureMask(0.3), (20,))
    assert (target.sum(1) == 6).all()
    assert (context.sum(1) == 14).all()
    _, target = _draw(FeatureMask((0.2, 0.6)), (50,), batch_size=500)
    counts = target.sum(1).numpy()
    assert counts.min() >= 10 and counts.max() <= 30
    assert counts.std() > 3  # really drawn per row


def test_feature_mask_single_feature_shares_it():
    context, target = _draw(FeatureMask(0.5), (1,))
    assert context.all() and target.all()


def test_multiblock_target_area_within_range():
    # one target block per row: its area is the drawn scale, up to rounding
    strategy = MultiBlockMask(1, target_scale=(0.15, 0.2))
    _, target = _draw(strategy, (20, 20), batch_size=500)
    area = target.sum(1).numpy() / 400
    assert area.min() >= 0.15 * 0.8 and area.max() <= 0.2 * 1.25
    rows = target.reshape(500, 20, 20)
    # each target is one rectangle: its bounding box is full
    for block in rows[:50]:
        r = np.flatnonzero(block.any(1).numpy())
        c = np.flatnonzero(block.any(0).numpy())
        assert block[r[0] : r[-1] + 1, c[0] : c[-1] + 1].all()


def test_multiblock_context_is_large_block_minus_targets():
    strategy = MultiBlockMask(4)
    context, target = _draw(strategy, (14, 14), batch_size=300)
    covered = (context | target).sum(1).float() / 196
    assert covered.min() >= 0.85 * 0.8


def test_span_mask_targets_are_contiguous_spans():
    _, target = _draw(SpanMask(1, span_scale=(0.2, 0.2)), (50,), batch_size=100)
    for row in target.numpy():
        idx = np.flatnonzero(row)
        assert len(idx) == 10 and np.all(np.diff(idx) == 1)


def test_multiblock_rejects_1d_grid():
    with pytest.raises(ValueError, match="2-D grid"):
        _draw(MultiBlockMask(), (16,))


def test_collator_reset_replays_masks():
    collator = MaskCollator(FeatureMask(0.5), (8,), seed=0)
    x = torch.zeros(4, 8)
    first = collator(x)[0]["target_mask"]
    assert not torch.equal(first, collator(x)[0]["target_mask"])
    collator.reset()
    assert torch.equal(first, collator(x)[0]["target_mask"])


@pytest.mark.parametrize(
    "strategy, grid",
    [
        (MultiBlockMask(), (1, 1)),
        (MultiBlockMask(), (1, 2)),
        (MultiBlockMask(1, target_scale=(1.0, 1.0)), (3, 3)),
        (SpanMask(), (1,)),
        (SpanMask(1, span_scale=(1.0, 1.0)), (5,)),
        (SpanMask(), (2,)),
    ],
    ids=["1x1", "1x2", "targets-cover-all", "span-1", "span-covers-all", "span-2"],
)
def test_degenerate_draws_still_give_two_nonempty_views(strategy, grid):
    context, target = _draw(strategy, grid, batch_size=256)
    assert context.any(dim=1).all() and target.any(dim=1).all()
    n_tokens = math.prod(grid)
    overlap = (context & target).any(dim=1)
    if n_tokens == 1:
        assert overlap.all()  # a single token: both views see it
    # overlap only where the targets leave no free token for the context
    assert not (overlap & ~target.all(dim=1)).any()
