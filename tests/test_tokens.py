"""Token encoders and predictors (sklearn_jepa.nn._tokens)."""

import numpy as np
import pytest
import torch

from sklearn_jepa.nn._tokens import FeatureTokens, PatchTokens, TokenEncoder


def test_patch_tokens_pad_odd_images_and_signals():
    image = PatchTokens((1, 7, 9), 2, 8, stem="linear")
    assert image.grid == (4, 5)
    assert image(torch.zeros(3, 63)).shape == (3, 20, 8)
    signal = PatchTokens((2, 10), 4, 8)
    assert signal.grid == (3,)
    assert signal(torch.zeros(3, 20)).shape == (3, 3, 8)


def test_patch_tokens_cut_the_right_pixels():
    tokens = PatchTokens((1, 4, 4), 2, 4, stem="linear")
    with torch.no_grad():
        tokens.proj.weight.copy_(torch.eye(4))
        tokens.proj.bias.zero_()
    x = torch.arange(16.0).reshape(1, 16)
    out = tokens(x)[0]
    # top-left patch holds pixels (0,0) (0,1) (1,0) (1,1) = 0, 1, 4, 5
    assert out[0].tolist() == [0.0, 1.0, 4.0, 5.0]
    assert out[3].tolist() == [10.0, 11.0, 14.0, 15.0]


def test_registers_do_not_shift_feature_indices():
    torch.manual_seed(0)
    encoder = TokenEncoder(FeatureTokens(8, 8), 8, 2, 2, n_registers=3).eval()
    mask = torch.zeros(1, 8, dtype=torch.bool)
    mask[0, 3] = True
    x = torch.randn(1, 8)
    base = encoder(x, mask)[0, 3]
    hidden_changed, visible_changed = x.clone(), x.clone()
    hidden_changed[0, 5] += 5.0
    visible_changed[0, 3] += 5.0
    with torch.no_grad():
        assert torch.allclose(encoder(hidden_changed, mask)[0, 3], base)
        assert not torch.allclose(encoder(visible_changed, mask)[0, 3], base)
    assert encoder(x, None).shape == (1, 8, 8)


@pytest.mark.parametrize("shape", [(1, 12), (2, 6, 6)], ids=["signal", "image"])
def test_conv_stem_does_not_see_hidden_patches(shape):
    torch.manual_seed(0)
    tokens = PatchTokens(shape, 3, 8, stem="conv")
    encoder = TokenEncoder(tokens, 8, 1, 2).eval()
    n_tokens = int(np.prod(tokens.grid))
    mask = torch.ones(1, n_tokens, dtype=torch.bool)
    mask[0, 1] = False
    x = torch.randn(1, int(np.prod(shape)))
    changed = x.clone()
    # perturb every value of hidden patch 1 (the second patch along the last axis)
    grid_view = changed.reshape(shape[0], *[g * 3 for g in tokens.grid])
    if len(shape) == 2:
        grid_view[:, 3:6] += 10.0
    else:
        grid_view[:, 0:3, 3:6] += 10.0
    with torch.no_grad():
        before, after = encoder(x, mask), encoder(changed, mask)
    assert torch.allclose(before[0, mask[0]], after[0, mask[0]], atol=1e-6)
    with torch.no_grad():
        assert not torch.allclose(encoder(x, None), encoder(changed, None))


def test_encoder_runs_only_visible_tokens_with_the_same_result():
    # The context encoder packs each row's visible tokens (rows of different
    # lengths) instead of running every token with hidden keys padded out.
    torch.manual_seed(0)
    encoder = TokenEncoder(FeatureTokens(10, 8), 8, 2, 2, n_registers=2).eval()
    x = torch.randn(3, 10)
    mask = torch.rand(3, 10, generator=torch.Generator().manual_seed(1)) < 0.5
    mask[2] = False
    mask[2, 7] = True  # a row with a single visible token
    with torch.no_grad():
        packed = encoder(x, mask)
        padded = encoder._encode(encoder.tokens(x) + encoder.pos_embed, ~mask)
    assert packed.shape == (3, 10, 8)
    assert torch.allclose(packed[mask], padded[mask], atol=1e-5)
    assert torch.count_nonzero(packed[~mask]) == 0
