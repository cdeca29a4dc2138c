"""From parameters to a network: every ``"auto"``/``None`` parameter
resolved once into ``config_`` (``_config``), the default training budget
(``_budget``) and the one place that builds networks from a config
(``_build``).

Imports: :mod:`sklearn_jepa.utils` and :mod:`sklearn_jepa.nn`.
"""
