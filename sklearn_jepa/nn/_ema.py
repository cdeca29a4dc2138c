"""Exponential moving average of the online encoder and its momentum ramp."""

import math

import torch

__all__ = ["cosine_ramp", "momentum_at", "update_momentum"]


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


def cosine_ramp(step, total_steps, start, end):
    """The one cosine ramp of the package: from ``start`` at step 0 to
    ``end`` at ``total_steps`` (the EMA momentum rises on it, the learning
    rate decays on it after its warmup).

    Steps past ``total_steps`` (e.g. more ``partial_fit`` calls) keep ``end``.

    Examples
    --------
    >>> from sklearn_jepa.nn._ema import cosine_ramp
    >>> cosine_ramp(0, 100, 0.996, 1.0), cosine_ramp(100, 100, 0.996, 1.0)
    (0.996, 1.0)
    >>> cosine_ramp(50, 100, 1.0, 0.0)
    0.5
    """
    progress = min(step / max(total_steps, 1), 1.0)
    return end - (end - start) * (math.cos(math.pi * progress) + 1) / 2


# the EMA momentum's schedule
momentum_at = cosine_ramp
