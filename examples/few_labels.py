"""Few labels, many unlabeled rows: JEPA vs raw values vs PCA (vs UMAP, MiniRocket).

Every representation is fit on all training rows *without* their labels; a
logistic regression then sees 10 labels per class (three draws) or all of
them. Fit times are printed beside the accuracies. Run::

    pip install -e ".[demo]"
    python examples/few_labels.py              # MNIST-1D signals (the demo)
    python examples/few_labels.py digits       # 8x8 digit images
    python examples/few_labels.py breast_cancer

MNIST-1D (Greydanus, 2020) is generated on the spot by the ``mnist1d``
package: 4,000 training and 1,000 test signals of length 40, ten digit
shapes shifted, scaled, sheared and drowned in noise. Shift-tolerant features
are what a JEPA learns by predicting hidden spans of a signal from the rest,
and what raw values and PCA lack. About 30 s on 2 CPU cores, most of it the
JEPA fit and numba compiling MiniRocket. On the small sklearn sets JEPA is
roughly level with raw features: the script prints what it measures on your
machine. With aeon installed,
signals also get a MiniRocket row (random convolutions, the usual
time-series baseline; the ``demo`` extra installs aeon) and a line that says
where each wins.
"""

import sys
import time

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from sklearn_jepa import JEPATransformer
from sklearn_jepa.datasets import few_label_accuracy, load_mnist1d


def load(name):
    """Train/test split and the JEPA parameters that say what a row is."""
    if name == "mnist1d":
        return (*load_mnist1d(), {"input_shape": (40,)})
    if name == "digits":
        X, y = load_digits(return_X_y=True)
        shape = {"input_shape": (8, 8)}
    elif name == "breast_cancer":
        X, y = load_breast_cancer(return_X_y=True)
        shape = {}
    else:
        raise SystemExit(f"unknown data set {name!r}: mnist1d, digits, breast_cancer")
    split = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    return (*split, shape)


def representations(jepa_params, n_features):
    k = min(16, n_features)
    models = {
        "raw values": None,
        f"PCA({k})": PCA(n_components=k, random_state=0),
        "JEPA (defaults)": JEPATransformer(random_state=0, **jepa_params),
    }
    try:
        from umap import UMAP
    except ImportError:
        print("(umap-learn is not installed: no UMAP row)")
    else:
        models[f"UMAP({k})"] = UMAP(n_components=k, random_state=0)
    if len(jepa_params.get("input_shape", ())) == 1:  # series: MiniRocket too
        try:
            from aeon.transformations.collection.convolution_based import MiniRocket
        except ImportError:
            print("(aeon is not installed: no MiniRocket row)")
        else:
            # numba compiles it on first use (10-20 s): done here, not timed
            start = time.perf_counter()
            warm_up = np.random.default_rng(0).normal(size=(10, 1, 64))
            MiniRocket(random_state=0, n_jobs=1).fit(warm_up).transform(warm_up)
            compiled = time.perf_counter() - start
            print(
                f"(numba compiled MiniRocket in {compiled:.0f} s; not in its fit time)"
            )
            models["MiniRocket"] = _Univariate(MiniRocket(random_state=0, n_jobs=1))
    return models


class _Univariate:
    """Rows as aeon's (n_cases, 1, n_timepoints) for an aeon transformer."""

    def __init__(self, transformer):
        self.transformer = transformer

    def fit_transform(self, X):
        return self.transformer.fit_transform(X[:, None, :])

    def transform(self, X):
        return self.transformer.transform(X[:, None, :])


def main(name="mnist1d"):
    X_train, X_test, y_train, y_test, jepa_params = load(name)
    print(
        f"{name}: {len(X_train)} unlabeled training rows of {X_train.shape[1]} values"
    )
    header = ("representation", "fit s", "10 labels/class", "all labels")
    print("{:<18} {:>6} {:>16} {:>11}".format(*header))
    results = {}
    for label, model in representations(jepa_params, X_train.shape[1]).items():
        start = time.perf_counter()
        if model is None:
            Z_train, Z_test = X_train, X_test
        else:
            Z_train = model.fit_transform(X_train)
            Z_test = model.transform(X_test)
        elapsed = time.perf_counter() - start
        few = np.mean(
            [
                few_label_accuracy(Z_train, y_train, Z_test, y_test, 10, random_state=s)
                for s in range(3)
            ]
        )
        full = few_label_accuracy(Z_train, y_train, Z_test, y_test, None)
        print(f"{label:<18} {elapsed:6.1f} {100 * few:16.1f} {100 * full:11.1f}")
        results[label] = (elapsed, 100 * few, 100 * full)
    if "MiniRocket" in results:
        print(_verdict(results["JEPA (defaults)"], results["MiniRocket"]))


def _verdict(jepa, rocket):
    """Where each wins, in words, from the measured rows."""
    (jepa_s, jepa_few, jepa_all), (rocket_s, rocket_few, rocket_all) = jepa, rocket

    def lead(a, b):
        return f"JEPA {a - b:+.1f} points" if a >= b else f"MiniRocket {b - a:+.1f}"

    return (
        f"JEPA against MiniRocket: {lead(jepa_few, rocket_few)} with 10 labels per "
        f"class, {lead(jepa_all, rocket_all)} with all labels; MiniRocket fits in "
        f"{rocket_s:.1f} s, JEPA in {jepa_s:.1f} s. JEPA pays where many unlabeled "
        "series meet few labels; on small labeled archive sets MiniRocket is ahead "
        "(docs/timeseries.md)."
    )


if __name__ == "__main__":
    main(*sys.argv[1:2])
