"""The torch network: encoders and predictors (``_mlp``, ``_tokens``,
``_conv``, ``_cnn``), MiniRocket's kernel bank (``_rocket``), the JEPA module
with its EMA target encoder (``_model``, ``_ema``), masking strategies
(``_masks``), the loss (``_losses``) and the conv read-out (``_readout``).

Imports: torch and :mod:`sklearn_jepa.utils`; it knows nothing of the
configuration, the training engine or the estimator.
"""
