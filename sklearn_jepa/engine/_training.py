"""Training engine: a skorch ``NeuralNet`` specialised for JEPA.

skorch owns the loop, history, callbacks, progress display and devices; this
module overrides single links of its chain (dataset, optimizer, loss) and adds
the callbacks that JEPA needs (``_callbacks``: the learning-rate schedule,
the EMA update of the target encoder and the collapse diagnostics, each
holding its own state). :func:`make_net` builds the net a configuration
describes.

skorch internals relied on (one each, tested in ``tests/test_training.py``
against the supported range in ``pyproject.toml``): ``NeuralNet._set_training``
(overridden to skip redundant mode switches) and ``NeuralNet._modules`` /
``_criteria`` (the names it switches).
"""

import math

import torch
from skorch import NeuralNet
from skorch.helper import predefined_split
from skorch.history import History

from ..nn._losses import JEPALoss
from ..nn._masks import MaskCollator, MissingTokens
from ..utils._portable import (
    as_byte_tensor,
    generator_state,
    optimizer_from_plain,
    optimizer_to_plain,
    plain,
    tensors_from_arrays,
    tensors_to_arrays,
)
from ..utils._runtime import bf16_supported
from ._callbacks import PlainPrintLog, StopWhenNoImprovement, built_in_callbacks

__all__ = [
    "BatchLoader",
    "JEPANet",
    "adamw_groups",
    "fused_adamw_kwargs",
    "make_net",
]


def make_net(config, module, seeds, device, *, verbose=0, callbacks=(), rank=0):
    """The initialised :class:`JEPANet` that trains ``module`` as ``config`` says.

    Parameters
    ----------
    config : JEPAConfig
        With its schedule resolved.
    module : JEPAModule
    seeds : Seeds
    device : str or torch.device
        Its recipe fields (``loss``, ``weight_decay``, ``warmup_fraction``,
        ``grad_clip``, early stopping, ``bf16``) configure the net.
    verbose : int, default=0
    callbacks : sequence of skorch callbacks
        Appended after the built-in ones.
    rank : int, default=0
        This process's rank in a data-parallel fit: each rank shuffles and
        masks its shard with its own streams (rank 0 with the streams of a
        single-process fit), and only rank 0 prints.
    """
    verbose = verbose if rank == 0 else 0
    key = () if rank == 0 else (rank,)
    net = JEPANet(
        module=module,
        criterion=JEPALoss(config.loss),
        optimizer=torch.optim.AdamW,
        lr=config.learning_rate,
        optimizer__weight_decay=config.weight_decay,
        **fused_adamw_kwargs(device),
        max_epochs=config.max_iter,
        batch_size=config.batch_size,
        train_split=None,
        iterator_train=BatchLoader,
        iterator_valid=BatchLoader,
        iterator_train__shuffle=True,
        iterator_train__generator=torch.Generator().manual_seed(
            seeds.seed("shuffle", *key)
        ),
        iterator_train__collate_fn=collator(config, seeds.seed("train_masks", *key)),
        iterator_valid__collate_fn=collator(config, seeds.seed("valid_masks")),
        # the same validation masks every epoch: comparable validation losses
        iterator_valid__replay=True,
        callbacks=built_in_callbacks(config, seeds, verbose, callbacks),
        device=device,
        autocast_bf16=config.bf16,
        verbose=verbose,
        # PrintLog formats a table every epoch even when it prints nothing
        callbacks__print_log=PlainPrintLog() if verbose else None,
    )
    return net.initialize()


def collator(config, seed, masking=None):
    """A :class:`MaskCollator` of ``config``'s masks (or ``masking``)."""
    missing = MissingTokens(config.shape, config.grid)
    return MaskCollator(
        masking or config.masking,
        config.grid,
        seed,
        missing,
        groups=config.feature_groups,
    )


def fused_adamw_kwargs(device):
    """``{"optimizer__fused": True}`` where torch has a fused AdamW for ``device``.

    The fused kernel updates all parameters in one call instead of a dozen
    small ops per tensor, a large share of a small fit on a CPU
    (docs/design.md).
    """
    kind = torch.device(device).type
    # CPU support arrived with torch 2.4; older builds raise at construction
    if kind == "cuda" or (kind == "cpu" and torch.__version__ >= (2, 4)):
        return {"optimizer__fused": True}
    return {}


class ArrayDataset(torch.utils.data.Dataset):
    """A tensor of rows; indexing with a tensor of indices gives a whole batch."""

    def __init__(self, X):
        self.X = torch.as_tensor(X)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index]


class BatchLoader:
    """Batches of an in-memory :class:`ArrayDataset`, for skorch's iterators.

    One ``randperm`` per epoch sliced into batches, instead of a
    ``DataLoader`` drawing indices one Python int at a time. Same keyword
    arguments as ``DataLoader`` for what JEPA uses; masks are drawn by
    ``collate_fn`` next to each batch.

    Parameters
    ----------
    dataset : ArrayDataset
    batch_size : int
    shuffle : bool, default=False
    generator : torch.Generator, default=None
        Source of the shuffling order (seeded: reproducible fits).
    collate_fn : callable, default=None
        Maps a ``(batch_size, n_features)`` tensor to the batch skorch sees.
    replay : bool, default=False
        Call ``collate_fn.reset()`` at the start of every pass, so every pass
        draws the same masks (a validation set).
    """

    def __init__(
        self,
        dataset,
        batch_size,
        shuffle=False,
        generator=None,
        collate_fn=None,
        replay=False,
    ):
        if replay and not callable(getattr(collate_fn, "reset", None)):
            raise TypeError("BatchLoader(replay=True) needs a collate_fn with reset().")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.collate_fn = collate_fn
        self.replay = replay

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        n_samples = len(self.dataset)
        if self.replay:
            self.collate_fn.reset()
        if self.shuffle:
            order = torch.randperm(n_samples, generator=self.generator)
        else:
            order = torch.arange(n_samples)
        for start in range(0, n_samples, self.batch_size):
            batch = self.dataset[order[start : start + self.batch_size]]
            yield batch if self.collate_fn is None else self.collate_fn(batch)


class JEPANet(NeuralNet):
    """skorch net whose module returns ``(prediction, target, weight)``.

    Beyond skorch's own interface the net gives and takes its portable state
    (:meth:`state_dict`, :meth:`load_state_dict`), so that no other
    module names skorch's iterators or callbacks, and trains for a number of
    epochs on given rows (:meth:`train_epochs`).

    Parameters
    ----------
    autocast_bf16 : bool, default=False
        Run the forward pass under bfloat16 autocast on CUDA, and on CPUs
        with native bfloat16 instructions (:func:`bf16_supported`).
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    def __init__(self, *args, autocast_bf16=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.autocast_bf16 = autocast_bf16

    # -- training ----------------------------------------------------------

    def train_epochs(self, X, epochs, *, X_valid=None, batch_size=None):
        """``epochs`` passes over the rows ``X``; returns whether a user's
        interrupt (not early stopping) ended them.

        ``X_valid`` rows are the early-stopping hold-out (``None``: no
        validation); ``batch_size`` overrides the configured one for these
        passes (a rank's share of a data-parallel batch). The trained module
        rests in eval mode (the next training batch switches it back).
        """
        self.train_split = None if X_valid is None else _predefined(X_valid)
        configured = self.batch_size
        if batch_size is not None:
            self.batch_size = batch_size
        try:
            self.partial_fit(X, epochs=epochs)
        finally:
            self.batch_size = configured
            self.train_split = None
            self.module_.eval()
        return self.interrupted_

    def set_schedule(self, config):
        """Use the learning rate, epochs and EMA ramp of ``config`` from the
        next training call on (a continued fit whose parameters changed)."""
        self.lr = config.learning_rate
        self.max_epochs = config.max_iter
        callbacks = dict(self.callbacks_)
        callbacks["lr_schedule"].configure(config)
        callbacks["ema"].configure(config)

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            # skorch swallows the interrupt and so does EarlyStopping's own
            # KeyboardInterrupt; remember which of the two it was.
            self.interrupted_ = not any(
                isinstance(cb, StopWhenNoImprovement) and cb.stopped_
                for _, cb in self.callbacks_
            )
            raise

    # -- portable state ----------------------------------------------------

    def state_dict(self):
        """Everything trained that is not rebuilt from the configuration, as
        plain data (``_portable``): weights, optimizer moments, history, the
        shuffling and mask generators, and each stateful callback's
        ``state_dict`` under its name."""
        return {
            "module": tensors_to_arrays(self.module_.state_dict()),
            "optimizer": optimizer_to_plain(self.optimizer_.state_dict()),
            "history": plain(self.history.to_list()),
            "generators": {
                "shuffle": generator_state(self.iterator_train__generator),
                "train_masks": generator_state(
                    self.iterator_train__collate_fn.generator
                ),
            },
            "callbacks": {
                name: callback.state_dict()
                for name, callback in self.callbacks_
                if hasattr(callback, "state_dict")
            },
            "device": str(self.device),
            "interrupted": bool(getattr(self, "interrupted_", False)),
        }

    def load_state_dict(self, state):
        """Restore what :meth:`state_dict` gave (of a net built alike)."""
        self.module_.load_state_dict(tensors_from_arrays(state["module"]))
        self.module_.eval()
        self.optimizer_.load_state_dict(optimizer_from_plain(state["optimizer"]))
        self.history = History(state["history"])
        generators = state["generators"]
        self.iterator_train__generator.set_state(as_byte_tensor(generators["shuffle"]))
        self.iterator_train__collate_fn.generator.set_state(
            as_byte_tensor(generators["train_masks"])
        )
        saved = state["callbacks"]
        for name, callback in self.callbacks_:
            if not hasattr(callback, "load_state_dict"):
                continue
            if name not in saved:
                raise ValueError(
                    f"The saved model has no state for the callback {name!r}; it "
                    "was saved by an incompatible version of sklearn-jepa."
                )
            callback.load_state_dict(saved[name])
        self.interrupted_ = state["interrupted"]
        return self

    # -- skorch links --------------------------------------------------------

    def get_dataset(self, X, y=None):
        if isinstance(X, torch.utils.data.Dataset):
            return X
        return ArrayDataset(X)

    def get_all_learnable_params(self):
        # The target encoder is moved by the EMA only: the module says which
        # parameters the optimizer may touch. skorch asks for this list every
        # batch (for gradient clipping), so it is built once per module.
        cache = getattr(self, "_learnable_cache", None)
        if cache is None or cache[0] is not self.module_:
            named = list(self.module_.online_named_parameters())
            cache = self._learnable_cache = (self.module_, named)
        yield from cache[1]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_learnable_cache", None)
        return state

    def initialize_optimizer(self, triggered_directly=None):
        named = list(self.get_all_learnable_params())
        _, kwargs = self.get_params_for_optimizer("optimizer", named)
        self.optimizer_ = self.optimizer(adamw_groups(named), **kwargs)
        return self

    def _set_training(self, training=True):
        # skorch calls this every batch and module.train() walks every
        # submodule, a visible share of a small fit: only switch on a change.
        names = self._modules + self._criteria
        modules = [getattr(self, name + "_") for name in names]
        if any(getattr(module, "training", training) != training for module in modules):
            super()._set_training(training)

    def infer(self, x, **fit_params):
        device_type = torch.device(self.device).type
        enabled = self.autocast_bf16 and bf16_supported(device_type)
        if device_type not in ("cuda", "cpu"):
            device_type, enabled = "cpu", False
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=enabled):
            return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true=None, X=None, training=False):
        prediction, target, weight = y_pred
        loss = self.criterion_(prediction.float(), target.float(), weight)
        if not torch.isfinite(loss):
            raise FloatingPointError(
                f"The JEPA loss became {loss.item()} in epoch {len(self.history)}. "
                f"Training diverged: the learning rate ({self.lr}) is probably "
                "too high, or the input holds extreme values. Lower learning_rate, "
                "keep grad_clip on, or check the data."
            )
        return loss


def adamw_groups(named_parameters):
    """AdamW parameter groups: no weight decay on biases and normalisation
    weights (the 1-D tensors)."""
    return [
        {"params": [p for _, p in named_parameters if p.ndim > 1]},
        {
            "params": [p for _, p in named_parameters if p.ndim <= 1],
            "weight_decay": 0.0,
        },
    ]


def _predefined(X_valid):
    if not isinstance(X_valid, torch.utils.data.Dataset):
        X_valid = ArrayDataset(X_valid)
    return predefined_split(X_valid)
