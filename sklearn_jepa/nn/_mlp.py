"""Whole-row encoders and predictors for tables (multi-layer perceptrons).

Encoder contract (also for user modules passed as ``encoder=``)::

    encoder(x, mask) -> z

- ``x``: float tensor ``(batch_size, n_features)`` (a flattened row, image or
  signal, already standardised);
- ``mask``: bool tensor ``(batch_size, n_tokens)`` of the tokens the view may
  see, or ``None`` for the whole row;
- ``z``: ``(batch_size, dim)`` for a whole-row embedding, or
  ``(batch_size, n_tokens, dim)`` for one embedding per token.
"""

import torch
from torch import nn

__all__ = ["MLPEncoder", "MLPPredictor"]


def _mlp(n_in, hidden_size, n_out, n_layers):
    layers = []
    for _ in range(n_layers):
        layers += [nn.Linear(n_in, hidden_size), nn.LayerNorm(hidden_size), nn.GELU()]
        n_in = hidden_size
    layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


class MLPEncoder(nn.Module):
    """Encode the visible features of a row (hidden ones zeroed) and the mask.

    The mask is an input too, so a hidden feature is not confused with a
    feature whose value is zero.

    Parameters
    ----------
    n_features : int
    n_components : int
        Size of the embedding.
    hidden_size : int, default=256
    n_layers : int, default=2
        Number of hidden layers.

    Examples
    --------
    >>> import torch
    >>> from sklearn_jepa import MLPEncoder
    >>> MLPEncoder(5, 3)(torch.zeros(2, 5), None).shape
    torch.Size([2, 3])
    """

    def __init__(self, n_features, n_components, hidden_size=256, n_layers=2):
        super().__init__()
        self.n_features = n_features
        self.net = _mlp(2 * n_features, hidden_size, n_components, n_layers)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        return self.net(self._masked_input(x, mask))

    def layers(
        self, x: torch.Tensor, mask: torch.Tensor | None = None
    ) -> list[torch.Tensor]:
        """Every layer's output: each hidden layer (after its activation),
        then the embedding; a list of ``(batch_size, width)`` tensors.

        The ``"layers"`` read-out concatenates them, and the JEPA target
        regresses on all of them (:class:`~sklearn_jepa.nn._model.JEPAModule`).
        """
        h = self._masked_input(x, mask)
        outputs = []
        for module in self.net:
            h = module(h)
            if isinstance(module, nn.GELU):
                outputs.append(h)
        outputs.append(h)
        return outputs

    def _masked_input(self, x, mask):
        if mask is None:
            mask = torch.ones_like(x)
        mask = mask.to(x.dtype)
        return torch.cat([x * mask, mask], dim=1)


class MLPPredictor(nn.Module):
    """Predict the target embedding from the context embedding and the target mask.

    Parameters
    ----------
    n_tokens : int
        Length of the masks.
    n_components : int
        Size of the embeddings.
    hidden_size : int, default=128
        Kept narrower than the encoder, which makes the predictor the weaker
        branch (the asymmetry that, with stop-gradient, prevents collapse).
    n_layers : int, default=2
    n_outputs : int, default=None
        Width of the prediction; ``None``: ``n_components``. Wider when the
        target is every layer of the target encoder (``"layers"`` read-out).
    """

    def __init__(
        self, n_tokens, n_components, hidden_size=128, n_layers=2, n_outputs=None
    ):
        super().__init__()
        n_outputs = n_components if n_outputs is None else n_outputs
        self.net = _mlp(n_components + n_tokens, hidden_size, n_outputs, n_layers)

    def forward(
        self, z: torch.Tensor, context_mask: torch.Tensor, target_mask: torch.Tensor
    ) -> torch.Tensor:
        return self.net(torch.cat([z, target_mask.to(z.dtype)], dim=1))
