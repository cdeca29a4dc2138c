"""Quality of the representations with few labels, side by side.

Every representation is fit on all unlabeled training rows of a split; a
logistic regression (on standardised embeddings) then sees ``k`` labels per
class. Three seeds (split, label draw and representation seed), mean and std.

    python benchmarks/bench_quality.py            # full run, about 25 min on 2 cores
    python benchmarks/bench_quality.py --quick    # one seed, fewer data sets

Writes docs/results/quality.json, docs/quality.md and docs/accuracy_vs_labels.png.
"""

import json
import warnings

import numpy as np
from _common import (
    DOCS,
    RESULTS,
    accuracy_axes,
    argument_parser,
    fmt,
    panels,
    probe,
    save_panels,
    timed,
    write_json,
)
from _random_cnn import RandomCNN
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.decomposition import PCA
from sklearn.kernel_approximation import RBFSampler
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sklearn_jepa import JEPATransformer
from sklearn_jepa.datasets import load_mnist1d, make_structure_noise

K = 16
# Longer or tuned training than the default budget (docs/benchmarks.md).
TUNED = {
    # 0.4's tuned ViT over pixel tokens, beside the CNN default
    "digits (8x8 image)": dict(
        encoder="transformer", encoder_params={"patch_size": 1}, max_iter=10
    ),
    "MNIST-1D": dict(max_iter=30),
}
# What training adds: the same network at its random initialisation (one
# epoch at a vanishing learning rate leaves the weights where they start).
UNTRAINED = dict(max_iter=1, learning_rate=1e-12)
# The whole embedding of pixel tokens (n_components=None, patch 1). Two
# controls: its untrained twin and random RBF features of the same size
# (the embedding, or its width?).
FULL = {
    "digits (8x8 image)": dict(
        encoder="transformer", encoder_params={"patch_size": 1}, max_iter=10
    )
}
FULL_CONTROLS = ("digits (8x8 image)",)
N_RBF = 4096
LABELS_PER_CLASS = [1, 2, 5, 10, 50, None]  # None: all labels
CURVE_DATASETS = ("digits (8x8 image)", "MNIST-1D")


def load(name, seed):
    """Train/test split of a data set, plus JEPA settings suited to its kind."""
    if name == "MNIST-1D":
        X_train, X_test, y_train, y_test = load_mnist1d()
        return X_train, X_test, y_train, y_test, dict(input_shape=(40,))
    if name == "structure+noise":
        X, y, _ = make_structure_noise(3000, random_state=seed)
        return X[:2000], X[2000:], y[:2000], y[2000:], {}
    loaders = {
        "digits (table)": load_digits,
        "digits (8x8 image)": load_digits,
        "breast_cancer": load_breast_cancer,
        "wine": load_wine,
    }
    X, y = loaders[name](return_X_y=True)
    split = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    jepa = dict(input_shape=(8, 8)) if name == "digits (8x8 image)" else {}
    return (*split, jepa)


def representations(name, jepa_params, seed, n_features):
    """The models compared on one data set, at ``K`` components or fewer."""
    k = min(K, n_features)
    models = {
        "raw": make_pipeline(StandardScaler()),
        f"PCA{K}": PCA(k, random_state=seed),
        f"std+PCA{K}": make_pipeline(StandardScaler(), PCA(k, random_state=seed)),
        f"RBM{K}": make_pipeline(
            MinMaxScaler(),
            BernoulliRBM(k, learning_rate=0.05, n_iter=20, random_state=seed),
        ),
        # the defaults: whole embedding, training budget that follows the data
        "JEPA defaults": JEPATransformer(random_state=seed, **jepa_params),
        f"JEPA{K}": JEPATransformer(k, random_state=seed, **jepa_params),
    }
    if jepa_params.get("input_shape") and len(jepa_params["input_shape"]) >= 2:
        # images: the field's random features
        models["random CNN"] = RandomCNN(jepa_params["input_shape"], random_state=seed)
    if jepa_params.get("input_shape"):
        # images and signals: the default's twin (the signal one starts from
        # MiniRocket's kernels, docs/timeseries.md)
        models["JEPA defaults untrained"] = JEPATransformer(
            random_state=seed, **jepa_params, **UNTRAINED
        )
    if name in TUNED:
        models[f"JEPA{K} tuned"] = JEPATransformer(
            k, random_state=seed, **jepa_params, **TUNED[name]
        )
    if name in CURVE_DATASETS:
        # untrained twin of the best JEPA configuration
        models[f"JEPA{K} untrained"] = JEPATransformer(
            k, random_state=seed, **jepa_params, **{**TUNED.get(name, {}), **UNTRAINED}
        )
    if name in FULL:
        models["JEPA full patch 1"] = JEPATransformer(
            None, random_state=seed, **jepa_params, **FULL[name]
        )
    if name in FULL_CONTROLS:
        models["JEPA full patch 1 untrained"] = JEPATransformer(
            None, random_state=seed, **jepa_params, **{**FULL[name], **UNTRAINED}
        )
        models[f"RBF{N_RBF}"] = make_pipeline(
            StandardScaler(),
            RBFSampler(gamma=1 / n_features, n_components=N_RBF, random_state=seed),
        )
    try:
        from umap import UMAP

        models[f"UMAP{K}"] = make_pipeline(
            StandardScaler(), UMAP(n_components=k, random_state=seed)
        )
    except ImportError:
        warnings.warn("umap-learn is not installed: UMAP is left out", stacklevel=1)
    if name in ("breast_cancer", "wine"):
        models["JEPA+raw"] = FeatureUnion(
            [
                ("jepa", JEPATransformer(random_state=seed)),
                ("raw", StandardScaler()),
            ]
        )
    return models


def run_dataset(name, seeds, only=None):
    rows = {}
    for seed in seeds:
        X_train, X_test, y_train, y_test, jepa_params = load(name, seed)
        budgets = LABELS_PER_CLASS if name in CURVE_DATASETS else [10, None]
        budgets = [b for b in budgets if b is None or b <= np.bincount(y_train).min()]
        models = representations(name, jepa_params, seed, X_train.shape[1])
        if only:
            models = {key: m for key, m in models.items() if key in only}
        for model_name, model in models.items():
            Z_train, fit_s = timed(model.fit_transform, X_train)
            Z_test = model.transform(X_test)
            row = rows.setdefault(model_name, {"fit_s": [], "acc": {}})
            row["fit_s"].append(fit_s)
            for per_class in budgets:
                acc = probe(Z_train, y_train, Z_test, y_test, per_class, seed)
                row["acc"].setdefault(str(per_class or "all"), []).append(acc)
            print(
                f"{name:>20} seed {seed} {model_name:>12}: fit {fit_s:6.1f}s "
                f"10/cls {100 * row['acc']['10'][-1]:.1f}",
                flush=True,
            )
        if name == "structure+noise" and not only:
            X, y, cols = make_structure_noise(3000, random_state=seed)
            oracle = rows.setdefault(
                "oracle (structure columns)", {"fit_s": [], "acc": {}}
            )
            for per_class in budgets:
                acc = probe(
                    X[:2000, cols], y[:2000], X[2000:, cols], y[2000:], per_class, seed
                )
                oracle["acc"].setdefault(str(per_class or "all"), []).append(acc)
    return rows


def summarise(results):
    lines = []
    for name, rows in results.items():
        lines += [
            f"### {name}",
            "",
            "| representation | 10 labels/class | all labels | fit time (s) |",
            "| --- | --- | --- | --- |",
        ]
        for model_name, row in rows.items():
            few, full = row["acc"].get("10", []), row["acc"].get("all", [])
            fit = f"{np.median(row['fit_s']):.1f}" if row["fit_s"] else "-"
            lines.append(
                f"| {model_name} | {fmt(np.mean(few), np.std(few))} | "
                f"{fmt(np.mean(full), np.std(full))} | {fit} |"
            )
        lines.append("")
    return "\n".join(lines)


def plot(results, path):
    names = [n for n in CURVE_DATASETS if n in results]
    if not names:
        return
    fig, axes = panels(len(names))
    for ax, name in zip(axes, names, strict=True):
        for model_name, row in results[name].items():
            keys = [k for k in map(str, LABELS_PER_CLASS) if k != "None"] + ["all"]
            keys = [k for k in keys if k in row["acc"]]
            xs = [int(k) if k != "all" else 400 for k in keys]
            ys = [100 * np.mean(row["acc"][k]) for k in keys]
            ax.plot(xs, ys, marker="o", label=model_name)
        accuracy_axes(ax, "labels per class ('all' drawn at 400)", name)
    save_panels(fig, axes, path)


def main():
    parser = argument_parser(__doc__, "quality")
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument(
        "--only",
        nargs="*",
        help="rerun only these representations (e.g. 'JEPA defaults') and keep "
        "the other rows of docs/results/quality.json",
    )
    args = parser.parse_args()
    # fast data sets first; results are saved after each one
    names = args.datasets or [
        "wine",
        "breast_cancer",
        "structure+noise",
        "digits (table)",
        "digits (8x8 image)",
        "MNIST-1D",
    ]
    seeds = [0] if args.quick else [0, 1, 2]
    results = {}
    previous = RESULTS / "quality.json"
    if (args.datasets or args.only or args.report_only) and previous.exists():
        # a partial run updates the data sets it ran and keeps the others
        results = json.loads(previous.read_text())["results"]
    for name in [] if args.report_only else names:
        rows = run_dataset(name, seeds, args.only)
        results[name] = {**results.get(name, {}), **rows} if args.only else rows
        write_json("quality", {"seeds": seeds, "n_components": K, "results": results})
    table = summarise(results)
    (DOCS / "quality.md").write_text(
        "# Quality with few labels\n\nGenerated by `python benchmarks/bench_quality.py`"
        f" (seeds {seeds}; mean ± std over seeds; {K} components, or the number of"
        " features when smaller: 13 for wine).\n\n" + table
    )
    plot(results, DOCS / "accuracy_vs_labels.png")
    print(table)


if __name__ == "__main__":
    main()
