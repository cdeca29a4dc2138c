"""Large real unlabeled pools: what JEPA training adds on images and tables.

The situation the package exists for: many unlabeled rows, few labels. Each
representation is fit on the unlabeled training split, then a linear probe
(``StandardScaler`` + ``LogisticRegression``) is fitted on 1, 5, 10 or 50
labeled rows per class (10 draws) and on 5,000 labeled rows (1 draw), and
scored on the test split: balanced accuracy on Adult (76 % one class; a
majority guess scores 50), accuracy on the balanced sets.

Rows, side by side in one run, one thread per fit:

- raw features, PCA (32 directions, at most half the features), UMAP (16
  dimensions; images only: on tables it is slower than the JEPA fit), and
  on images a random CNN (``_random_cnn.py``: three never-trained 3x3
  convolutional layers, each average-pooled over 2x2 regions), the field's
  random-feature anchor;
- HistGradientBoosting on raw features (tables; with the few labels alone,
  as a user with those labels would);
- JEPA defaults and the **untrained twin** (the same network and read-out
  at its random initialisation: ``max_iter=1, learning_rate=1e-12``), the
  twin fitted on the same rows, so the difference is what training adds.

Data (real, offline, shipped inside packages; see ``_real_data.py``):
Fashion-MNIST (pool 20,000 and all 60,000 training images; 10,000 test),
Adult (24,420 training rows, 108 columns after one-hot) and
LetterRecognition (15,000 training rows, 16 features), 75/25 stratified
splits, plus three more mlbench tables (Satellite, Shuttle, DNA), to check
that training never lowers a table.

    python benchmarks/bench_pools.py            # about 30 min on 2 cores
    python benchmarks/bench_pools.py --quick    # tables only, one seed

Writes docs/results/pools.json and docs/pools.md (followed by the study in
docs/pools_notes.md).
"""

import json
import time
import warnings

import numpy as np
from _common import RESULTS, argument_parser, write_json, write_page
from _random_cnn import RandomCNN
from _real_data import TABLES, fashion_mnist
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_jepa import JEPATransformer

CURVE = [1, 5, 10, 50]
MANY = 5000
# at 10 labels per class one draw moves a score by about 2 points
DRAWS = 10
UNTRAINED = dict(max_iter=1, learning_rate=1e-12)
MAIN = ["Fashion-MNIST (20,000)", "Fashion-MNIST (60,000)", "Adult", "Letter"]
CHECK = ["Satellite", "Shuttle", "DNA"]
IMBALANCED = {"Adult", "Shuttle", "DNA", "Satellite"}


def load(name):
    """``X_train, X_test, y_train, y_test, input_shape``."""
    if name.startswith("Fashion-MNIST"):
        X, y = fashion_mnist("train")
        X_test, y_test = fashion_mnist("test")
        if "20,000" in name:
            keep = np.random.RandomState(0).permutation(len(X))[:20_000]
            X, y = X[keep], y[keep]
        return X, X_test, y, y_test, (28, 28)
    X, y = TABLES[name.lower()]()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    return X_train, X_test, y_train, y_test, None


def score(name, y_true, y_pred):
    if name in IMBALANCED:
        return balanced_accuracy_score(y_true, y_pred)
    return accuracy_score(y_true, y_pred)


def labeled_rows(y, per_class, seed):
    """``per_class`` rows of each class (all of a smaller class), or ``MANY``
    stratified rows when ``per_class`` is None."""
    rng = np.random.RandomState(seed)
    if per_class is None:
        if len(y) <= MANY:
            return np.arange(len(y))
        rows, _ = train_test_split(
            np.arange(len(y)), train_size=MANY, random_state=seed, stratify=y
        )
        return rows
    rows = [
        rng.choice(np.flatnonzero(y == c), min(per_class, int((y == c).sum())), False)
        for c in np.unique(y)
    ]
    return np.concatenate(rows)


def probe_curve(name, Z_train, y_train, Z_test, y_test):
    """Linear-probe scores for each label budget (mean over draws)."""
    curve = {}
    for per_class in [*CURVE, None]:
        draws = 1 if per_class is None else DRAWS
        scores = []
        for seed in range(draws):
            rows = labeled_rows(y_train, per_class, seed)
            probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarning
                probe.fit(Z_train[rows], y_train[rows])
            scores.append(score(name, y_test, probe.predict(Z_test)))
        curve["many" if per_class is None else str(per_class)] = float(np.mean(scores))
    return curve


def boosting_curve(name, X_train, y_train, X_test, y_test):
    """HistGradientBoosting on raw features with the same labeled rows."""
    curve = {}
    for per_class in [*CURVE, None]:
        draws = 1 if per_class is None else DRAWS
        scores = []
        for seed in range(draws):
            rows = labeled_rows(y_train, per_class, seed)
            model = HistGradientBoostingClassifier(random_state=seed)
            model.fit(X_train[rows], y_train[rows])
            scores.append(score(name, y_test, model.predict(X_test)))
        curve["many" if per_class is None else str(per_class)] = float(np.mean(scores))
    return curve


def representations(X_train, shape, seed):
    """Name -> unfitted transformer of this data set's rows."""
    jepa = dict(input_shape=shape, random_state=seed, n_threads=1)
    models = {
        "JEPA defaults": JEPATransformer(**jepa),
        "untrained twin": JEPATransformer(**jepa, **UNTRAINED),
    }
    n_pca = min(32, X_train.shape[1] // 2)
    baselines = {
        "raw": FunctionTransformer(),
        f"PCA{n_pca}": PCA(n_pca, random_state=seed),
    }
    if shape is not None:
        import umap

        baselines["UMAP16"] = umap.UMAP(n_components=16, random_state=seed)
        baselines["random CNN"] = RandomCNN(shape, random_state=seed)
    return {**baselines, **models}


def run_dataset(name, seeds):
    X_train, X_test, y_train, y_test, shape = load(name)
    result = {
        "n_train": len(X_train),
        "n_features": X_train.shape[1],
        "metric": "balanced accuracy" if name in IMBALANCED else "accuracy",
        "rows": {},
    }
    print(f"{name}: {X_train.shape} train, {X_test.shape} test", flush=True)
    runs = {}
    for seed in seeds:
        for label, model in representations(X_train, shape, seed).items():
            if seed != seeds[0] and not label.startswith(("JEPA", "untrained")):
                continue
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                Z_train = model.fit_transform(X_train)
            fit = time.perf_counter() - start
            Z_test = model.transform(X_test)
            curve = probe_curve(name, Z_train, y_train, Z_test, y_test)
            extra = {}
            if isinstance(model, JEPATransformer):
                extra = {
                    "epochs": model.n_iter_,
                    "effective_rank": model.history_[-1].get("effective_rank"),
                }
            runs.setdefault(label, []).append(
                {"curve": curve, "fit_s": fit, "width": Z_train.shape[1], **extra}
            )
            print(f"  {label:>16} seed {seed}: {curve} fit {fit:.1f} s", flush=True)
    if shape is None:
        start = time.perf_counter()
        curve = boosting_curve(name, X_train, y_train, X_test, y_test)
        runs["HistGradientBoosting"] = [
            {"curve": curve, "fit_s": time.perf_counter() - start}
        ]
        print(f"  HistGradientBoosting: {curve}", flush=True)
    for label, seeds_runs in runs.items():
        result["rows"][label] = {
            "curve": {
                k: float(np.mean([r["curve"][k] for r in seeds_runs]))
                for k in seeds_runs[0]["curve"]
            },
            "fit_s": float(np.median([r["fit_s"] for r in seeds_runs])),
            "width": seeds_runs[0].get("width"),
            "epochs": seeds_runs[0].get("epochs"),
            "seeds": len(seeds_runs),
        }
    return result


def _pool_name(name, result):
    """``Adult (24,420)``; names that give their pool already stay as they are."""
    return name if "(" in name else f"{name} ({result['n_train']:,})"


def _cell(row, key):
    return "-" if row is None else f"{100 * row['curve'][key]:.1f}"


def report(payload):
    results = payload["results"]
    lines = [
        "# Large real pools: what JEPA training adds",
        "",
        "Generated by `benchmarks/bench_pools.py` "
        f"({payload['machine']['date']}, {payload['machine']['cpu_count']} "
        "cores, one thread per fit). Representations are fit on the "
        "unlabeled training split; a linear probe (StandardScaler + "
        f"LogisticRegression) is fitted on 10 labels per class ({DRAWS} "
        f"draws) / {MANY:,} labels (1 draw). Balanced accuracy on Adult "
        "(and the imbalanced check tables), accuracy elsewhere. The "
        "**untrained twin** is the same network and read-out at its random "
        "initialisation: the difference is what training adds. JEPA rows "
        f"average {len(payload['seeds'])} seed(s) on tables, one on images.",
        "",
        "| data (pool) | raw | PCA | UMAP16 | random CNN | "
        "HistGradientBoosting on raw | JEPA defaults | untrained twin | "
        "trained - twin | JEPA fit |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in MAIN:
        if name not in results:
            continue
        rows = results[name]["rows"]
        pca = next((v for k, v in rows.items() if k.startswith("PCA")), None)
        jepa, twin = rows["JEPA defaults"], rows["untrained twin"]
        cells = [
            f"{_cell(r, '10')} / {_cell(r, 'many')}" if r else "-"
            for r in (
                rows.get("raw"),
                pca,
                rows.get("UMAP16"),
                rows.get("random CNN"),
                rows.get("HistGradientBoosting"),
                jepa,
                twin,
            )
        ]
        gain = 100 * (jepa["curve"]["10"] - twin["curve"]["10"])
        lines.append(
            f"| {_pool_name(name, results[name])} | "
            + " | ".join(cells)
            + f" | {gain:+.1f} | {jepa['fit_s']:.0f} s ({jepa['epochs']} epochs) |"
        )
    lines += [
        "",
        "## Labels curve (10 labels per class in the table above)",
        "",
        "| data | row | 1 | 5 | 10 | 50 | 5,000 | fit (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in MAIN:
        if name not in results:
            continue
        for label, row in results[name]["rows"].items():
            cells = " | ".join(_cell(row, k) for k in [*map(str, CURVE), "many"])
            lines.append(f"| {name} | {label} | {cells} | {row['fit_s']:.1f} |")
    checked = [name for name in CHECK if name in results]
    if checked:
        lines += [
            "",
            "## More real tables: does training ever lower the twin?",
            "",
            "10 labels per class.",
            "",
            "| table (pool x features) | raw | HistGradientBoosting on raw | "
            "JEPA defaults | untrained twin | trained - twin | JEPA fit |",
            "|---|---|---|---|---|---|---|",
        ]
        for name in checked:
            result = results[name]
            rows = result["rows"]
            jepa, twin = rows["JEPA defaults"], rows["untrained twin"]
            gain = 100 * (jepa["curve"]["10"] - twin["curve"]["10"])
            lines.append(
                f"| {name} ({result['n_train']:,} x {result['n_features']}) | "
                f"{_cell(rows.get('raw'), '10')} | "
                f"{_cell(rows.get('HistGradientBoosting'), '10')} | "
                f"{_cell(jepa, '10')} | "
                f"{_cell(twin, '10')} | {gain:+.1f} | {jepa['fit_s']:.0f} s |"
            )
    lines.append("")
    write_page("pools", lines)


def main():
    parser = argument_parser(__doc__, "pools")
    parser.add_argument("--datasets", nargs="+", default=None)
    args = parser.parse_args()
    if args.report_only:
        report(json.loads((RESULTS / "pools.json").read_text()))
        return
    seeds = [0] if args.quick else [0, 1]
    tables = ["Adult", "Letter"]
    names = args.datasets or (tables if args.quick else [*MAIN, *CHECK])
    results = {}
    with threadpool_limits(1):
        for name in names:
            image = name.startswith("Fashion-MNIST")
            results[name] = run_dataset(name, [0] if image else seeds)
    if args.datasets:
        path = RESULTS / "pools.json"
        if path.exists():
            results = {**json.loads(path.read_text())["results"], **results}
    payload = {"seeds": seeds, "draws": DRAWS, "results": results}
    report(json.loads(write_json("pools", payload).read_text()))


if __name__ == "__main__":
    main()
