"""Inference with a trained JEPA net: embeddings and the predictability score."""

from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F

from ..nn._readout import block_stats, masked_max, masked_mean
from ._projection import project

__all__ = [
    "chunks",
    "embed",
    "embed_chunk",
    "eval_mode",
    "layer_chunks",
    "padded",
    "pool",
    "predictability",
]


@contextmanager
def eval_mode(module):
    """Eval mode inside the block, the previous mode after it."""
    was_training = module.training
    module.eval()
    try:
        yield
    finally:
        module.train(was_training)


@torch.no_grad()
def embed_chunk(net, x_std, batch_size, pooling, biases=None):
    """Pooled target-encoder embedding of at most ``batch_size`` rows.

    The chunk is padded to exactly ``batch_size`` rows: BLAS kernels pick
    their blocking by matrix shape, so a row embedded alone and the same row
    inside a batch differ in the last float32 bits unless the shape is fixed.
    With a fixed shape a row's embedding does not depend on its neighbours.

    Returns a float32 array ``(n_rows, dim)``; token embeddings
    ``(n_rows, n_tokens, dim)`` are pooled by ``"mean"``, ``"max"`` (over
    tokens) or ``"flatten"``; ``"blocks"`` reads every layer out
    (:func:`sklearn_jepa.nn._readout.block_stats` against ``biases``).
    """
    xb = torch.from_numpy(x_std)
    n_rows = len(xb)
    xb = padded(xb, batch_size)
    module, layers = net.module_, reads_layers(pooling)
    # the kernel bank reads each row alone (no BLAS): the padding rows
    # are not worth its time
    bank = layers and getattr(module, "bank", None) is not None
    extra = {"bank": False} if bank else {}
    # pooled over each series' own steps: its end padding does not count
    z, valid = module.encode(xb.to(net.device), layers=layers, **extra)
    valid = None if valid is None else valid[:n_rows]
    z = [h[:n_rows] for h in z] if layers else z[:n_rows]
    if bank:
        ((x_bank, valid_bank),) = module.bank_chunks([xb[:n_rows].to(net.device)])
        z.insert(0, module.bank(x_bank, valid_bank))
    biases = None if biases is None else torch.from_numpy(biases)
    return read_out(z, pooling, biases, valid).cpu().numpy()


def padded(xb, batch_size):
    """``(n_rows, n_features)`` rows followed by rows of zeros up to
    ``batch_size``: a fixed matrix shape, so that a row's output does not
    depend on its neighbours (:func:`embed_chunk`)."""
    n_rows = len(xb)
    if n_rows >= batch_size:
        return xb
    return torch.cat([xb, xb.new_zeros(batch_size - n_rows, xb.shape[1])])


def reads_layers(pooling):
    """Whether ``pooling`` reads every layer of the encoder, not its output."""
    return pooling in ("blocks", "layers")


def read_out(z, pooling, biases=None, valid=None):
    """The one read-out of ``transform`` and :class:`JEPAEncoder`: the
    encoder's output ``z`` (or its list of layers, :func:`reads_layers`) as
    one float32 vector per row.

    ``"layers"`` concatenates the layers (the MLP); ``"blocks"`` takes each
    layer's max, mean and PPV against ``biases`` (the conv encoder,
    :func:`sklearn_jepa.nn._readout.block_stats`); token embeddings are pooled
    (:func:`pool`) over the ``valid`` tokens when given.
    """
    if pooling == "layers":
        return torch.cat([h.float() for h in z], dim=1)
    if pooling == "blocks":
        return block_stats([h.float() for h in z], biases, valid)
    z = z.float()
    return pool(z, pooling, valid) if z.dim() == 3 else z


def pool(z, pooling, valid=None):
    """``(batch_size, n_tokens, dim)`` token embeddings to one vector per row
    (``"mean"`` and ``"max"`` over the ``valid`` tokens when given)."""
    if valid is not None and pooling in ("mean", "max"):
        reduce = masked_mean if pooling == "mean" else masked_max
        return reduce(z, valid[:, :, None], 1)
    if pooling == "mean":
        return z.mean(dim=1)
    if pooling == "max":
        return z.amax(dim=1)
    return z.flatten(1)


def chunks(X, batch_size, standardize=None):
    """``(start, rows)`` for consecutive chunks of ``batch_size`` rows of ``X``,
    each mapped by ``standardize`` when it is given."""
    for start in range(0, len(X), batch_size):
        chunk = X[start : start + batch_size]
        yield start, chunk if standardize is None else standardize(chunk)


def embed(
    net, X, batch_size, pooling, *, standardize=None, projection=None, biases=None
):
    """Pooled (and projected) target-encoder embeddings, one chunk at a time.

    The one embedding path: ``transform``, the diagnostics, the projection
    and the collapse check all call it. Only the output grows with
    ``n_samples``; the working memory is that of one chunk.

    Parameters
    ----------
    net : JEPANet
    X : ndarray of shape (n_samples, n_features)
        Standardised rows, or raw rows with ``standardize``.
    batch_size : int
        Rows per chunk.
    pooling : {"mean", "max", "flatten", "blocks"} or None
    standardize : callable, default=None
        Maps a chunk of raw rows to standardised float32 rows.
    projection : tuple of (ndarray, ndarray) or None, default=None
        Mean and components (:func:`sklearn_jepa.engine._projection.project`).
    biases : ndarray of shape (n_layers, dim, n_quantiles), default=None
        The PPV biases of the ``"blocks"`` read-out.

    Returns
    -------
    Z : ndarray of shape (n_samples, width)
        float64, or the floating dtype of ``X`` when ``standardize`` is given
        (``transform`` keeps the caller's dtype).
    """
    out = None
    dtype = X.dtype if standardize is not None else np.float64
    with eval_mode(net.module_):
        for start, chunk in chunks(X, batch_size, standardize):
            Z = embed_chunk(net, chunk, batch_size, pooling, biases)
            Z = _project_padded(Z, projection, batch_size)
            if out is None:
                out = np.empty((len(X), Z.shape[1]), dtype=dtype)
            out[start : start + len(Z)] = Z
    return out


def _project_padded(Z, projection, batch_size):
    """:func:`project` on ``Z`` padded to ``batch_size`` rows: with a fixed
    matrix shape a row's projection does not depend on its neighbours."""
    if projection is None or len(Z) == batch_size:
        return project(Z, projection)
    padded = np.zeros((batch_size, Z.shape[1]), dtype=Z.dtype)
    padded[: len(Z)] = Z
    return project(padded, projection)[: len(Z)]


@torch.no_grad()
def layer_chunks(net, X_std, batch_size):
    """Every learned layer's target-encoder output for consecutive chunks of
    standardised rows (not a kernel bank's values), with the tokens before
    each series' end (or ``None``): the ``"blocks"`` read-out's biases are
    fitted on them."""
    with eval_mode(net.module_):
        for _, chunk in chunks(X_std, batch_size):
            xb = torch.from_numpy(chunk).to(net.device)
            layers, valid = net.module_.encode(xb, layers=True, bank=False)
            layers = [h.float().cpu() for h in layers]
            yield layers, None if valid is None else valid.cpu()


@torch.no_grad()
def predictability(net, chunks, collator):
    """R^2 of the predictor over standardised ``chunks`` masked by ``collator``.

    ``1 - SSE / total variance`` of the layer-normalised target embeddings
    (of the target tokens for token encoders), with the predictions
    layer-normalised too, so models trained with the l2 and the cosine loss
    compare. ``-inf`` when the targets do not vary (a collapsed model).
    """
    module, device = net.module_, net.device
    sse, total, square, count = 0.0, 0.0, 0.0, 0
    with eval_mode(module):
        for x_std in chunks:
            batch, _ = collator(torch.from_numpy(x_std))
            batch = {key: value.to(device) for key, value in batch.items()}
            prediction, target, weight = module(**batch)
            if weight is not None:
                prediction, target = prediction[weight], target[weight]
            prediction = F.layer_norm(prediction.float(), prediction.shape[-1:])
            target = F.layer_norm(target.float(), target.shape[-1:])
            sse += float((prediction - target).pow(2).sum())
            total = total + target.sum(0).double()
            square = square + target.pow(2).sum(0).double()
            count += len(target)
    variance = float((square - total**2 / count).sum())
    return 1.0 - sse / variance if variance > 0 else -np.inf
