"""Fine-tuning an encoder with a linear head (engine._finetune)."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal

from sklearn_jepa import DilatedConvEncoder, MLPEncoder
from sklearn_jepa.engine._finetune import (
    MIN_EPOCHS,
    MIN_STEPS,
    EncoderClassifier,
    fine_tune,
    fine_tune_epochs,
    predict_logits,
)
from sklearn_jepa.nn._masks import MissingTokens


def test_head_width_follows_the_encoder_output():
    torch.manual_seed(0)
    rows = EncoderClassifier(MLPEncoder(6, 5), n_features=6, n_classes=3)
    assert rows.head.in_features == 5  # a whole-row embedding as it is
    tokens = EncoderClassifier(
        DilatedConvEncoder((1, 32), dim=8), n_features=32, n_classes=4
    )
    assert tokens.head.in_features == 16  # mean and max of 8 channels
    assert tokens(torch.randn(3, 32)).shape == (3, 4)


def test_pooling_skips_the_steps_after_a_series_end():
    torch.manual_seed(0)
    encoder = DilatedConvEncoder((1, 24), dim=8)
    model = EncoderClassifier(
        encoder, 24, 2, missing=MissingTokens((1, 24), encoder.grid)
    ).eval()
    x = torch.randn(2, 24)
    x[0, 16:] = float("nan")  # a series of 16 steps padded to 24
    with torch.no_grad():
        pooled = model._pooled(x)
        # by hand: the encoder's output over the first 16 steps only
        valid = torch.arange(24)[None, :] < torch.tensor([[16], [24]])
        z = encoder(torch.nan_to_num(x), valid, valid=valid)
    first = z[0, :16]
    assert torch.allclose(pooled[0], torch.cat([first.mean(0), first.amax(0)]))
    assert torch.isfinite(pooled).all()


def test_default_length_gives_enough_steps_and_passes():
    assert fine_tune_epochs(7, 100, 32) == 7
    # 100 rows in 4 batches: 150 passes make 600 steps
    assert fine_tune_epochs(None, 100, 32) == MIN_STEPS // 4
    # many rows: 30 passes are already more than 600 steps
    assert fine_tune_epochs(None, 10_000, 32) == MIN_EPOCHS


def _blobs(n=64, seed=0):
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 2
    X = (rng.randn(n, 6) + 2.0 * y[:, None]).astype(np.float32)
    return X, y


def test_fine_tune_learns_and_is_deterministic():
    X, y = _blobs()
    logits = []
    for _ in range(2):
        torch.manual_seed(0)
        model = EncoderClassifier(MLPEncoder(6, 8), 6, 2)
        history = fine_tune(
            model,
            X,
            y,
            max_iter=20,
            learning_rate=1e-2,
            weight_decay=0.0,
            batch_size=16,
            seed=0,
            device="cpu",
        )
        logits.append(predict_logits(model, X, 16))
    losses = history[:, "train_loss"]
    assert len(losses) == 20 and losses[-1] < 0.2 * losses[0]
    assert np.mean(logits[0].argmax(axis=1) == y) > 0.95
    assert_array_equal(logits[0], logits[1])


@pytest.mark.parametrize("n_rows", [1, 5, 16, 37])
def test_predict_logits_pads_to_a_fixed_batch(n_rows):
    X, y = _blobs()
    torch.manual_seed(0)
    model = EncoderClassifier(MLPEncoder(6, 8), 6, 2)
    everything = predict_logits(model, X, 16)
    assert everything.dtype == np.float64 and everything.shape == (64, 2)
    assert_array_equal(predict_logits(model, X[:n_rows], 16), everything[:n_rows])
    assert model.training  # the mode it was in
