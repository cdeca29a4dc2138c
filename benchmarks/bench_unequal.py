"""Unequal-length series: JEPA on them as they are against resampling.

The unequal-length archive sets bundled in ``aeon`` (JapaneseVowels, 7-29
steps, 12 channels; PickupGestureWiimoteZ, 29-361 steps), archive
train/test split. Three ways in, side by side in one run:

- **as they are**: aeon's list of ``(n_channels, n_timepoints_i)`` arrays
  straight into ``JEPATransformer`` with ``input_shape=(n_channels,
  longest)`` (NaN after each series' end, read as its end: zero in every
  layer, not pooled);
- **resampled**: every series linearly interpolated to the longest length,
  the usual fix, for JEPA and for MiniRocket (which needs equal lengths);
- the untrained twin of each JEPA row.

Protocols: MiniRocket's ridge (``StandardScaler`` + ``RidgeClassifierCV``)
on all training labels, and logistic regression on 10 labels per class (3
draws; 5 on PickupGestureWiimoteZ, whose classes have 5 training series).
JEPA rows: 2 seeds. One thread per fit.

    python benchmarks/bench_unequal.py     # about 3 min on 2 cores

Writes docs/results/unequal.json and docs/unequal.md.
"""

import json
import time

import numpy as np
from _common import RESULTS, argument_parser, fmt, probe, write_json, write_page
from bench_timeseries import ridge_accuracy
from threadpoolctl import threadpool_limits

from sklearn_jepa import JEPATransformer

SETS = ["JapaneseVowels", "PickupGestureWiimoteZ"]
UNTRAINED = dict(max_iter=1, learning_rate=1e-12)


def load(name):
    from aeon.datasets import load_classification

    parts = [load_classification(name, split=s) for s in ("train", "test")]
    (X_train, y_train), (X_test, y_test) = parts
    as_list = [[np.asarray(x, dtype=np.float64) for x in X] for X in (X_train, X_test)]
    return as_list[0], as_list[1], np.asarray(y_train), np.asarray(y_test)


def resample(series, length):
    """Each ``(C, T_i)`` series linearly interpolated to ``length`` steps."""
    out = np.empty((len(series), series[0].shape[0], length))
    grid = np.linspace(0.0, 1.0, length)
    for i, x in enumerate(series):
        steps = np.linspace(0.0, 1.0, x.shape[1])
        for c in range(x.shape[0]):
            out[i, c] = np.interp(grid, steps, x[c])
    return out


def evaluate(make, seeds, X_train, X_test, y_train, y_test):
    ridge, few, fit_s = [], [], []
    for seed in seeds:
        model = make(seed)
        start = time.perf_counter()
        model.fit(X_train)
        fit_s.append(time.perf_counter() - start)
        Z_train, Z_test = model.transform(X_train), model.transform(X_test)
        ridge.append(ridge_accuracy(Z_train, y_train, Z_test, y_test))
        draws = range(3) if len(seeds) == 1 else [seed]
        # at most 10 labels per class, and no more than the smallest class has
        per_class = min(10, int(np.unique(y_train, return_counts=True)[1].min()))
        few += [probe(Z_train, y_train, Z_test, y_test, per_class, d) for d in draws]
    return {
        "ridge": [float(np.mean(ridge)), float(np.std(ridge))],
        "few": [float(np.mean(few)), float(np.std(few))],
        "fit_s": float(np.median(fit_s)),
    }


def run(name, seeds):
    from aeon.transformations.collection.convolution_based import MiniRocket

    X_train, X_test, y_train, y_test = load(name)
    lengths = [x.shape[1] for x in X_train + X_test]
    longest = max(lengths)
    R_train, R_test = resample(X_train, longest), resample(X_test, longest)
    rows = {}
    # test series can be longer than every training series: the length to
    # pad to is given, as a user gives it in cross-validation
    shape = dict(input_shape=(X_train[0].shape[0], longest))
    forms = {
        "JEPA, as they are": (X_train, X_test, shape),
        "JEPA untrained twin, as they are": (X_train, X_test, {**shape, **UNTRAINED}),
        "JEPA, resampled": (R_train, R_test, {}),
        "JEPA untrained twin, resampled": (R_train, R_test, UNTRAINED),
    }
    rows["MiniRocket, resampled"] = evaluate(
        lambda seed: MiniRocket(random_state=seed, n_jobs=1),
        [0],
        R_train,
        R_test,
        y_train,
        y_test,
    )
    for row, (A, B, params) in forms.items():
        rows[row] = evaluate(
            lambda seed, params=params: JEPATransformer(random_state=seed, **params),
            seeds,
            A,
            B,
            y_train,
            y_test,
        )
    for row, r in rows.items():
        print(
            f"{name:22s} {row:34s} ridge {100 * r['ridge'][0]:5.1f} "
            f"few {100 * r['few'][0]:5.1f} fit {r['fit_s']:.2f}s",
            flush=True,
        )
    info = {
        "n_train": len(X_train),
        "n_test": len(X_test),
        "n_channels": X_train[0].shape[0],
        "per_class": min(10, int(np.unique(y_train, return_counts=True)[1].min())),
        "lengths": [min(lengths), longest],
    }
    return {"info": info, "rows": rows}


def report(payload):
    lines = [
        "# Unequal-length series: as they are against resampling",
        "",
        "Generated by `benchmarks/bench_unequal.py` "
        f"({payload['machine']['date']}, {payload['machine']['cpu_count']} cores, "
        f"torch {payload['machine']['torch']}, one thread per fit); raw numbers in "
        "`docs/results/unequal.json`. Accuracy in % on the archive's test split, "
        "JEPA rows mean of 2 seeds (± std). *As they are*: aeon's list of "
        "unequal series passed to `JEPATransformer` unchanged; *resampled*: "
        "each series linearly interpolated to the longest length (MiniRocket "
        "needs equal lengths). (r): ridge on all labels; (f): logistic "
        "regression on few labels per class, 3 draws.",
        "",
    ]
    for name, result in payload["results"].items():
        info = result["info"]
        lines += [
            f"## {name} ({info['n_train']} training series, {info['n_channels']} "
            f"channels, {info['lengths'][0]}-{info['lengths'][1]} steps)",
            "",
            f"| row | (r) all labels | (f) {info['per_class']} per class | fit (s) |",
            "|---|---|---|---|",
        ]
        for row, r in result["rows"].items():
            lines.append(
                f"| {row} | {fmt(r['ridge'][0], r['ridge'][1] or None)} | "
                f"{fmt(r['few'][0], r['few'][1] or None)} | {r['fit_s']:.2f} |"
            )
        lines.append("")
    write_page("unequal", lines)


def main():
    args = argument_parser(__doc__, "unequal").parse_args()
    if args.report_only:
        report(json.loads((RESULTS / "unequal.json").read_text()))
        return
    seeds = [0] if args.quick else [0, 1]
    with threadpool_limits(1):
        results = {name: run(name, seeds) for name in SETS}
    report(json.loads(write_json("unequal", {"results": results}).read_text()))


if __name__ == "__main__":
    main()
