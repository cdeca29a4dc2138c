"""No training row in any saved model (pickle, joblib, skops, save)."""

import io
import pickle

import joblib
import numpy as np
import pytest

from sklearn_jepa import JEPATransformer, save

KINDS = {
    "table": dict(),
    "image": dict(input_shape=(8, 8)),
    "signal": dict(input_shape=(64,)),
    "early-stopping": dict(early_stopping=True),
}


def _holds_row(blob, rows):
    """Whether the bytes hold any row of ``rows`` in float64 or float32, raw
    or standardised with the model's own mean and scale."""
    return any(row.tobytes() in blob for row in rows)


def _encodings(X, jepa):
    standardised = (X - jepa.mean_) / jepa.scale_
    for values in (X, standardised):
        for dtype in (np.float64, np.float32):
            # a row's first 16 values: long enough not to occur by chance
            yield np.ascontiguousarray(values.astype(dtype)[:, :16])


@pytest.mark.parametrize("kind", list(KINDS))
def test_saved_models_hold_no_training_row(kind, tiny, X, tmp_path):
    X = X[:300]
    jepa = JEPATransformer(**tiny, **KINDS[kind], random_state=0).fit(X)
    jepa.partial_fit(X)
    buffer = io.BytesIO()
    joblib.dump(jepa, buffer)
    save(jepa, tmp_path / "jepa.pt")
    blobs = {
        "pickle": pickle.dumps(jepa),
        "joblib": buffer.getvalue(),
        "save": (tmp_path / "jepa.pt").read_bytes(),
    }
    sio = pytest.importorskip("skops.io")
    blobs["skops"] = sio.dumps(jepa)
    for rows in _encodings(X, jepa):
        # the search works: it finds the rows where they are (0.2 kept 256
        # standardised float32 rows in every saved model)
        assert _holds_row(pickle.dumps(np.ascontiguousarray(rows)), rows)
        for name, blob in blobs.items():
            assert not _holds_row(blob, rows), f"{name} holds a training row"


def test_fitted_estimator_keeps_no_training_row_in_memory(tiny, X):
    jepa = JEPATransformer(**tiny, random_state=0).fit(X[:300])
    diagnostics = dict(jepa.net_.callbacks_)["diagnostics"]
    assert getattr(diagnostics, "sample_", None) is None
    arrays = [v for v in vars(jepa).values() if isinstance(v, np.ndarray)]
    assert all(a.shape != (300, 64) and a.ndim == 1 for a in arrays)
