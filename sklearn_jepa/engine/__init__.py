"""The training engine: the skorch net and its batch loader (``_training``),
its callbacks (``_callbacks``), what a fit learns (``_state``), embeddings
and the read-out (``_inference``, ``_projection``), collapse diagnostics
(``_diagnostics``), data-parallel fits (``_distributed``) and the trained
encoder as a plain torch module (``_export``).

Imports: skorch, :mod:`sklearn_jepa.utils`, :mod:`sklearn_jepa.nn` and
:mod:`sklearn_jepa.configuration`; never the estimator.
"""
