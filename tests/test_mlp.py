"""The whole-row MLP encoder and predictor (sklearn_jepa.nn._mlp)."""

import torch

from sklearn_jepa import MLPEncoder, MLPPredictor


def test_encoder_tells_a_hidden_feature_from_a_zero():
    torch.manual_seed(0)
    encoder = MLPEncoder(4, 3, hidden_size=8, n_layers=1)
    x = torch.tensor([[1.0, 0.0, 2.0, -1.0]])
    visible = torch.ones(1, 4, dtype=torch.bool)
    hidden = visible.clone()
    hidden[0, 1] = False
    # feature 1 is zero either way; only the mask says whether it was seen
    assert not torch.allclose(encoder(x, visible), encoder(x, hidden))
    # a hidden feature's value never reaches the encoder
    changed = x.clone()
    changed[0, 1] = 100.0
    assert torch.equal(encoder(x, hidden), encoder(changed, hidden))
    assert torch.equal(encoder(x, None), encoder(x, visible))


def test_predictor_maps_context_embedding_and_target_mask_to_an_embedding():
    predictor = MLPPredictor(n_tokens=4, n_components=3, hidden_size=8, n_layers=2)
    z = torch.randn(5, 3)
    context = torch.rand(5, 4) > 0.5
    target = ~context
    out = predictor(z, context, target)
    assert out.shape == (5, 3)
    # which features are asked about changes the prediction
    assert not torch.allclose(out, predictor(z, context, context))
    linear = [m for m in predictor.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linear) == 3 and linear[0].in_features == 3 + 4


def test_encoder_layers_end_with_the_embedding_and_follow_the_mask():
    torch.manual_seed(0)
    encoder = MLPEncoder(4, 3, hidden_size=8, n_layers=2)
    x = torch.randn(5, 4)
    layers = encoder.layers(x)
    assert [tuple(h.shape) for h in layers] == [(5, 8), (5, 8), (5, 3)]
    assert torch.equal(layers[-1], encoder(x))
    # hidden layers are read after their activation (GELU >= -0.17)
    assert all(bool((h >= -0.2).all()) for h in layers[:-1])
    mask = torch.ones(5, 4, dtype=torch.bool)
    mask[:, 0] = False
    assert torch.equal(encoder.layers(x, mask)[-1], encoder(x, mask))


def test_predictor_output_can_be_wider_than_the_embedding():
    predictor = MLPPredictor(n_tokens=4, n_components=3, hidden_size=8, n_outputs=19)
    out = predictor(torch.randn(5, 3), None, torch.rand(5, 4) > 0.5)
    assert out.shape == (5, 19)
