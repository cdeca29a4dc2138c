"""Training engine (sklearn_jepa.engine._training): the net, its data loader,
continued training, faults and logs."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_jepa import (
    FeatureMask,
    JEPATransformer,
)
from sklearn_jepa.engine._training import ArrayDataset, BatchLoader
from sklearn_jepa.nn._masks import MaskCollator


def test_partial_fit_carries_state(fast, X):
    jepa = JEPATransformer(**fast, random_state=0)
    jepa.partial_fit(X)
    state = jepa.net_.optimizer_.state
    first_param = jepa.net_.optimizer_.param_groups[0]["params"][0]
    assert float(state[first_param]["step"]) == 10
    target_before = [p.clone() for p in jepa.net_.module_.target_encoder.parameters()]
    jepa.partial_fit(X[:300])
    assert jepa.n_iter_ == 2
    assert float(state[first_param]["step"]) == 15
    callbacks = dict(jepa.net_.callbacks_)
    assert callbacks["ema"].step_ == callbacks["lr_schedule"].step_ == 15
    moved = [
        not torch.equal(a, b)
        for a, b in zip(
            target_before, jepa.net_.module_.target_encoder.parameters(), strict=True
        )
    ]
    assert any(moved)


def test_partial_fit_rejects_other_feature_count(fast, X):
    jepa = JEPATransformer(**fast, random_state=0).partial_fit(X)
    with pytest.raises(ValueError, match="64 features"):
        jepa.partial_fit(X[:, :8])


def test_warm_start_continues_training(fast, X):
    jepa = JEPATransformer(**fast, warm_start=True, random_state=0).fit(X)
    net = jepa.net_
    jepa.fit(X)
    assert jepa.net_ is net
    assert jepa.n_iter_ == 8
    cold = JEPATransformer(**fast, random_state=0).fit(X).fit(X)
    assert cold.n_iter_ == 4


class _InterruptAt(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def test_keyboard_interrupt_keeps_a_usable_estimator(fast, X):
    jepa = JEPATransformer(
        **{**fast, "max_iter": 50}, callbacks=[_InterruptAt(2)], random_state=0
    )
    with pytest.warns(UserWarning, match="interrupted after 2 of 50 epochs"):
        jepa.fit(X)
    assert jepa.n_iter_ == 2
    Z = jepa.transform(X)
    assert Z.shape == (600, 4) and np.all(np.isfinite(Z))
    jepa.set_params(callbacks=None)
    jepa.partial_fit(X)
    assert jepa.n_iter_ == 3


def test_diverging_loss_raises_clear_error(fast, X):
    X_big = X * 1e30
    with pytest.raises(FloatingPointError, match="learning rate"):
        JEPATransformer(
            **fast,
            learning_rate=1e6,
            optimizer_params={"grad_clip": None},
            random_state=0,
        ).fit(X_big)


def test_verbose_zero_prints_nothing(fast, X, capsys):
    JEPATransformer(**fast, random_state=0).fit(X)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_verbose_one_prints_epoch_log(fast, X, capsys):
    JEPATransformer(**fast, verbose=1, random_state=0).fit(X)
    out = capsys.readouterr().out
    assert "train_loss" in out and "effective_rank" in out
    assert len([line for line in out.splitlines() if line.strip()[:1].isdigit()]) == 4


def test_batch_loader_covers_every_row_once_in_a_seeded_order():
    dataset = ArrayDataset(torch.arange(10, dtype=torch.float32)[:, None])

    def loader(seed):
        generator = torch.Generator().manual_seed(seed)
        return BatchLoader(dataset, 4, shuffle=True, generator=generator)

    first = loader(0)
    batches = list(first)
    assert len(first) == 3 and [len(b) for b in batches] == [4, 4, 2]
    rows = torch.cat(batches).flatten()
    assert sorted(rows.tolist()) == list(range(10))
    assert rows.tolist() != list(range(10))  # shuffled
    assert torch.equal(torch.cat(list(loader(0))), torch.cat(batches))
    assert not torch.equal(torch.cat(list(first)), torch.cat(batches))  # next epoch
    plain = BatchLoader(dataset, 4, collate_fn=lambda x: x.sum())
    assert [float(v) for v in plain] == [6.0, 22.0, 17.0]


def test_batch_loader_replays_masks_when_asked():
    dataset = ArrayDataset(torch.zeros(10, 6))
    collate = MaskCollator(FeatureMask(0.5), (6,), seed=0)
    replaying = BatchLoader(dataset, 4, collate_fn=collate, replay=True)
    first = [batch["context_mask"] for batch, _ in replaying]
    second = [batch["context_mask"] for batch, _ in replaying]
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))
    fresh = [
        batch["context_mask"]
        for batch, _ in BatchLoader(dataset, 4, collate_fn=collate)
    ]
    assert not all(torch.equal(a, b) for a, b in zip(first, fresh, strict=True))
    with pytest.raises(TypeError, match="reset"):
        BatchLoader(dataset, 4, collate_fn=lambda x: x, replay=True)


def test_skorch_internals_we_rely_on_are_there():
    # JEPANet overrides NeuralNet._set_training (a private method) and reads
    # _modules/_criteria; if a skorch release drops them, this fails first.
    import inspect

    from skorch import NeuralNet

    assert "training" in inspect.signature(NeuralNet._set_training).parameters
    assert "_set_training" in inspect.getsource(NeuralNet.train_step_single)
    net = NeuralNet(torch.nn.Linear(2, 2), criterion=torch.nn.MSELoss).initialize()
    assert "module" in net._modules and "criterion" in net._criteria
