"""Exponential moving average of the online encoder and its momentum ramp."""

import math

import torch

__all__ = ["momentum_at", "update_momentum"]


@torch.no_grad()
def update_momentum(target, online, momentum):
    """Move ``target`` towards ``online``: ``xi <- m * xi + (1 - m) * theta``.

    Parameters
    ----------
    target, online : torch.nn.Module
        Modules with the same parameter and buffer layout.
    momentum : float
        ``m`` in ``[0, 1]``; ``1`` leaves ``target`` unchanged.
    """
    target_params = list(target.parameters())
    online_params = list(online.parameters())
    torch._foreach_lerp_(target_params, online_params, 1.0 - momentum)
    for target_buffer, online_buffer in zip(
        target.buffers(), online.buffers(), strict=True
    ):
        target_buffer.copy_(online_buffer)


def momentum_at(step, total_steps, start, end):
    """Cosine ramp of the EMA momentum from ``start`` to ``end``.

    Steps past ``total_steps`` (e.g. more ``partial_fit`` calls) keep ``end``.

    Examples
    --------
    >>> from sklearn_jepa._ema import momentum_at
    >>> momentum_at(0, 100, 0.996, 1.0), momentum_at(100, 100, 0.996, 1.0)
    (0.996, 1.0)
    """
    progress = min(step / max(total_steps, 1), 1.0)
    return end - (end - start) * (math.cos(math.pi * progress) + 1) / 2
