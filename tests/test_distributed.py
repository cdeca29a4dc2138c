"""Data-parallel fit with torch.distributed (sklearn_jepa.engine._distributed),
2 CPU ranks."""

import json
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch.distributed as dist
from numpy.testing import assert_array_equal

from sklearn_jepa import JEPATransformer

pytestmark = pytest.mark.skipif(
    not (dist.is_available() and dist.is_gloo_available()),
    reason="torch.distributed with gloo is not available",
)
SCRIPT = Path(__file__).with_name("_distributed_fit.py")
CONFIGS = {
    "table-mlp": dict(n_components=4, hidden_size=32, max_iter=3, batch_size=64),
    "signal-conv": dict(
        n_components=4, input_shape=(64,), hidden_size=16, max_iter=2, batch_size=64
    ),
    # the image default: the sparse-masked CNN
    "image-cnn": dict(n_components=4, input_shape=(8, 8), max_iter=1, batch_size=64),
    # the ViT holds a parameter that gets no gradient (the empty register
    # tensor): DDP must not wait for it
    "image-transformer": dict(
        n_components=4,
        input_shape=(8, 8),
        encoder="transformer",
        hidden_size=16,
        n_layers=1,
        encoder_params={"n_heads": 2},
        max_iter=1,
        batch_size=64,
    ),
}


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """One torchrun launch of two ranks that fits every configuration in
    turn: several fits in one launched process (a second fit once hung)."""
    out = tmp_path_factory.mktemp("ranks")
    configs = {name: {**params, "random_state": 0} for name, params in CONFIGS.items()}
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        str(SCRIPT),
        str(out),
        json.dumps(configs),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


@pytest.mark.parametrize("name", list(CONFIGS))
def test_two_ranks_end_bit_identical_and_match_the_single_process_schedule(
    name, X, launched
):
    params = {**CONFIGS[name], "random_state": 0}
    tmp_path = launched / name
    # the ranks' own result markers, not only the exit code
    records = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert all(record["done"] for record in records)
    arrays = [np.load(tmp_path / f"rank{r}.npz") for r in (0, 1)]
    assert {k.split(".")[0] for k in arrays[0].files} >= {
        "encoder",
        "predictor",
        "target_encoder",
    }
    for key in arrays[0].files:  # online, predictor, EMA target, embeddings
        assert_array_equal(arrays[0][key], arrays[1][key], err_msg=key)
    # each rank trained on its own half: their losses differ
    assert records[0]["train_loss"] != records[1]["train_loss"]

    # against one process with the same global batch: the same configuration,
    # standardisation and number of optimizer steps (not the same weights:
    # the rows and masks of each step differ)
    single = JEPATransformer(**params).fit(X)
    steps = [row["train_batch_count"] for row in single.history_]
    for record in records:
        assert record["steps_per_epoch"] == steps
        assert record["config"]["max_iter"] == single.config_.max_iter
        assert record["config"]["learning_rate"] == single.config_.learning_rate
        assert record["config"]["batch_size"] == params["batch_size"]
        assert record["ema_momentum"] == list(single.config_.ema_momentum)
        assert_array_equal(record["mean"], single.mean_)
    assert not np.array_equal(arrays[0]["Z"], single.transform(X))

    # rank 0's pickle is an ordinary fitted estimator here
    loaded = joblib.load(tmp_path / "rank0.joblib")
    assert_array_equal(loaded.transform(X), arrays[0]["Z"])
