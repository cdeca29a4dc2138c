"""Time series: JEPA against raw series, PCA, UMAP, 1-NN (Euclidean, DTW).

UCR/UEA archive sets bundled in the ``aeon`` package (archive train/test
split, no download) and MNIST-1D. Two protocols side by side:

(a) TS2Vec's (Yue et al., AAAI 2022): an RBF SVC on the representation, C
    chosen by 5-fold cross-validation on all training labels (no search,
    the largest C, when a class has fewer than 5 examples or there are
    fewer than 50), as in the TS2Vec code but with C at most 1e4 (libsvm
    never finishes C = inf on non-separable data);
(b) ours: a logistic regression on standardised embeddings with 10 labels
    per class, 3 label draws.

The representations are fit on the unlabeled training series. JEPA rows use
3 seeds (protocol (b) pairs draw ``i`` with seed ``i``); PCA, UMAP and the
1-NN classifiers are deterministic or seeded once. 1-NN rows are
classifiers: (a) uses all training labels, (b) the same 10 labels per class.
ArrowHead and ACSF1 were not looked at while choosing the defaults.

    python benchmarks/bench_timeseries.py           # about 25 min on 2 cores
    python benchmarks/bench_timeseries.py --quick   # one seed, no DTW

Writes docs/results/timeseries.json and docs/timeseries.md. Needs
``pip install -e ".[benchmarks]"`` (aeon, umap-learn, mnist1d).
"""

import json
import warnings

import numpy as np
from _common import DOCS, RESULTS, argument_parser, fmt, probe, timed, write_json
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVC

from sklearn_jepa import JEPATransformer
from sklearn_jepa.datasets import few_label_indices, load_mnist1d

SETS = ["GunPoint", "OSULeaf", "ItalyPowerDemand", "BasicMotions", "JapaneseVowels"]
HELD_OUT = ["ArrowHead", "ACSF1"]  # not used while choosing the defaults
DATASETS = [*SETS, "MNIST-1D", *HELD_OUT]
K = 16
PER_CLASS = 10

# Published accuracies (%), TS2Vec protocol. Source: Yue et al., "TS2Vec:
# Towards Universal Representation of Time Series", AAAI 2022, full UCR/UEA
# result tables (1-NN DTW and T-Loss as reported there; T-Loss: Franceschi
# et al., NeurIPS 2019).
PUBLISHED = {
    "GunPoint": {"1-NN DTW": 90.7, "TS2Vec": 98.0, "T-Loss": 98.0},
    "OSULeaf": {"1-NN DTW": 59.1, "TS2Vec": 87.6, "T-Loss": 76.0},
    "ItalyPowerDemand": {"1-NN DTW": 95.0, "TS2Vec": 92.5, "T-Loss": 95.4},
    "BasicMotions": {"1-NN DTW": 97.5, "TS2Vec": 97.5, "T-Loss": 100.0},
    "JapaneseVowels": {"1-NN DTW": 94.9, "TS2Vec": 98.4, "T-Loss": 98.9},
}
# MNIST-1D, supervised models on all 4,000 labels (Greydanus, "Scaling down
# deep learning", 2020, and the mnist1d README): not comparable protocols,
# listed as the ceiling of the task.
MNIST1D_SUPERVISED = {"logistic regression": 32, "MLP": 68, "CNN": 94, "GRU": 91}

JEPA_ROWS = {
    "JEPA defaults": {},
    # what training adds: the same network at its random initialisation
    "JEPA untrained twin": dict(max_iter=1, learning_rate=1e-12),
    # the batch size of other data kinds: a quarter of the optimizer steps
    "JEPA, batch 128": dict(batch_size=128),
    "JEPA, batch 128, mean pooling": dict(batch_size=128, pooling="mean"),
    # the signal default of versions up to 0.1
    "JEPA patch transformer": dict(encoder="transformer"),
}


def load(name):
    """``X_train, X_test, y_train, y_test, input_shape`` (rows flattened)."""
    if name == "MNIST-1D":
        X_train, X_test, y_train, y_test = load_mnist1d()
        return X_train, X_test, y_train, y_test, (40,)
    from aeon.datasets import load_classification

    split = {}
    for part in ("train", "test"):
        # JapaneseVowels: the archive's equal-length version (the _eq files)
        X, y = load_classification(name, split=part, load_equal_length=True)
        split[part] = np.asarray(X, dtype=np.float64), np.asarray(y)
    (X_train, y_train), (X_test, y_test) = split["train"], split["test"]
    # aeon's (n_cases, n_channels, n_timepoints) -> one row per case
    shape = X_train.shape[1:] if X_train.shape[1] > 1 else X_train.shape[2:]
    return (
        X_train.reshape(len(X_train), -1),
        X_test.reshape(len(X_test), -1),
        y_train,
        y_test,
        tuple(shape),
    )


def svc_accuracy(Z_train, y_train, Z_test, y_test):
    """TS2Vec's evaluation: RBF SVC, C by 5-fold CV unless classes are tiny."""
    n_classes = len(np.unique(y_train))
    # TS2Vec's code also tries C=inf, which libsvm never finishes on data
    # that are not separable (seen here): C stops at 1e4, and max_iter bounds
    # the rest.
    svc = SVC(C=1e4, gamma="scale", max_iter=1_000_000)
    if len(y_train) // n_classes >= 5 and len(y_train) >= 50:
        grid = {"C": [10.0**k for k in range(-4, 5)]}
        svc = GridSearchCV(svc, grid, cv=5, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter
        return svc.fit(Z_train, y_train).score(Z_test, y_test)


def nn_classifier(distance, input_shape):
    if distance == "euclidean":
        return KNeighborsClassifier(n_neighbors=1)
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier

    return _Reshaped(
        KNeighborsTimeSeriesClassifier(distance="dtw", n_neighbors=1), input_shape
    )


class _Reshaped:
    """Rows back to aeon's (n_cases, n_channels, n_timepoints)."""

    def __init__(self, classifier, input_shape):
        self.classifier = classifier
        self.shape = input_shape if len(input_shape) == 2 else (1, *input_shape)

    def fit(self, X, y):
        self.classifier.fit(X.reshape(len(X), *self.shape), y)
        return self

    def score(self, X, y):
        return self.classifier.score(X.reshape(len(X), *self.shape), y)


def run_dataset(name, seeds, with_dtw, only=None):
    """Every row, or only the JEPA rows named in ``only``."""
    X_train, X_test, y_train, y_test, shape = load(name)
    rows = {}

    def add(row, svc, few, fit_s):
        rows[row] = {
            "svc": float(np.mean(svc)),
            "svc_std": float(np.std(svc)),
            "few": float(np.mean(few)),
            "few_std": float(np.std(few)),
            "fit_s": float(np.median(fit_s)) if fit_s else None,
        }
        print(
            f"{name:18s} {row:24s} svc {100 * rows[row]['svc']:5.1f} "
            f"few {100 * rows[row]['few']:5.1f} fit {rows[row]['fit_s']}",
            flush=True,
        )

    def representation(row, make, row_seeds):
        svc, few, fit_s = [], [], []
        for seed in row_seeds:
            model = make(seed)
            _, seconds = timed(model.fit, X_train)
            Z_train, Z_test = model.transform(X_train), model.transform(X_test)
            fit_s.append(seconds)
            svc.append(svc_accuracy(Z_train, y_train, Z_test, y_test))
            draws = seeds if len(row_seeds) == 1 else [seed]
            few += [
                probe(Z_train, y_train, Z_test, y_test, PER_CLASS, d) for d in draws
            ]
        add(row, svc, few, fit_s)

    def classifier(row, make):
        model, seconds = timed(make().fit, X_train, y_train)
        svc = model.score(X_test, y_test)
        few = []
        for seed in seeds:
            idx = few_label_indices(y_train, PER_CLASS, random_state=seed)
            few.append(make().fit(X_train[idx], y_train[idx]).score(X_test, y_test))
        add(row, [svc], few, [seconds])

    if only is None:
        representation("raw series", lambda seed: FunctionTransformer(), [0])
        k = min(K, X_train.shape[1], len(X_train))
        representation("PCA16", lambda seed: PCA(k, random_state=seed), [0])
        representation("UMAP16", lambda seed: _umap(k, seed), [0])
        classifier("1-NN Euclidean", lambda: nn_classifier("euclidean", shape))
        if with_dtw:
            classifier("1-NN DTW", lambda: nn_classifier("dtw", shape))
    for row, params in JEPA_ROWS.items():
        if only is not None and row not in only:
            continue
        representation(
            row,
            lambda seed, params=params: JEPATransformer(
                input_shape=shape, input_kind="signal", random_state=seed, **params
            ),
            seeds,
        )
    info = {"n_train": len(X_train), "n_test": len(X_test), "shape": list(shape)}
    return {"info": info, "rows": rows}


def _umap(k, seed):
    from umap import UMAP

    return UMAP(n_components=k, random_state=seed, n_jobs=1)


def report(payload):
    results = payload["results"]
    row_names = list(next(iter(results.values()))["rows"])
    lines = [
        "# Time series: JEPA on the UCR/UEA archive and MNIST-1D",
        "",
        "Generated by `benchmarks/bench_timeseries.py` "
        f"({payload['machine']['date']}, {payload['machine']['cpu_count']} cores, "
        f"torch {payload['machine']['torch']}); raw numbers in "
        "`docs/results/timeseries.json`. Accuracy in %, test split of the "
        "archive; JEPA rows: mean over 3 seeds (± std). Fit times in seconds "
        "(median), one thread, all rows in the same run.",
        "",
        "Protocol (a), TS2Vec's: RBF SVC on the representation, C by 5-fold CV "
        "on all training labels. Protocol (b), ours: logistic regression on 10 "
        "labels per class, 3 draws. 1-NN rows are classifiers on the same labels "
        "(their fit only stores the series; they pay at prediction).",
        "",
    ]
    if payload.get("note"):
        lines += [f"Note: {payload['note']}", ""]
    for protocol, key in (
        ("(a) TS2Vec protocol, all labels", "svc"),
        ("(b) 10 labels per class", "few"),
    ):
        lines += [f"## {protocol}", ""]
        header = ["data (n_train, shape)", *row_names]
        if key == "svc":
            header += [
                "1-NN DTW (published)",
                "TS2Vec (published)",
                "T-Loss (published)",
            ]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        means = {row: [] for row in row_names}
        for name, result in results.items():
            info = result["info"]
            cells = [f"{name} ({info['n_train']}, {'x'.join(map(str, info['shape']))})"]
            for row in row_names:
                r = result["rows"].get(row)
                cells.append(
                    fmt(r[key], r[f"{key}_std"] if r[f"{key}_std"] else None)
                    if r
                    else "-"
                )
                if name in SETS and r:
                    means[row].append(r[key])
            if key == "svc":
                published = PUBLISHED.get(name, {})
                cells += [
                    str(published.get(c, "-")) for c in ("1-NN DTW", "TS2Vec", "T-Loss")
                ]
            lines.append("| " + " | ".join(cells) + " |")
        cells = ["**mean of the five UCR/UEA sets**"]
        for row in row_names:
            values = means[row]
            cells.append(
                f"**{fmt(np.mean(values))}**" if len(values) == len(SETS) else "-"
            )
        if key == "svc":
            for column in ("1-NN DTW", "TS2Vec", "T-Loss"):
                cells.append(f"**{np.mean([PUBLISHED[s][column] for s in SETS]):.1f}**")
        lines += ["| " + " | ".join(cells) + " |", ""]
    lines += [
        "## Fit time (s)",
        "",
        "| data | " + " | ".join(row_names) + " |",
        "|" + "---|" * (len(row_names) + 1),
    ]
    for name, result in results.items():
        cells = [name]
        for row in row_names:
            r = result["rows"].get(row)
            cells.append("-" if not r or r["fit_s"] is None else f"{r['fit_s']:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "MNIST-1D, supervised models on all 4,000 labels (Greydanus 2020): "
        + ", ".join(f"{k} {v} %" for k, v in MNIST1D_SUPERVISED.items())
        + ".",
        "",
    ]
    path = DOCS / "timeseries.md"
    notes = DOCS / "timeseries_notes.md"
    if notes.exists():
        lines += [notes.read_text()]
    path.write_text("\n".join(lines))
    print(f"wrote {path.relative_to(DOCS.parent)}")


def main():
    parser = argument_parser(__doc__, "timeseries")
    parser.add_argument("--datasets", nargs="+", default=DATASETS)
    parser.add_argument(
        "--only",
        nargs="+",
        help="rerun only these JEPA rows and keep the others from the JSON",
    )
    args = parser.parse_args()
    if args.report_only:
        report(json.loads((RESULTS / "timeseries.json").read_text()))
        return
    seeds = [0] if args.quick else [0, 1, 2]
    results = {
        name: run_dataset(name, seeds, with_dtw=not args.quick, only=args.only)
        for name in args.datasets
    }
    if args.only:
        previous = json.loads((RESULTS / "timeseries.json").read_text())["results"]
        for name, result in results.items():
            kept = previous[name]["rows"]
            # keep the row order of the previous run
            result["rows"] = {
                row: result["rows"].get(row, values) for row, values in kept.items()
            }
        results = {**previous, **results}
    payload = {"seeds": seeds, "per_class": PER_CLASS, "results": results}
    report(json.loads(write_json("timeseries", payload).read_text()))


if __name__ == "__main__":
    main()
