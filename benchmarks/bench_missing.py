"""Missing values as hidden features: JEPA on incomplete rows against imputation.

Values are removed from the training and the test rows alike: completely at
random (MCAR, 10 / 30 / 50 % of the values) and, once, not at random (MNAR:
each value above its feature's 75th percentile is removed with probability
0.6, so large values go missing). No row loses every value.

Representations, fit on the incomplete unlabeled training rows:

- JEPA with its defaults, NaN read as hidden features (never a context
  value, never a target);
- mean imputation, then PCA (16 components) and the raw imputed values;
- iterative imputation (``IterativeImputer``), then PCA (16 components);

each probed by a logistic regression on 10 labels per class (3 label draws)
and on all labels. ``HistGradientBoostingClassifier`` on the incomplete raw
values (it handles NaN natively, and sees only the labeled rows) is the
supervised reference.

    python benchmarks/bench_missing.py            # about 6 min on 2 cores
    python benchmarks/bench_missing.py --quick    # one data set, MCAR 30 %

Writes docs/results/missing.json and docs/missing.md.
"""

import json
import warnings

import numpy as np
from _common import DOCS, RESULTS, argument_parser, fmt, probe, timed, write_json
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_jepa import JEPATransformer
from sklearn_jepa.datasets import few_label_indices, make_structure_noise

K = 16
PER_CLASS = 10
DRAWS = (0, 1, 2)
PATTERNS = ["MCAR 10%", "MCAR 30%", "MCAR 50%", "MNAR (top quartile, p=0.6)"]
DATASETS = ["structure+noise", "breast_cancer", "digits (table)"]


def load(name):
    if name == "structure+noise":
        X, y, _ = make_structure_noise(3000, random_state=0)
        return X[:2000], X[2000:], y[:2000], y[2000:]
    loader = {"breast_cancer": load_breast_cancer, "digits (table)": load_digits}
    X, y = loader[name](return_X_y=True)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def remove_values(X, pattern, thresholds, rng):
    """A copy of ``X`` with values removed by ``pattern``; no row left empty."""
    X = X.astype(np.float64, copy=True)
    if pattern.startswith("MCAR"):
        rate = float(pattern.split()[1].rstrip("%")) / 100
        missing = rng.random_sample(X.shape) < rate
    else:
        missing = (X > thresholds) & (rng.random_sample(X.shape) < 0.6)
    empty = missing.all(axis=1)
    # keep one value of a row that would lose them all
    missing[empty, rng.randint(X.shape[1], size=empty.sum())] = False
    X[missing] = np.nan
    return X


def representations(n_features):
    k = min(K, n_features)
    return {
        "JEPA defaults (NaN as hidden)": lambda: JEPATransformer(random_state=0),
        "mean impute, raw": lambda: make_pipeline(SimpleImputer()),
        f"mean impute + PCA{k}": lambda: make_pipeline(
            SimpleImputer(), StandardScaler(), PCA(k, random_state=0)
        ),
        f"iterative impute + PCA{k}": lambda: make_pipeline(
            IterativeImputer(random_state=0, max_iter=10),
            StandardScaler(),
            PCA(k, random_state=0),
        ),
    }


def run(name, patterns):
    X_train, X_test, y_train, y_test = load(name)
    thresholds = np.percentile(X_train, 75, axis=0)
    results = {}
    for index, pattern in enumerate(patterns):
        rng = np.random.RandomState(index)
        Xm_train = remove_values(X_train, pattern, thresholds, rng)
        Xm_test = remove_values(X_test, pattern, thresholds, rng)
        rows = {"missing %": float(100 * np.isnan(Xm_train).mean())}
        for label, make in representations(X_train.shape[1]).items():
            model = make()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # IterativeImputer convergence
                _, seconds = timed(model.fit, Xm_train)
                Z_train, Z_test = model.transform(Xm_train), model.transform(Xm_test)
            few = [probe(Z_train, y_train, Z_test, y_test, PER_CLASS, d) for d in DRAWS]
            full = probe(Z_train, y_train, Z_test, y_test, None, 0)
            rows[label] = {"few": few, "all": full, "fit_s": seconds}
            print(
                f"{name:16s} {pattern:28s} {label:32s} "
                f"{100 * np.mean(few):5.1f} {100 * full:5.1f} {seconds:6.1f}s",
                flush=True,
            )
        few = []
        for d in DRAWS:
            idx = few_label_indices(y_train, PER_CLASS, random_state=d)
            hgb = HistGradientBoostingClassifier(random_state=0)
            few.append(hgb.fit(Xm_train[idx], y_train[idx]).score(Xm_test, y_test))
        hgb = HistGradientBoostingClassifier(random_state=0)
        full = hgb.fit(Xm_train, y_train).score(Xm_test, y_test)
        rows["HistGradientBoosting on raw (supervised)"] = {
            "few": few,
            "all": full,
            "fit_s": None,
        }
        results[pattern] = rows
    return results


def report(payload):
    lines = [
        "# Missing values: JEPA on incomplete rows against imputation",
        "",
        "Generated by `benchmarks/bench_missing.py` (JSON: "
        "`docs/results/missing.json`). Test accuracy in % of a logistic "
        f"regression on {PER_CLASS} labels per class (mean ± std over "
        f"{len(DRAWS)} label draws) and on all labels; fit time of the "
        "representation on the same machine in the same run. Values are "
        "removed from training and test rows alike; see the script's "
        "docstring for the patterns. Machine: "
        f"{payload['machine']['processor']}, {payload['machine']['cpu_count']} "
        f"cores, torch {payload['machine']['torch']}, one thread per fit.",
        "",
    ]
    for name, patterns in payload["results"].items():
        lines += [f"## {name}", ""]
        first = next(iter(patterns.values()))
        labels = [key for key in first if key != "missing %"]
        lines += [
            "| representation | " + " | ".join(patterns) + " |",
            "|---" * (len(patterns) + 1) + "|",
        ]
        for label in labels:
            cells = []
            for rows in patterns.values():
                row = rows[label]
                fit = "" if row["fit_s"] is None else f", {row['fit_s']:.1f} s"
                cells.append(
                    f"{fmt(np.mean(row['few']), np.std(row['few']))} "
                    f"({fmt(row['all'])}{fit})"
                )
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append(
            "| values missing (train) | "
            + " | ".join(f"{rows['missing %']:.0f} %" for rows in patterns.values())
            + " |"
        )
        lines.append("")
    lines += [
        "Cells: 10 labels per class, mean ± std (all labels, representation "
        "fit time). One representation seed per cell (random_state=0); the "
        "std is over label draws. HistGradientBoosting is trained on the "
        "labeled rows only; with its default `min_samples_leaf=20` it cannot "
        "split 20 labeled rows of two classes (breast_cancer) and predicts "
        "the majority class there.",
        "",
    ]
    path = DOCS / "missing.md"
    path.write_text("\n".join(lines))
    print(f"wrote {path.relative_to(DOCS.parent)}")


def main():
    parser = argument_parser(__doc__, "missing")
    args = parser.parse_args()
    if args.report_only:
        report(json.loads((RESULTS / "missing.json").read_text()))
        return
    datasets = DATASETS[:1] if args.quick else DATASETS
    patterns = ["MCAR 30%"] if args.quick else PATTERNS
    results = {name: run(name, patterns) for name in datasets}
    payload = {"per_class": PER_CLASS, "draws": list(DRAWS), "results": results}
    report(json.loads(write_json("missing", payload).read_text()))


if __name__ == "__main__":
    main()
