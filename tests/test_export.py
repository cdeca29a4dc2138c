"""The trained encoder as a plain torch module (sklearn_jepa.engine._export)."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

from sklearn_jepa import JEPAEncoder, JEPATransformer

CONFIGS = {
    "table-mlp": dict(n_components=4),
    "table-mlp-whole": dict(n_components=None),
    "feature-tokens": dict(
        n_components=4, encoder="transformer", encoder_params={"n_heads": 2}
    ),
    "image-flatten": dict(
        n_components=4, input_shape=(8, 8), encoder_params={"n_heads": 2}
    ),
    "signal-conv-max": dict(n_components=None, input_shape=(64,)),
}


@pytest.fixture(params=list(CONFIGS), ids=list(CONFIGS))
def fitted_kind(request, X):
    params = dict(hidden_size=16, n_layers=1, max_iter=1, **CONFIGS[request.param])
    return JEPATransformer(**params, random_state=0).fit(X[:200]), X[:200]


def test_to_torch_equals_transform(fitted_kind):
    jepa, X = fitted_kind
    encoder = jepa.to_torch()
    assert isinstance(encoder, JEPAEncoder) and not encoder.training
    assert all(not p.requires_grad for p in encoder.parameters())
    with torch.no_grad():
        Z = encoder(torch.from_numpy(X)).numpy()
    assert Z.dtype == np.float64 and Z.shape == (len(X), jepa.n_components_)
    scale = np.abs(jepa.transform(X)).max()
    assert_allclose(Z, jepa.transform(X), rtol=1e-5, atol=1e-5 * scale)
    # float32 input, as a serving stack sends it
    with torch.no_grad():
        Z32 = encoder(torch.from_numpy(X.astype(np.float32))).numpy()
    assert_allclose(Z32, Z, rtol=1e-5, atol=1e-5 * scale)


def test_fitted_module_rests_in_eval_mode(fitted_kind):
    jepa, _ = fitted_kind
    assert not jepa.net_.module_.training
    assert not jepa.net_.module_.target_encoder.training


def test_torch_export_with_a_dynamic_batch_size(fitted_kind):
    jepa, X = fitted_kind
    encoder = jepa.to_torch()
    batch = torch.export.Dim("batch", min=1, max=4096)
    program = torch.export.export(
        encoder, (torch.from_numpy(X[:4]),), dynamic_shapes=({0: batch},)
    )
    with torch.no_grad():
        for n in (1, 7, 64):
            got = program.module()(torch.from_numpy(X[:n])).numpy()
            want = encoder(torch.from_numpy(X[:n])).numpy()
            assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_onnx_export_runs_in_onnxruntime(fitted_kind, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    jepa, X = fitted_kind
    encoder = jepa.to_torch()
    path = tmp_path / "encoder.onnx"
    torch.onnx.export(
        encoder,
        (torch.from_numpy(X[:4]),),
        str(path),
        input_names=["x"],
        output_names=["embedding"],
        dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=4096)},),
        dynamo=True,
        verbose=False,
    )
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (Z,) = session.run(None, {"x": X[:9]})
    scale = np.abs(jepa.transform(X)).max()
    assert_allclose(Z, jepa.transform(X[:9]), rtol=1e-4, atol=1e-4 * scale)
