"""Training engine: schedules, early stopping, diagnostics, faults, devices."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits
from skorch.callbacks import Callback

from sklearn_jepa import CollapseWarning, JEPATransformer, TrainingDisplay
from sklearn_jepa._ema import momentum_at, update_momentum
from sklearn_jepa._runtime import resolve_device
from sklearn_jepa._training import ArrayDataset, BatchLoader, WarmupCosine

FAST = dict(n_components=4, hidden_size=32, max_epochs=4, batch_size=64)


@pytest.fixture(scope="module")
def X():
    return load_digits().data[:600]


def test_warmup_cosine_shape():
    schedule = WarmupCosine(total_steps=100, warmup_steps=10, final=0.01)
    factors = np.array([schedule(step) for step in range(120)])
    assert_allclose(factors[:10], np.arange(1, 11) / 10)
    assert factors[10] == pytest.approx(1.0)
    assert np.all(np.diff(factors[10:100]) <= 0)
    assert_allclose(factors[100:], 0.01)


def test_momentum_ramp_is_monotone_and_bounded():
    values = [momentum_at(step, 50, 0.99, 1.0) for step in range(60)]
    assert values[0] == pytest.approx(0.99)
    assert np.all(np.diff(values) >= 0)
    assert values[50:] == [1.0] * 10


def test_update_momentum_matches_reference_formula():
    rng = torch.Generator().manual_seed(0)
    online = torch.nn.Linear(3, 2)
    target = torch.nn.Linear(3, 2)
    for p in [*online.parameters(), *target.parameters()]:
        p.data = torch.randn(p.shape, generator=rng)
    expected = [
        0.9 * t + 0.1 * o
        for t, o in zip(target.parameters(), online.parameters(), strict=True)
    ]
    update_momentum(target, online, 0.9)
    for got, want in zip(target.parameters(), expected, strict=True):
        assert_allclose(got.detach(), want.detach(), rtol=1e-6)


def test_lr_follows_schedule_and_no_decay_on_1d_params(X):
    jepa = JEPATransformer(**FAST, lr=2e-3, warmup_fraction=0.25, random_state=0)
    jepa.fit(X)
    groups = jepa.net_.optimizer_.param_groups
    assert all(p.ndim > 1 for p in groups[0]["params"])
    assert all(p.ndim <= 1 for p in groups[1]["params"])
    assert groups[0]["weight_decay"] == 0.05
    assert groups[1]["weight_decay"] == 0.0
    # last step of the cosine: the lr decayed close to its 1% floor
    steps = 4 * 10
    expected = 2e-3 * WarmupCosine(steps, 10)(steps - 1)
    assert groups[0]["lr"] == pytest.approx(expected)


def test_history_records_losses_and_diagnostics(X):
    jepa = JEPATransformer(**FAST, random_state=0).fit(X)
    assert len(jepa.history_) == jepa.n_iter_ == 4
    for key in (
        "train_loss",
        "effective_rank",
        "std_min",
        "std_median",
        "dead_fraction",
        "dur",
    ):
        values = jepa.history_[:, key]
        assert len(values) == 4 and np.all(np.isfinite(values))
    assert jepa.loss_curve_ == list(jepa.history_[:, "train_loss"])
    assert 1.0 <= jepa.history_[-1, "effective_rank"] <= 4.0
    assert 0.0 <= jepa.history_[-1, "dead_fraction"] <= 1.0


def test_early_stopping_stops_and_restores_best(X):
    jepa = JEPATransformer(
        **{**FAST, "max_epochs": 200},
        early_stopping=True,
        n_iter_no_change=3,
        tol=0.5,  # nothing improves by 0.5: stops after the patience
        random_state=0,
    ).fit(X)
    valid = jepa.history_[:, "valid_loss"]
    assert jepa.n_iter_ == 4
    assert jepa.best_loss_ == pytest.approx(min(valid))
    assert not jepa.net_.interrupted_


def test_validation_loss_uses_fixed_masks(X):
    # With lr ~ 0 the weights do not move, so a validation set with fixed
    # masks gives the same loss every epoch.
    jepa = JEPATransformer(
        **FAST, lr=1e-12, early_stopping=True, n_iter_no_change=50, random_state=0
    ).fit(X)
    valid = jepa.history_[:, "valid_loss"]
    assert_allclose(valid, valid[0], rtol=1e-5)


def test_healthy_fit_does_not_warn(X):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollapseWarning)
        jepa = JEPATransformer(n_components=8, max_epochs=20, random_state=0).fit(X)
    assert jepa.history_[-1, "effective_rank"] > 3


def test_huge_learning_rate_collapses_and_warns(X):
    with pytest.warns(CollapseWarning, match="collapsed"):
        jepa = JEPATransformer(n_components=8, max_epochs=20, lr=1.0, random_state=0)
        jepa.fit(X)
    assert jepa.history_[-1, "std_median"] < 1e-2


def test_score_is_predictability_and_drives_grid_search(X):
    from sklearn.model_selection import GridSearchCV

    barely = JEPATransformer(**{**FAST, "max_epochs": 1}, lr=1e-6, random_state=0)
    trained = JEPATransformer(**{**FAST, "max_epochs": 30}, random_state=0)
    low, high = barely.fit(X).score(X), trained.fit(X).score(X)
    assert high <= 1.0
    assert low < 0.0 < high, (low, high)
    search = GridSearchCV(
        JEPATransformer(**FAST, random_state=0), {"max_epochs": [1, 20]}, cv=2
    ).fit(X)
    assert search.best_params_ == {"max_epochs": 20}


def test_score_rejects_bad_input(X):
    jepa = JEPATransformer(**FAST, random_state=0).fit(X)
    with pytest.raises(ValueError, match="64 features"):
        jepa.score(X[:, :5])


def test_score_works_for_token_models(X):
    jepa = JEPATransformer(
        4, input_shape=(8, 8), hidden_size=16, n_layers=1, max_epochs=2, random_state=0
    ).fit(X)
    assert np.isfinite(jepa.score(X)) and jepa.score(X) <= 1.0


def test_partial_fit_carries_state(X):
    jepa = JEPATransformer(**FAST, random_state=0)
    jepa.partial_fit(X)
    state = jepa.net_.optimizer_.state
    first_param = jepa.net_.optimizer_.param_groups[0]["params"][0]
    assert float(state[first_param]["step"]) == 10
    target_before = [p.clone() for p in jepa.net_.module_.target_encoder.parameters()]
    jepa.partial_fit(X[:300])
    assert jepa.n_iter_ == 2
    assert float(state[first_param]["step"]) == 15
    assert dict(jepa.net_.callbacks_)["schedules"].step_ == 15
    moved = [
        not torch.equal(a, b)
        for a, b in zip(
            target_before, jepa.net_.module_.target_encoder.parameters(), strict=True
        )
    ]
    assert any(moved)


def test_partial_fit_rejects_other_feature_count(X):
    jepa = JEPATransformer(**FAST, random_state=0).partial_fit(X)
    with pytest.raises(ValueError, match="64 features"):
        jepa.partial_fit(X[:, :8])


def test_warm_start_continues_training(X):
    jepa = JEPATransformer(**FAST, warm_start=True, random_state=0).fit(X)
    net = jepa.net_
    jepa.fit(X)
    assert jepa.net_ is net
    assert jepa.n_iter_ == 8
    cold = JEPATransformer(**FAST, random_state=0).fit(X).fit(X)
    assert cold.n_iter_ == 4


class _InterruptAt(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def test_keyboard_interrupt_keeps_a_usable_estimator(X):
    jepa = JEPATransformer(
        **{**FAST, "max_epochs": 50}, callbacks=[_InterruptAt(2)], random_state=0
    )
    with pytest.warns(UserWarning, match="interrupted after 2 of 50 epochs"):
        jepa.fit(X)
    assert jepa.n_iter_ == 2
    Z = jepa.transform(X)
    assert Z.shape == (600, 4) and np.all(np.isfinite(Z))
    jepa.set_params(callbacks=None)
    jepa.partial_fit(X)
    assert jepa.n_iter_ == 3


def test_diverging_loss_raises_clear_error(X):
    X_big = X * 1e30
    with pytest.raises(FloatingPointError, match="learning rate"):
        JEPATransformer(**FAST, lr=1e6, grad_clip=None, random_state=0).fit(X_big)


def test_verbose_zero_prints_nothing(X, capsys):
    JEPATransformer(**FAST, random_state=0).fit(X)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_verbose_one_prints_epoch_log(X, capsys):
    JEPATransformer(**FAST, verbose=1, random_state=0).fit(X)
    out = capsys.readouterr().out
    assert "train_loss" in out and "effective_rank" in out
    assert len([line for line in out.splitlines() if line.strip()[:1].isdigit()]) == 4


def test_display_from_estimator_plots(X):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    jepa = JEPATransformer(**FAST, early_stopping=True, random_state=0).fit(X)
    display = TrainingDisplay.from_estimator(jepa).plot()
    assert_array_equal(display.epochs, np.arange(1, 5))
    assert len(display.axes_[0].lines) == 2  # train and validation
    assert_allclose(
        display.axes_[1].lines[0].get_ydata(), jepa.history_[:, "effective_rank"]
    )


def test_device_auto_resolves(monkeypatch):
    assert resolve_device("cpu") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"


def test_bf16_is_ignored_on_cpu(X):
    Z1 = JEPATransformer(**FAST, bf16=True, random_state=0).fit_transform(X)
    Z2 = JEPATransformer(**FAST, random_state=0).fit_transform(X)
    assert_array_equal(Z1, Z2)


@pytest.mark.skipif(torch.cuda.is_available(), reason="simulates a CPU-only host")
def test_gpu_trained_model_loads_on_cpu_only_host(X):
    # A net saved with device="cuda" is mapped to the CPU on a host without
    # CUDA (skorch's __setstate__); simulate by marking a CPU net as CUDA.
    jepa = JEPATransformer(**FAST, random_state=0).fit(X)
    expected = jepa.transform(X)
    jepa.net_.device = "cuda"
    with pytest.warns(Warning, match="CUDA"):
        loaded = pickle.loads(pickle.dumps(jepa))
    assert str(loaded.net_.device) == "cpu"
    assert_array_equal(loaded.transform(X), expected)


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
