"""Inference with a trained JEPA net: embeddings and the predictability score."""

from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["embed", "embed_chunk", "eval_mode", "pool", "predictability"]


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
def embed_chunk(net, x_std, batch_size, pooling):
    """Pooled target-encoder embedding of at most ``batch_size`` rows.

    The chunk is padded to exactly ``batch_size`` rows: BLAS kernels pick
    their blocking by matrix shape, so a row embedded alone and the same row
    inside a batch differ in the last float32 bits unless the shape is fixed.
    With a fixed shape a row's embedding does not depend on its neighbours.

    Returns a float32 array ``(n_rows, dim)``; token embeddings
    ``(n_rows, n_tokens, dim)`` are pooled by ``"mean"``, ``"max"`` (over
    tokens) or ``"flatten"``.
    """
    xb = torch.from_numpy(x_std)
    n_rows = len(xb)
    if n_rows < batch_size:
        xb = torch.cat([xb, xb.new_zeros(batch_size - n_rows, xb.shape[1])])
    z = net.module_.embed(xb.to(net.device))[:n_rows].float()
    if z.dim() == 3:
        z = pool(z, pooling)
    return z.cpu().numpy()


def pool(z, pooling):
    """``(batch_size, n_tokens, dim)`` token embeddings to one vector per row."""
    if pooling == "mean":
        return z.mean(dim=1)
    if pooling == "max":
        return z.amax(dim=1)
    return z.flatten(1)


def embed(net, X_std, batch_size, pooling):
    """Pooled embeddings of standardised rows, ``(n_samples, dim)`` float64."""
    with eval_mode(net.module_):
        chunks = [
            embed_chunk(net, X_std[start : start + batch_size], batch_size, pooling)
            for start in range(0, len(X_std), batch_size)
        ]
    return np.concatenate(chunks).astype(np.float64)


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
