"""Thread policy: one fit alone vs two side by side; GridSearchCV n_jobs=1 vs 2.

1. **Alone vs side by side.** The table MLP, the image and the signal models
   with default settings (fewer epochs, so that one fit takes seconds), each
   fit once alone and then twice at the same time in two processes, with the
   default thread policy (``n_threads=None``: one intra-op thread) and with
   torch's own default on this machine (one thread per core). When a second
   busy process shares the cores, torch's OpenMP workers spin while they
   wait for each other; the ratio "side by side / alone" shows the cost.
2. **GridSearchCV** with ``n_jobs=1`` vs ``n_jobs=2`` on the same grid, and
   the torch threads that joblib's loky workers really ran.
3. **Intra-op threads alone**: small table fits with ``n_threads=1`` and 2.

    python benchmarks/bench_threads.py

Writes docs/results/threads.json and docs/threads.md.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import torch
from _common import DOCS, timed, write_json
from joblib import Parallel, delayed
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sklearn_jepa import JEPATransformer

# one fit of each model kind with default settings but fewer epochs
SIDE_BY_SIDE = {
    "table MLP (digits, 64 features)": ("digits", "dict(max_iter=30)"),
    "image CNN (digits 8x8)": ("digits", "dict(input_shape=(8, 8), max_iter=2)"),
    "signal dilated convolutions (MNIST-1D)": (
        "mnist1d",
        "dict(input_shape=(40,), max_iter=1)",
    ),
}
_FIT = textwrap.dedent(
    """
    import json, time
    from sklearn.datasets import load_digits
    from sklearn_jepa import JEPATransformer
    from sklearn_jepa.datasets import load_mnist1d
    X = load_digits().data if {data!r} == "digits" else load_mnist1d()[0]
    jepa = JEPATransformer(random_state=0, n_threads={n_threads}, **{params})
    JEPATransformer(max_iter=1, n_threads=1).fit(X[:64])  # warm imports
    start = time.perf_counter()
    jepa.fit(X)
    print(json.dumps(time.perf_counter() - start))
    """
)


def torch_threads():
    return torch.get_num_threads()


def _fit_processes(data, params, n_threads, n_processes):
    """Wall time of one fit in each of ``n_processes`` processes started together."""
    code = _FIT.format(data=data, params=params, n_threads=n_threads)
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        for _ in range(n_processes)
    ]
    return [json.loads(p.communicate()[0]) for p in procs]


def side_by_side(repeats=2):
    """Median fit time alone and with a twin fitting at the same time."""
    results = {}
    policies = {"default (n_threads=None)": None, "n_threads=cores": os.cpu_count()}
    for name, (data, params) in SIDE_BY_SIDE.items():
        for policy, n_threads in policies.items():
            alone, pair = [], []
            for _ in range(repeats):
                alone += _fit_processes(data, params, n_threads, 1)
                pair += _fit_processes(data, params, n_threads, 2)
            results[f"{name}, {policy}"] = {
                "alone_s": float(np.median(alone)),
                "side_by_side_s": float(np.median(pair)),
                "ratio": float(np.median(pair) / np.median(alone)),
            }
            print(name, policy, results[f"{name}, {policy}"], flush=True)
    return results


def search(X, y, n_jobs):
    pipe = Pipeline(
        [
            ("jepa", JEPATransformer(16, max_iter=15, random_state=0)),
            ("clf", LogisticRegression(max_iter=1000)),
        ]
    )
    grid = {"jepa__learning_rate": [1e-3, 3e-3], "jepa__masking": [0.5, (0.3, 0.7)]}
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
                        max_iter=30,
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


def report(result):
    lines = [
        "# Threads: one fit alone vs two side by side",
        "",
        "Generated by `python benchmarks/bench_threads.py` on "
        f"{result['machine']['cpu_count']} cores "
        f"({result['machine']['date']}, torch {result['machine']['torch']}). "
        "Each fit is one process; *side by side* starts two identical fits "
        "at once. Medians of 2 repeats.",
        "",
        "| model | threads | alone (s) | side by side (s) | ratio |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key, row in result["side_by_side"].items():
        model, policy = key.rsplit(", ", 1)
        lines.append(
            f"| {model} | {policy} | {row['alone_s']:.1f} | "
            f"{row['side_by_side_s']:.1f} | **{row['ratio']:.2f}** |"
        )
    search = result
    lines += [
        "",
        f"GridSearchCV (4 candidates x 3 folds, digits): n_jobs=1 "
        f"{search['n_jobs_1_s']:.1f} s, n_jobs=2 {search['n_jobs_2_s']:.1f} s "
        f"(speed-up {search['speedup']:.2f}); torch threads in the loky "
        f"workers: {search['worker_torch_threads']}.",
        "",
    ]
    (DOCS / "threads.md").write_text("\n".join(lines))


def main():
    pairs = side_by_side()
    X, y = load_digits(return_X_y=True)
    worker_threads = Parallel(n_jobs=2)(delayed(torch_threads)() for _ in range(2))
    times = {1: [], 2: []}
    for _ in range(3):
        for n_jobs in (1, 2):
            times[n_jobs].append(timed(search, X, y, n_jobs)[1])
    t1, t2 = (float(np.median(times[n])) for n in (1, 2))
    result = {
        "side_by_side": pairs,
        "main_process_torch_threads": torch.get_num_threads(),
        "worker_torch_threads": worker_threads,
        "n_jobs_1_s": t1,
        "n_jobs_2_s": t2,
        "speedup": t1 / t2,
        "all_times": times,
        "intra_op_threads": intra_op_threads(),
    }
    print(result)
    path = write_json("threads", result)
    report(json.loads(path.read_text()))


if __name__ == "__main__":
    main()
