"""User-style custom parts, importable so that joblib workers can unpickle them."""

import torch
from torch import nn


class TinyEncoder(nn.Module):
    """A whole-row encoder that follows the documented contract."""

    def __init__(self, n_features, dim=6):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2 * n_features, 16), nn.GELU(), nn.Linear(16, dim)
        )

    def forward(self, x, mask=None):
        mask = torch.ones_like(x) if mask is None else mask.to(x.dtype)
        return self.net(torch.cat([x * mask, mask], dim=1))


def first_half_mask(batch_size, grid, generator):
    """A deterministic user masking strategy: predict the second half."""
    n_tokens = int(torch.tensor(grid).prod())
    context = torch.zeros(batch_size, n_tokens, dtype=torch.bool)
    context[:, : max(1, n_tokens // 2)] = True
    target = ~context if n_tokens > 1 else context.clone()
    return context, target
