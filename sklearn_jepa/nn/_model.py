"""The JEPA module: online encoder, predictor and EMA target encoder."""

import copy
import functools

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["JEPAModule", "observed_input", "series_ends"]


class JEPAModule(nn.Module):
    """Online encoder ``f_theta``, predictor ``g_theta`` and target ``f_xi``.

    ``f_xi`` starts as a copy of ``f_theta``, never requires gradients and is
    only changed by :func:`sklearn_jepa.nn._ema.update_momentum`.

    The target encoder always sees the whole input, as in I-JEPA. For a token
    encoder (3-D output) its embeddings at the target tokens are the targets;
    for a whole-row encoder (2-D output) the target is the embedding of the
    whole row, which the predictor must infer from the context and the mask
    (feeding it only the hidden features was worse, and the encoder then
    never sees a whole row before ``transform``: docs/design.md).

    With ``layered_target=True`` (a whole-row encoder with a ``layers``
    method, under the ``"layers"`` read-out) the target is every layer of
    the target encoder, each layer-normalised, concatenated (as data2vec's
    average of layers): each layer ``transform`` reads out is trained to be
    predictable, and the regression cannot be met by a few directions of
    the last layer alone (docs/pools.md).
    """

    # 0.3 modules pickled before the attribute existed regress on the last layer
    layered_target = False

    def __init__(self, encoder, predictor, missing=None, layered_target=False):
        super().__init__()
        self.encoder = encoder
        self.predictor = predictor
        self.target_encoder = copy.deepcopy(encoder).requires_grad_(False)
        self.missing = missing
        self.layered_target = layered_target

    def forward(self, x, context_mask, target_mask, observed=None):
        """Return ``(prediction, target, weight)`` for :class:`JEPALoss`.

        ``observed`` (bool ``(batch_size, n_tokens)``, only when the batch
        has missing values) hides missing tokens from the target encoder.
        """
        ends = self._ends(observed)
        with torch.no_grad():
            z_target = self._target(x, observed, ends)
        parallel = self.__dict__.get("_parallel")
        if parallel is not None:
            # the series ends too: unequal series train as in one process
            prediction = parallel(x, context_mask, target_mask, ends)
        else:
            # called every batch: no wrapper module is built here
            prediction = _predict(
                self.encoder, self.predictor, x, context_mask, target_mask, ends
            )
        return prediction, z_target, target_mask if z_target.dim() == 3 else None

    def _target(self, x, observed, ends):
        if not self.layered_target:
            return self.target_encoder(x, observed, **ends)
        layers = self.target_encoder.layers(x, observed)
        return torch.cat([F.layer_norm(h, h.shape[-1:]) for h in layers], dim=-1)

    @property
    def online(self):
        """The trained branch, encoder then predictor, as one module.

        Built on access and not registered, so state dicts keep their keys;
        data-parallel training wraps it in DDP (:meth:`use_parallel`).
        """
        return _Online(self.encoder, self.predictor)

    def use_parallel(self, parallel):
        """Route the trained branch through ``parallel`` (a DDP wrapper), or
        back to the plain modules with ``None``."""
        self.__dict__["_parallel"] = parallel

    def __getstate__(self):
        state = super().__getstate__()
        state = dict(state)
        state.pop("_parallel", None)  # a DDP wrapper does not travel
        return state

    def online_named_parameters(self):
        """``(name, parameter)`` of the online encoder and the predictor.

        What the optimizer trains: never the target encoder (moved by the EMA
        only), nor parameters a user froze (``requires_grad=False``).
        """
        for prefix in ("encoder", "predictor"):
            for name, param in getattr(self, prefix).named_parameters():
                if param.requires_grad:
                    yield f"{prefix}.{name}", param

    def embed(self, x, layers=False):
        """Target-encoder embedding of whole inputs, ``(batch_size, ...)``.

        Missing values (NaN) are hidden from the encoder as tokens it may
        not see (the ``missing`` map), never read as numbers. ``layers``:
        every layer's output (the encoder's ``layers`` method), a list.
        """
        return self.encode(x, layers)[0]

    def encode(self, x, layers=False, bank=True):
        """:meth:`embed`'s output and where each series ends.

        The second value is bool ``(batch_size, n_tokens)``, the tokens
        before each series' end (its last observed token), or ``None`` when
        the batch has no missing value or the encoder does not read series
        ends: what pooling over each series' own steps needs. ``bank=False``
        leaves a kernel bank's values out of the layers (the learned layers
        only).
        """
        encode = self.target_encoder.layers if layers else self.target_encoder
        if layers and not bank and self.bank is not None:
            encode = functools.partial(encode, bank=False)
        x, observed, ends = self._observed(x)
        return encode(x, observed, **ends), ends.get("valid")

    def _observed(self, x):
        """``(x, observed, ends)``: missing values (NaN) read as 0, the bool
        ``(batch_size, n_tokens)`` tokens observed, and ``{"valid": ...}``
        for an encoder that reads series ends; ``(x, None, {})`` when the
        batch has no missing value."""
        return observed_input(x, self.missing, self._reads_ends)

    @property
    def bank(self):
        """The target encoder's fixed kernel bank, or ``None``."""
        return getattr(self.target_encoder, "bank", None)

    def bank_chunks(self, chunks):
        """``(x, valid)`` of each chunk of standardised rows as the kernel
        bank takes them: missing values read as the mean (0), each series'
        steps up to its end (:meth:`encode`'s rule)."""
        for xb in chunks:
            xb, _, ends = self._observed(xb)
            yield self.target_encoder.bank_input(xb, ends.get("valid"))

    def set_bank_biases(self, biases):
        """The same kernel-bank biases in the online and the target encoder
        (the EMA copies buffers from the online one)."""
        for encoder in (self.encoder, self.target_encoder):
            encoder.bank.biases.copy_(biases)

    @property
    def _reads_ends(self):
        return getattr(self.target_encoder, "reads_series_ends", False)

    def _ends(self, observed):
        """``{"valid": ...}`` for an encoder that reads series ends."""
        if observed is None or not self._reads_ends:
            return {}
        return {"valid": series_ends(observed)}


def observed_input(x, missing, reads_ends):
    """``(x, observed, ends)`` as :meth:`JEPAModule.encode` feeds an encoder:
    missing values (NaN) read as 0, the bool ``(batch_size, n_tokens)``
    tokens observed (``missing`` maps NaN values to missing tokens), and
    ``{"valid": ...}`` when ``reads_ends``; ``(x, None, {})`` when the batch
    has no missing value."""
    nan = torch.isnan(x)
    if missing is None or not bool(nan.any()):
        return x, None, {}
    observed = ~missing(nan)
    ends = {"valid": series_ends(observed)} if reads_ends else {}
    return torch.nan_to_num(x, nan=0.0), observed, ends


def series_ends(observed):
    """Tokens up to each row's last observed one: NaN after it is the end
    padding of a shorter series, not missing values inside it."""
    n_tokens = observed.shape[1]
    last = n_tokens - 1 - observed.flip(1).to(torch.uint8).argmax(dim=1)
    return torch.arange(n_tokens, device=observed.device)[None, :] <= last[:, None]


class _Online(nn.Module):
    """Encoder then predictor: what the optimizer trains (and DDP wraps)."""

    def __init__(self, encoder, predictor):
        super().__init__()
        self.encoder = encoder
        self.predictor = predictor

    def forward(self, x, context_mask, target_mask, ends=None):
        return _predict(
            self.encoder, self.predictor, x, context_mask, target_mask, ends
        )


def _predict(encoder, predictor, x, context_mask, target_mask, ends=None):
    """The predictor's output for the encoder's embedding of the context."""
    z_context = encoder(x, context_mask, **(ends or {}))
    return predictor(z_context, context_mask, target_mask)
