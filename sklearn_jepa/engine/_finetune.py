"""Fine-tuning a JEPA encoder on labels: the network, its training, its logits.

:class:`~sklearn_jepa.JEPAClassifier` copies the fitted target encoder (the
weights ``transform`` reads), puts a linear head on its pooled output and
trains both end to end on the labeled rows with a cross-entropy loss. skorch
owns the loop, as it does for JEPA itself (:mod:`._training`): history,
progress display, devices, and an interrupt that keeps the weights reached.
"""

import copy
import math
import warnings

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import LRScheduler
from torch import nn

from ..nn._model import observed_input
from ..nn._readout import masked_max, masked_mean
from ._callbacks import PlainPrintLog
from ._inference import chunks, eval_mode, padded
from ._training import fused_adamw_kwargs

__all__ = ["EncoderClassifier", "fine_tune", "fine_tune_epochs", "predict_logits"]

# the default length of a fine-tuning: at least this many optimizer steps
# and this many passes over the labeled rows (few labels need many passes)
MIN_STEPS = 600
MIN_EPOCHS = 30


class EncoderClassifier(nn.Module):
    """An encoder, its output pooled, a linear head: class logits.

    A token encoder's ``(batch_size, n_tokens, dim)`` output is pooled by
    its mean and its max over the tokens (over each series' own steps, when
    the encoder reads series ends), ``2 * dim`` values; a whole-row
    encoder's ``(batch_size, dim)`` output is taken as it is. Missing
    values (NaN) are hidden from the encoder as JEPA hides them
    (:func:`sklearn_jepa.nn._model.observed_input`).

    Parameters
    ----------
    encoder : torch.nn.Module
        Called as ``encoder(x, observed, **ends)``, as the JEPA encoders are.
    n_features : int
        The width of a (flat, standardised) input row.
    n_classes : int
    missing : callable, default=None
        Maps the NaN values of a batch to its missing tokens.

    Examples
    --------
    >>> import torch
    >>> from sklearn_jepa import MLPEncoder
    >>> from sklearn_jepa.engine._finetune import EncoderClassifier
    >>> model = EncoderClassifier(MLPEncoder(5, 4), n_features=5, n_classes=3)
    >>> model(torch.zeros(2, 5)).shape
    torch.Size([2, 3])
    """

    def __init__(self, encoder, n_features, n_classes, missing=None):
        super().__init__()
        self.encoder = encoder
        self.missing = missing
        with torch.no_grad(), eval_mode(encoder):
            width = self._pooled(torch.zeros(2, n_features)).shape[1]
        self.head = nn.Linear(width, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch_size, n_features)`` rows to ``(batch_size, n_classes)``
        logits."""
        return self.head(self._pooled(x))

    def _pooled(self, x):
        reads_ends = getattr(self.encoder, "reads_series_ends", False)
        x, observed, ends = observed_input(x, self.missing, reads_ends)
        z = self.encoder(x, observed, **ends).float()
        if z.dim() == 2:
            return z
        valid = ends.get("valid")
        if valid is None:
            return torch.cat([z.mean(dim=1), z.amax(dim=1)], dim=1)
        valid = valid[:, :, None]
        return torch.cat([masked_mean(z, valid, 1), masked_max(z, valid, 1)], dim=1)


def classifier_from(module, n_features, n_classes, seed):
    """An :class:`EncoderClassifier` on a trainable copy of ``module``'s
    target encoder (a :class:`~sklearn_jepa.nn._model.JEPAModule`), its head
    drawn from ``seed`` (torch's global generator is left as it was)."""
    encoder = copy.deepcopy(module.target_encoder).requires_grad_(True)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return EncoderClassifier(encoder, n_features, n_classes, module.missing)


def fine_tune_epochs(max_iter, n_rows, batch_size):
    """``max_iter`` passes, or by default enough passes for ``MIN_STEPS``
    optimizer steps and at least ``MIN_EPOCHS``."""
    if max_iter is not None:
        return int(max_iter)
    per_epoch = math.ceil(n_rows / batch_size)
    return max(MIN_EPOCHS, math.ceil(MIN_STEPS / per_epoch))


def fine_tune(
    model,
    X,
    y,
    *,
    max_iter,
    learning_rate,
    weight_decay,
    batch_size,
    seed,
    device,
    verbose=0,
):
    """Train ``model`` on standardised rows ``X`` and class codes ``y``.

    AdamW with a one-cycle schedule peaking at ``learning_rate`` (stepped
    every batch), cross-entropy, ``batch_size`` rows per step drawn without
    replacement each pass (:func:`fine_tune_epochs` passes). Returns the
    skorch net's history; ``model`` holds the trained weights, also after
    an interrupt (skorch stops the loop and keeps them).
    """
    n_rows = len(X)
    batch_size = min(batch_size, n_rows)
    epochs = fine_tune_epochs(max_iter, n_rows, batch_size)
    steps = epochs * math.ceil(n_rows / batch_size)
    schedule = LRScheduler(
        policy=torch.optim.lr_scheduler.OneCycleLR,
        max_lr=learning_rate,
        total_steps=steps,
        step_every="batch",
    )
    net = NeuralNet(
        module=model,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        lr=learning_rate,
        optimizer__weight_decay=weight_decay,
        **fused_adamw_kwargs(device),
        max_epochs=epochs,
        batch_size=batch_size,
        train_split=None,
        iterator_train__shuffle=True,
        iterator_train__generator=torch.Generator().manual_seed(seed),
        callbacks=[("schedule", schedule)],
        callbacks__print_log=PlainPrintLog() if verbose else None,
        device=device,
        verbose=verbose,
    )
    net.fit(np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.int64))
    model.eval()
    done = sum("train_loss" in row for row in net.history)
    if done < epochs:
        warnings.warn(
            f"Fine-tuning was interrupted after {done} of {epochs} "
            "passes; the classifier keeps the weights reached so far.",
            UserWarning,
            stacklevel=2,
        )
    return net.history


@torch.no_grad()
def predict_logits(model, X, batch_size, device="cpu"):
    """``(n_rows, n_classes)`` float64 logits of standardised rows ``X``
    (``model``: an :class:`EncoderClassifier`).

    Chunks are padded to exactly ``batch_size`` rows, as ``transform`` pads
    them (:func:`._inference.embed_chunk`): a row's logits then do not
    depend on its neighbours or on the order of the rows.
    """
    out = np.empty((len(X), model.head.out_features))
    with eval_mode(model):
        for start, chunk in chunks(X, batch_size):
            xb = torch.from_numpy(np.asarray(chunk, dtype=np.float32))
            logits = model(padded(xb, batch_size).to(device))[: len(xb)]
            out[start : start + len(xb)] = logits.double().cpu().numpy()
    return out
