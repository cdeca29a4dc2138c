"""One fit, timed; run alone or by torchrun (bench_distributed.py starts it).

Usage: python benchmarks/_ddp_fit.py OUT_JSON PARAMS_JSON
       python -m torch.distributed.run --standalone --nproc_per_node 2 \\
           benchmarks/_ddp_fit.py OUT_JSON PARAMS_JSON
Rank 0 (or the only process) writes the fit time and the final loss.
"""

import json
import os
import sys
import time

from sklearn.datasets import load_digits

from sklearn_jepa import JEPATransformer


def main(out, params):
    X = load_digits().data
    jepa = JEPATransformer(**params)
    start = time.perf_counter()
    jepa.fit(X)
    seconds = time.perf_counter() - start
    if int(os.environ.get("RANK", "0")) == 0:
        with open(out, "w") as f:
            json.dump({"fit_s": seconds, "final_loss": jepa.loss_curve_[-1]}, f)


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
