"""What a deep-learning user would do instead: the same network trained on the
labels alone, against JEPA's frozen features and ``JEPAClassifier``'s
fine-tuning (MNIST-1D 10,000 series; Fashion-MNIST 20,000 images).

Side by side in one run per pool, one thread, the same label draws for every
row (``sklearn_jepa.datasets.few_label_indices``, 10 draws per label count):

- **JEPA defaults, frozen**: the default ``JEPATransformer`` fitted on the
  whole unlabeled pool, a logistic-regression probe on the labeled rows;
- **untrained twin, frozen**: the same network at its initialisation
  (``max_iter=1, learning_rate=1e-12``);
- **the field's free features**, the same probe: MiniRocket (aeon) for
  series, a random CNN (``_random_cnn.py``) for images;
- **same network, labels only**: ``JEPAClassifier(twin, prefit=True)``: the
  twin's encoder (JEPA's network at its random start) with a linear head on
  its mean- and max-pooled output, trained end to end on the labeled rows
  only with ``JEPAClassifier``'s recipe (AdamW 1e-3, weight decay 0.05,
  one-cycle, cross-entropy, batches of 32, max(600 steps, 30 passes));
- **fine-tuned from JEPA**: ``JEPAClassifier(jepa, prefit=True)``, the same
  recipe from the JEPA-trained encoder, what ``JEPAClassifier`` does.

    python benchmarks/bench_supervised.py                 # both pools, ~1 h
    python benchmarks/bench_supervised.py --pool mnist1d  # ~15 min
    python benchmarks/bench_supervised.py --quick         # 3 draws

Writes docs/results/supervised.json and docs/supervised.md.
"""

import json
import time

import numpy as np
import torch
from _common import RESULTS, argument_parser, write_json, write_page
from _random_cnn import RandomCNN
from _real_data import fashion_mnist
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_jepa import JEPAClassifier, JEPATransformer
from sklearn_jepa.datasets import few_label_indices

PER_CLASS = [10, 100]
DRAWS = 10
UNTRAINED = dict(max_iter=1, learning_rate=1e-12)
POOLS = {
    "mnist1d": "MNIST-1D, 10,000 unlabeled",
    "fashion": "Fashion-MNIST, 20,000 unlabeled",
}
FREE = {"mnist1d": "MiniRocket", "fashion": "random CNN"}


def load(pool):
    """``X_train, X_test, y_train, y_test, jepa_params`` of a pool."""
    if pool == "mnist1d":
        from bench_timeseries import POOL
        from bench_timeseries import load as load_series

        return (*load_series(POOL), {})
    X, y = fashion_mnist("train")
    X_test, y_test = fashion_mnist("test")
    keep = np.random.RandomState(0).permutation(len(X))[:20_000]
    return X[keep], X_test, y[keep], y_test, {"input_shape": (28, 28)}


def free_features(pool, params):
    if pool == "mnist1d":
        from bench_timeseries import _rocket

        return _rocket("MiniRocket", 0)
    return RandomCNN(params["input_shape"], random_state=0)


def probe_accuracy(Z_train, y_train, Z_test, y_test, rows):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    return float(model.fit(Z_train[rows], y_train[rows]).score(Z_test, y_test))


def _report_line(pool, name, per_class, scores):
    print(
        f"{pool:8s} {name:32s} {per_class:4d}/class {100 * np.mean(scores):5.1f}",
        flush=True,
    )


def run_pool(pool, draws):
    X_train, X_test, y_train, y_test, params = load(pool)
    frozen = {
        "JEPA defaults, frozen": lambda: JEPATransformer(random_state=0, **params),
        "untrained twin, frozen": lambda: JEPATransformer(
            random_state=0, **params, **UNTRAINED
        ),
        FREE[pool]: lambda: free_features(pool, params),
    }
    results, fit_s, features, fitted = {}, {}, {}, {}
    for name, make in frozen.items():
        start = time.perf_counter()
        model = make().fit(X_train)
        fit_s[name] = time.perf_counter() - start
        features[name] = (
            np.asarray(model.transform(X_train)),
            np.asarray(model.transform(X_test)),
        )
        fitted[name] = model
    tuned = {
        "same network, labels only": fitted["untrained twin, frozen"],
        "fine-tuned from JEPA (JEPAClassifier)": fitted["JEPA defaults, frozen"],
    }
    for per_class in PER_CLASS:
        draws_rows = [
            few_label_indices(y_train, per_class, random_state=d) for d in range(draws)
        ]
        for name, (Z_train, Z_test) in features.items():
            scores = [
                probe_accuracy(Z_train, y_train, Z_test, y_test, r) for r in draws_rows
            ]
            results.setdefault(name, {})[per_class] = scores
            _report_line(pool, name, per_class, scores)
        for name, jepa in tuned.items():
            start, scores = time.perf_counter(), []
            for d, rows in enumerate(draws_rows):
                model = JEPAClassifier(jepa, prefit=True, random_state=d)
                model.fit(X_train[rows], y_train[rows])
                scores.append(float(model.score(X_test, y_test)))
            elapsed = (time.perf_counter() - start) / draws
            fit_s.setdefault(name, {})[per_class] = elapsed
            results.setdefault(name, {})[per_class] = scores
            _report_line(pool, name, per_class, scores)
    return {"title": POOLS[pool], "results": results, "fit_s": fit_s}


def _cell(scores):
    return f"{100 * np.mean(scores):.1f} ± {100 * np.std(scores):.1f}"


def pool_section(entry):
    results, fit = entry["results"], entry["fit_s"]
    lines = [
        f"## {entry['title']}",
        "",
        "| labels per class | " + " | ".join(results) + " |",
        "|" + "---|" * (len(results) + 1),
    ]
    for per_class in PER_CLASS:
        cells = [str(per_class)] + [
            _cell(row[str(per_class)] if str(per_class) in row else row[per_class])
            for row in results.values()
        ]
        lines.append("| " + " | ".join(cells) + " |")
    frozen = [f"{k} {v:.1f} s" for k, v in fit.items() if not isinstance(v, dict)]
    tuned = [
        f"{name}: "
        + ", ".join(
            f"{v:.1f} s with {k} labels per class" for k, v in fit[name].items()
        )
        for name, value in fit.items()
        if isinstance(value, dict)
    ]
    lines += [
        "",
        "Fit times: "
        + ", ".join(frozen)
        + "; per draw, training on the labels (and predicting the test set): "
        + "; ".join(tuned)
        + ".",
        "",
    ]
    return lines


def report(payload):
    machine = payload["machine"]
    lines = [
        "# The same network trained on the labels alone, against frozen JEPA",
        "",
        f"Generated by `benchmarks/bench_supervised.py` ({machine['date']}, "
        f"{machine['processor']}, {machine['cpu_count']} cores, torch "
        f"{machine['torch']}, one thread); raw numbers in "
        "`docs/results/supervised.json`. Accuracy in % on the test split (mean "
        f"± std over {payload['draws']} label draws, the same draws for every "
        "row). Frozen rows: a logistic-regression probe on standardised "
        "features. *Same network, labels only*: JEPA's network at its random "
        "start (the untrained twin's) with a linear head on its mean- and "
        "max-pooled output, trained end to end on the labeled rows only with "
        "`JEPAClassifier`'s recipe (AdamW 1e-3, weight decay 0.05, one-cycle, "
        "cross-entropy, batches of 32, max(600 steps, 30 passes)). *Fine-tuned "
        "from JEPA*: the same recipe from the JEPA-trained encoder, which is "
        "what `JEPAClassifier` does; see the script's docstring.",
        "",
    ]
    for entry in payload["pools"].values():
        lines += pool_section(entry)
    write_page("supervised", lines)


def main():
    parser = argument_parser(__doc__, "supervised")
    parser.add_argument("--pool", choices=sorted(POOLS), action="append")
    args = parser.parse_args()
    path = RESULTS / "supervised.json"
    if args.report_only:
        report(json.loads(path.read_text()))
        return
    draws = 3 if args.quick else DRAWS
    done = json.loads(path.read_text()) if path.exists() else {}
    pools = dict(done.get("pools", {})) if done.get("draws") == draws else {}
    torch.set_num_threads(1)
    with threadpool_limits(1):
        for pool in args.pool or sorted(POOLS, reverse=True):
            pools[pool] = run_pool(pool, draws)
            # each pool is written as it ends: a later pool may be rerun alone
            payload = {"draws": draws, "pools": pools}
            report(json.loads(write_json("supervised", payload).read_text()))


if __name__ == "__main__":
    main()
