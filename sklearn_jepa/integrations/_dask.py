"""Chunk-wise transforms of dask arrays, lazily and with the right shape."""

import numpy as np

__all__ = ["transform_dask"]


def transform_dask(estimator, X):
    """Lazily transform a dask array, one block of rows at a time.

    ``X.map_blocks(estimator.transform)`` without explicit output chunks
    makes dask believe the result is as wide as the input (dask-ml's
    ``ParallelPostFit.transform`` does that too, for any transformer). This
    rechunks ``X`` to whole rows, declares the output chunks
    ``(row chunks, (n_components_,))`` and the dtype ``transform`` returns,
    so ``.shape`` and ``.dtype`` are right before anything is computed. The
    fitted estimator travels to the workers once, with the task graph.

    Parameters
    ----------
    estimator : fitted transformer with ``n_components_``
        E.g. a fitted :class:`JEPATransformer`.
    X : dask array of shape (n_samples, n_features)

    Returns
    -------
    X_new : dask array of shape (n_samples, n_components)

    Examples
    --------
    >>> import dask.array as da  # doctest: +SKIP
    >>> Z = transform_dask(jepa, da.from_array(X, chunks=500))  # doctest: +SKIP
    >>> Z.shape, Z.dtype  # doctest: +SKIP
    ((1797, 16), dtype('float64'))
    """
    try:
        import dask.array as da
    except ImportError as error:  # pragma: no cover - exercised without dask
        raise ImportError(
            'transform_dask needs dask: pip install "sklearn-jepa[dask]"'
        ) from error
    X = da.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D dask array, got {X.ndim} dimensions.")
    width = estimator.n_components_
    # transform keeps float32 and float64 and gives float64 for the rest
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    X = X.rechunk({1: -1})
    return X.map_blocks(
        estimator.transform,
        dtype=dtype,
        chunks=(X.chunks[0], (width,)),
        meta=np.empty((0, width), dtype=dtype),
    )
