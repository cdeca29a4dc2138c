"""Build the JEPA module a
:class:`~sklearn_jepa.configuration._config.JEPAConfig` describes.

Only this module constructs networks; every size it uses is already concrete
in the configuration (``_config`` resolves the defaults).
"""

import copy

from ..nn._cnn import ConvImageEncoder, ConvImagePredictor
from ..nn._conv import ConvPredictor, DilatedConvEncoder
from ..nn._masks import MissingTokens
from ..nn._mlp import MLPEncoder, MLPPredictor
from ..nn._model import JEPAModule
from ..nn._tokens import FeatureTokens, PatchTokens, TokenEncoder, TokenPredictor

__all__ = ["build_module"]


def build_module(config, custom_encoder=None):
    """Return the :class:`JEPAModule` (online, predictor, target) of ``config``.

    ``custom_encoder`` is deep-copied, so the user's module is never trained
    in place.
    """
    if config.encoder == "custom":
        online = copy.deepcopy(custom_encoder)
    else:
        online = _ENCODERS[config.encoder](config)
    return JEPAModule(
        online,
        _predictor(config),
        MissingTokens(config.shape, config.grid),
        # token encoders regress on their tokens; the MLP on every layer
        layered_target=config.pooling == "layers" and not config.token_output,
    )


def _mlp(config):
    return MLPEncoder(
        config.n_features, config.embedding_size, config.hidden_size, config.n_layers
    )


def _transformer(config):
    if config.kind == "table":
        tokens = FeatureTokens(config.n_features, config.hidden_size)
    else:
        # a conv stem beats a linear patch projection (docs/design.md)
        tokens = PatchTokens(
            config.shape, config.patch_size, config.hidden_size, stem="conv"
        )
    return TokenEncoder(
        tokens, config.hidden_size, config.n_layers, config.n_heads, config.n_registers
    )


def _conv(config):
    if config.kind == "image":
        return ConvImageEncoder(config.shape, config.hidden_size, config.n_layers)
    return DilatedConvEncoder(
        config.shape,
        config.hidden_size,
        config.n_layers,
        config.stride,
        config.kernel_bank,
    )


_ENCODERS = {"mlp": _mlp, "transformer": _transformer, "conv": _conv}


def _predictor(config):
    n_tokens = 1
    for side in config.grid:
        n_tokens *= side
    if not config.token_output:
        # under the "layers" read-out the target is every layer
        return MLPPredictor(
            n_tokens,
            config.embedding_size,
            config.predictor_size,
            config.predictor_layers,
            n_outputs=config.pooled_width,
        )
    if config.encoder == "conv" and config.kind == "image":
        return ConvImagePredictor(
            config.grid,
            config.embedding_size,
            config.predictor_size,
            config.predictor_layers,
        )
    if config.encoder == "conv":
        return ConvPredictor(
            n_tokens, config.hidden_size, config.predictor_size, config.predictor_layers
        )
    return TokenPredictor(
        n_tokens,
        config.embedding_size,
        config.predictor_size,
        config.predictor_layers,
        config.n_heads,
    )
