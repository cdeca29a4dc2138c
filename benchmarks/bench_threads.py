"""Thread policy: GridSearchCV with n_jobs=1 vs n_jobs=2 on the same grid.

torch's intra-op pool would oversubscribe the cores if every joblib worker
used all of them. joblib's loky workers set the usual thread-limit variables
(OMP_NUM_THREADS and friends) to cores // n_jobs, which torch honours when
it starts in the worker; this script measures the speed-up and the threads
that the workers really ran. It also times small table fits with one and
with two intra-op threads (``n_threads``), side by side: the 16-wide
default MLP and the 256-wide one of ``n_components=None``.

    python benchmarks/bench_threads.py

Writes docs/results/threads.json.
"""

import numpy as np
import torch
from _common import timed, write_json
from joblib import Parallel, delayed
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_jepa import JEPATransformer


def torch_threads():
    return torch.get_num_threads()


def search(X, y, n_jobs):
    pipe = Pipeline(
        [
            ("jepa", JEPATransformer(16, max_epochs=15, random_state=0)),
            ("clf", LogisticRegression(max_iter=1000)),
        ]
    )
    grid = {"jepa__lr": [1e-3, 3e-3], "jepa__mask_ratio": [0.5, (0.3, 0.7)]}
    return GridSearchCV(pipe, grid, cv=3, n_jobs=n_jobs).fit(X, y)


def intra_op_threads(repeats=3):
    """Median fit time of small table fits with n_threads=1 and 2."""
    data = {
        "breast_cancer": load_breast_cancer().data,
        "digits": load_digits().data,
    }
    times = {}
    for _ in range(repeats):  # interleaved, so drift hits both alike
        for name, X in data.items():
            for n_components in (16, None):
                for n_threads in (1, 2):
                    jepa = JEPATransformer(
                        n_components,
                        max_epochs=30,
                        n_threads=n_threads,
                        random_state=0,
                    )
                    key = f"{name}, n_components={n_components}"
                    times.setdefault(key, {1: [], 2: []})
                    times[key][n_threads].append(timed(jepa.fit, X)[1])
    return {
        key: {
            "1_thread_s": float(np.median(t[1])),
            "2_threads_s": float(np.median(t[2])),
            "ratio_2_over_1": float(np.median(t[2]) / np.median(t[1])),
        }
        for key, t in times.items()
    }


def main():
    X, y = load_digits(return_X_y=True)
    worker_threads = Parallel(n_jobs=2)(delayed(torch_threads)() for _ in range(2))
    times = {1: [], 2: []}
    for _ in range(3):
        for n_jobs in (1, 2):
            times[n_jobs].append(timed(search, X, y, n_jobs)[1])
    t1, t2 = (float(np.median(times[n])) for n in (1, 2))
    result = {
        "main_process_torch_threads": torch.get_num_threads(),
        "worker_torch_threads": worker_threads,
        "n_jobs_1_s": t1,
        "n_jobs_2_s": t2,
        "speedup": t1 / t2,
        "all_times": times,
        "intra_op_threads": intra_op_threads(),
    }
    print(result)
    write_json("threads", result)


if __name__ == "__main__":
    main()
