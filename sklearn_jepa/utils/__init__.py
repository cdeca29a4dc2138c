"""What every layer may use: the public parameters and their flat form
(``_parameters``), compatibility with earlier versions, in one place
(``_compat``), warnings (``_warnings``), seeds (``_seeds``), devices, threads
and RNG isolation (``_runtime``) and torch state as plain data
(``_portable``).

Imports: numpy, torch, scikit-learn; nothing else of sklearn_jepa but
``sklearn_jepa._version``.
"""
