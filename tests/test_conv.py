"""The dilated-convolution signal encoder and predictor (sklearn_jepa.nn._conv)."""

import pytest
import torch

from sklearn_jepa import (
    ConvPredictor,
    DilatedConvEncoder,
    SpanMask,
)
from sklearn_jepa.nn._conv import n_blocks_for


@pytest.mark.parametrize(
    "shape, stride, grid",
    [((1, 40), 1, (40,)), ((3, 50), 4, (13,)), ((2, 7), 8, (1,)), ((1, 1), 1, (1,))],
)
def test_encoder_gives_one_embedding_per_token(shape, stride, grid):
    encoder = DilatedConvEncoder(shape, dim=8, stride=stride)
    assert encoder.grid == grid
    x = torch.randn(5, shape[0] * shape[1])
    assert encoder(x, None).shape == (5, grid[0], 8)
    mask = torch.rand(5, grid[0]) > 0.5
    assert encoder(x, mask).shape == (5, grid[0], 8)


@pytest.mark.parametrize("length", [1, 5, 13, 40, 150, 427])
def test_receptive_field_is_as_long_as_the_sequence(length):
    # the middle step's embedding depends on both ends (a random direction
    # of it: the layer-normalised embedding always sums to zero) ...
    def reaches_both_ends(n_blocks):
        torch.manual_seed(0)
        encoder = DilatedConvEncoder((1, length), dim=4, n_blocks=n_blocks)
        x = torch.randn(1, length, requires_grad=True)
        (encoder(x, None)[0, length // 2] * torch.randn(4)).sum().backward()
        return bool(x.grad[0, 0] != 0 and x.grad[0, -1] != 0)

    assert reaches_both_ends(n_blocks_for(length))
    # ... and one block fewer would not reach them
    if n_blocks_for(length) > 2:
        assert not reaches_both_ends(n_blocks_for(length) - 1)


@pytest.mark.parametrize("stride", [1, 3])
def test_hidden_values_never_reach_the_context_embedding(stride):
    torch.manual_seed(0)
    channels, length = 2, 30
    encoder = DilatedConvEncoder((channels, length), dim=8, stride=stride)
    n_tokens = encoder.grid[0]
    context, _ = SpanMask(2)(4, encoder.grid, torch.Generator().manual_seed(0))
    x = torch.randn(4, channels * length)
    # change every value under a hidden token (channels first, C order)
    hidden_steps = (~context).repeat_interleave(stride, dim=1)[:, :length]
    changed = x.reshape(4, channels, length).clone()
    changed[hidden_steps[:, None, :].expand_as(changed)] += 100.0
    changed = changed.reshape(4, -1)
    assert (~context).any() and n_tokens > 1
    torch.testing.assert_close(encoder(x, context), encoder(changed, context))
    # ... while a visible change shows (the check can fail)
    changed = x.reshape(4, channels, length).clone()
    changed[
        context.repeat_interleave(stride, dim=1)[:, None, :length].expand_as(changed)
    ] += 1.0
    assert not torch.allclose(
        encoder(x, context), encoder(changed.reshape(4, -1), context)
    )


def test_predictor_ignores_encoder_output_outside_the_context():
    torch.manual_seed(0)
    predictor = ConvPredictor(20, dim=8, predictor_dim=4)
    context, target = SpanMask(2)(3, (20,), torch.Generator().manual_seed(1))
    z = torch.randn(3, 20, 8)
    noisy = torch.where(context[..., None], z, torch.randn(3, 20, 8) * 50)
    out = predictor(z, context, target)
    assert out.shape == (3, 20, 8)
    torch.testing.assert_close(out, predictor(noisy, context, target))
