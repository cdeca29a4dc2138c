"""The JEPA regression loss in embedding space."""

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["JEPALoss"]

LOSSES = ("l2", "cosine", "smooth_l1")


class JEPALoss(nn.Module):
    """Distance between the predicted and the target embeddings.

    The target is layer-normalised without affine parameters (as in I-JEPA), so
    its scale cannot shrink towards zero; ``"cosine"`` also normalises the
    prediction and returns ``2 - 2 cos``, which equals the squared L2 distance
    between unit vectors.

    Parameters
    ----------
    loss : {"l2", "cosine", "smooth_l1"}, default="l2"
        ``"l2"`` is the mean squared error per embedding dimension.

    Notes
    -----
    ``pred`` and ``target`` are ``(batch_size, dim)`` for a whole-row encoder,
    or ``(batch_size, n_tokens, dim)`` with ``weight`` of shape
    ``(batch_size, n_tokens)`` selecting the predicted tokens.
    """

    def __init__(self, loss="l2"):
        super().__init__()
        self.loss = loss

    def forward(
        self,
        pred: torch.Tensor,
        target: torch.Tensor,
        weight: torch.Tensor | None = None,
    ) -> torch.Tensor:
        target = F.layer_norm(target.detach(), target.shape[-1:])
        if self.loss == "cosine":
            per_token = 2 - 2 * F.cosine_similarity(pred, target, dim=-1)
        elif self.loss == "smooth_l1":
            per_token = F.smooth_l1_loss(pred, target, reduction="none").mean(-1)
        else:
            per_token = (pred - target).pow(2).mean(-1)
        if weight is None:
            return per_token.mean()
        weight = weight.to(per_token.dtype)
        return (per_token * weight).sum() / weight.sum().clamp_min(1.0)
