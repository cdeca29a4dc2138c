"""Started by torchrun in tests/test_distributed.py: one rank of a data-parallel fit.

Usage: python -m torch.distributed.run --standalone --nproc_per_node 2 \\
    tests/_distributed_fit.py OUT_DIR CONFIGS_JSON
CONFIGS_JSON maps a name to the estimator's parameters; one launch fits them
all in turn, as a user's script may (a second fit once hung there). Each rank
writes OUT_DIR/<name>/rank<r>.npz (weights, embeddings) and rank<r>.json.
"""

import json
import os
import sys

import joblib
import numpy as np
from sklearn.datasets import load_digits

from sklearn_jepa import JEPATransformer


def main(out, configs):
    for name, params in configs.items():
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        fit_one(folder, params)


def fit_one(out, params):
    rank = int(os.environ["RANK"])
    X = load_digits().data[:600]
    jepa = JEPATransformer(**params).fit(X)
    module = jepa.net_.module_
    arrays = {
        f"{part}.{name}": tensor.numpy()
        for part in ("encoder", "predictor", "target_encoder")
        for name, tensor in getattr(module, part).state_dict().items()
    }
    np.savez(os.path.join(out, f"rank{rank}.npz"), Z=jepa.transform(X), **arrays)
    if rank == 0:
        joblib.dump(jepa, os.path.join(out, "rank0.joblib"))
    record = {
        "n_iter": jepa.n_iter_,
        "steps_per_epoch": [row["train_batch_count"] for row in jepa.history_],
        "config": {
            key: getattr(jepa.config_, key)
            for key in ("max_iter", "batch_size", "learning_rate", "steps_per_epoch")
        },
        "ema_momentum": list(jepa.config_.ema_momentum),
        "mean": jepa.mean_.tolist(),
        "train_loss": jepa.loss_curve_,
        "done": True,
    }
    with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
        json.dump(record, f)


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
