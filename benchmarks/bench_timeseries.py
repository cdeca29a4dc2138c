"""Time series: JEPA against MiniRocket, MultiRocket, raw series, PCA, UMAP.

UCR/UEA archive sets bundled in the ``aeon`` package (archive train/test
split, no download) and MNIST-1D (4,000 training series, and a large pool of
10,000). Every representation is fit on the unlabeled training series, then
three protocols, side by side in one run:

(r) MiniRocket's (Dempster et al., KDD 2021): ``StandardScaler`` +
    ``RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))`` on all training
    labels (the large pool: 2,000 labels, 200 per class);
(s) TS2Vec's (Yue et al., AAAI 2022): an RBF SVC, C by 5-fold CV (C at most
    1e4; no search with fewer than 5 examples per class or 50 in all);
    archive sets only (on MNIST-1D its 45 fits on 10,000-wide rows take
    longer than the rest of the run), and not for MultiRocket (libsvm on its
    49,728 unscaled features ran past 10 minutes on JapaneseVowels alone);
(f) few labels: logistic regression on standardised features with 10 labels
    per class, 10 draws (``sklearn_jepa.datasets.few_label_accuracy``; a JEPA
    row's 2 seeds take 5 each).

The JEPA rows: the defaults, the **untrained twin** (the same network at its
random initialisation, the same read-out with its biases fitted on the same
series: what training adds) and, as the control of the kernel bank, 0.4's
network without it (``encoder_params={"kernel_bank": 0}``) trained and
untrained. JEPA rows average 2
seeds; MiniRocket and MultiRocket are seeded once. Fit times are medians
(MiniRocket's numba compilation is paid before the timings). One thread per
fit everywhere.

The large pool also gets a few-label curve (1, 5, 10, 50 labels per class)
and transform throughput (series per second, test split).

    python benchmarks/bench_timeseries.py           # about 30 min on 2 cores
    python benchmarks/bench_timeseries.py --quick   # one seed, 3 sets
    python benchmarks/bench_timeseries.py --speed   # speed against MiniRocket

Writes docs/results/timeseries.json and docs/timeseries.md. Needs
``pip install -e ".[benchmarks]"`` (aeon, umap-learn, mnist1d).
"""

import functools
import json
import time
import warnings

import numpy as np
from _common import RESULTS, argument_parser, fmt, probe, write_json, write_page
from sklearn.decomposition import PCA
from sklearn.linear_model import RidgeClassifierCV
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from sklearn_jepa import JEPATransformer
from sklearn_jepa.datasets import few_label_indices, load_mnist1d

SETS = [
    "GunPoint",
    "OSULeaf",
    "ItalyPowerDemand",
    "BasicMotions",
    "JapaneseVowels",
    "ArrowHead",
    "ACSF1",
]
POOL = "MNIST-1D, 10,000 unlabeled"
DATASETS = [*SETS, "MNIST-1D", POOL]
QUICK = ["GunPoint", "OSULeaf", "ArrowHead"]
PER_CLASS = 10
CURVE = [1, 5, 10, 50]
POOL_LABELS = 200  # per class for the ridge protocol on the large pool

# Published accuracies (%), MiniRocket's ridge protocol on the archive split:
# Dempster et al., "MiniRocket", KDD 2021, result files of
# github.com/angus924/minirocket (UCR sets; mean of 30 resamples of its
# randomness is close to one seed).
PUBLISHED_MINIROCKET = {"GunPoint": 99.3, "OSULeaf": 95.9, "ArrowHead": 86.3}
# TS2Vec protocol (Yue et al., AAAI 2022, full UCR/UEA tables).
PUBLISHED_TS2VEC = {
    "GunPoint": 98.0,
    "OSULeaf": 87.6,
    "ItalyPowerDemand": 92.5,
    "BasicMotions": 97.5,
    "JapaneseVowels": 98.4,
}

UNTRAINED = dict(max_iter=1, learning_rate=1e-12)
NO_BANK = dict(encoder_params={"kernel_bank": 0})
JEPA_ROWS = {
    "JEPA defaults": {},
    "JEPA untrained twin": UNTRAINED,
    # the control: 0.4's encoder, the same network without the kernel bank
    "JEPA without kernel bank (0.4)": NO_BANK,
    "JEPA without kernel bank, untrained": dict(NO_BANK, **UNTRAINED),
}
DRAWS = 10  # label draws of the few-label protocol


def load(name):
    """``X_train, X_test, y_train, y_test`` as ``(n_cases, C, T)`` arrays."""
    if name in ("MNIST-1D", POOL):
        if name == POOL:
            X_train, X_test, y_train, y_test = _mnist1d_pool()
        else:
            X_train, X_test, y_train, y_test = load_mnist1d()
        return X_train[:, None, :], X_test[:, None, :], y_train, y_test
    from aeon.datasets import load_classification

    split = {}
    for part in ("train", "test"):
        # JapaneseVowels: the archive's equal-length version (the _eq files)
        X, y = load_classification(name, split=part, load_equal_length=True)
        split[part] = np.asarray(X, dtype=np.float64), np.asarray(y)
    (X_train, y_train), (X_test, y_test) = split["train"], split["test"]
    return X_train, X_test, y_train, y_test


def _mnist1d_pool():
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples = 12_000
    args.train_split = 10_000 / 12_000
    data = make_dataset(args)
    return data["x"], data["x_test"], data["y"], data["y_test"]


def ridge_accuracy(Z_train, y_train, Z_test, y_test):
    """MiniRocket's classifier: standardised features, ridge with CV alpha."""
    model = make_pipeline(
        StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))
    )
    return model.fit(Z_train, y_train).score(Z_test, y_test)


def svc_accuracy(Z_train, y_train, Z_test, y_test):
    """TS2Vec's evaluation: RBF SVC, C by 5-fold CV unless classes are tiny."""
    n_classes = len(np.unique(y_train))
    svc = SVC(C=1e4, gamma="scale", max_iter=1_000_000)
    if len(y_train) // n_classes >= 5 and len(y_train) >= 50:
        grid = {"C": [10.0**k for k in range(-4, 5)]}
        svc = GridSearchCV(svc, grid, cv=5, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter
        return svc.fit(Z_train, y_train).score(Z_test, y_test)


class _Flat:
    """A rows-only transformer applied to aeon's 3-D collections."""

    def __init__(self, transformer):
        self.transformer = transformer

    def fit(self, X):
        self.transformer.fit(X.reshape(len(X), -1))
        return self

    def transform(self, X):
        return self.transformer.transform(X.reshape(len(X), -1))


def _rocket(kind, seed):
    from aeon.transformations.collection.convolution_based import (
        MiniRocket,
        MultiRocket,
    )

    cls = MiniRocket if kind == "MiniRocket" else MultiRocket
    return cls(random_state=seed, n_jobs=1)


def _umap(k, seed):
    from umap import UMAP

    return _Flat(UMAP(n_components=k, random_state=seed, n_jobs=1))


def run_dataset(name, seeds, only=None):
    """Every row of one data set (or only the rows named in ``only``)."""
    X_train, X_test, y_train, y_test = load(name)
    pool = name == POOL
    rows = {}
    if pool:
        labeled = few_label_indices(y_train, POOL_LABELS, random_state=0)
    else:
        labeled = np.arange(len(y_train))

    def representation(row, make, row_seeds, svc=True):
        if only is not None and row not in only:
            return
        result = {"ridge": [], "svc": [], "few": [], "fit_s": [], "transform_s": []}
        if pool:
            result["curve"] = {k: [] for k in CURVE}
        for seed in row_seeds:
            model = make(seed)
            start = time.perf_counter()
            model.fit(X_train)
            result["fit_s"].append(time.perf_counter() - start)
            Z_train = np.asarray(model.transform(X_train))
            start = time.perf_counter()
            Z_test = np.asarray(model.transform(X_test))
            result["transform_s"].append(time.perf_counter() - start)
            result["width"] = Z_train.shape[1]
            result["ridge"].append(
                ridge_accuracy(Z_train[labeled], y_train[labeled], Z_test, y_test)
            )
            if name in SETS and svc:
                result["svc"].append(svc_accuracy(Z_train, y_train, Z_test, y_test))
            # DRAWS label draws per row: split over the seeds of a JEPA row
            draws = (
                range(DRAWS)
                if len(row_seeds) == 1
                else range(
                    seed * DRAWS // len(row_seeds), (seed + 1) * DRAWS // len(row_seeds)
                )
            )
            for per_class in CURVE if pool else [PER_CLASS]:
                scores = [
                    probe(Z_train, y_train, Z_test, y_test, per_class, d) for d in draws
                ]
                if per_class == PER_CLASS:
                    result["few"] += scores
                if pool:
                    result["curve"][per_class] += scores
        summary = {
            key: _mean_std(values)
            for key, values in result.items()
            if key in ("ridge", "svc", "few")
        }
        summary["fit_s"] = float(np.median(result["fit_s"]))
        summary["series_per_s"] = float(len(X_test) / np.median(result["transform_s"]))
        summary["width"] = result["width"]
        if pool:
            summary["curve"] = {k: _mean_std(v) for k, v in result["curve"].items()}
        rows[row] = summary
        print(
            f"{name:18s} {row:30s} ridge {_pct(summary['ridge'])} svc "
            f"{_pct(summary['svc'])} few {_pct(summary['few'])} "
            f"fit {summary['fit_s']:.2f}s width {summary['width']}",
            flush=True,
        )

    representation("raw series", lambda seed: _Flat(FunctionTransformer()), [0])
    if not pool:
        k = min(16, X_train[0].size, len(X_train))
        representation("PCA16", lambda seed: _Flat(PCA(k, random_state=seed)), [0])
        representation("UMAP16", lambda seed: _umap(k, seed), [0])
    representation("MiniRocket", lambda seed: _rocket("MiniRocket", seed), [0])
    if not pool:  # 50,000 features of 10,000 series: 4 GB
        # no SVC: libsvm on its 49,728 unscaled features ran past 10 minutes
        # on JapaneseVowels alone
        representation(
            "MultiRocket", lambda seed: _rocket("MultiRocket", seed), [0], svc=False
        )
    for row, params in JEPA_ROWS.items():
        representation(
            row,
            lambda seed, params=params: JEPATransformer(random_state=seed, **params),
            seeds,
        )
    info = {
        "n_train": len(X_train),
        "n_test": len(X_test),
        "shape": list(X_train.shape[1:]),
        "n_labeled_ridge": len(labeled),
    }
    return {"info": info, "rows": rows}


def _mean_std(values):
    if not values:
        return None
    return [float(np.mean(values)), float(np.std(values))]


def _pct(value):
    return "  -  " if value is None else f"{100 * value[0]:5.1f}"


def _warm_up_numba():
    """MiniRocket and MultiRocket compile once per process (about 10 s)."""
    X = np.random.default_rng(0).normal(size=(10, 1, 64))
    for kind in ("MiniRocket", "MultiRocket"):
        _rocket(kind, 0).fit(X).transform(X)


# -- speed against MiniRocket -------------------------------------------------

SPEED_REPEATS = 5


def speed(names):
    """Transform throughput on each archive set's test split, side by side in
    one process, one thread: MiniRocket (aeon), JEPA's whole read-out and its
    kernel bank alone (the fitted model's bank on the standardised series),
    medians over interleaved repeats; and the default fit's time (median of
    3). Which bank path ran is recorded (``compiled``: numba)."""
    import torch

    from sklearn_jepa.nn._ppv import numba_available

    out = {}
    torch.set_num_threads(1)  # the bank alone runs outside the estimator
    for name in names:
        X_train, X_test, _, _ = load(name)
        rocket = _rocket("MiniRocket", 0).fit(X_train)
        fits = []
        for seed in range(3):
            start = time.perf_counter()
            jepa = JEPATransformer(random_state=seed).fit(X_train)
            fits.append(time.perf_counter() - start)
        module = jepa._state.net.module_
        x_std = torch.from_numpy(
            jepa._state.standardize(X_test.reshape(len(X_test), -1))
        )
        bank_x, valid = next(module.bank_chunks([x_std]))
        runs = {
            "MiniRocket": functools.partial(rocket.transform, X_test),
            "JEPA (whole read-out)": functools.partial(jepa.transform, X_test),
            "JEPA bank alone": functools.partial(module.bank, bank_x, valid),
        }
        timings = _interleaved(runs)
        per_s = {k: len(X_test) / float(np.median(v)) for k, v in timings.items()}
        start = time.perf_counter()
        _rocket("MiniRocket", 0).fit(X_train)
        out[name] = {
            "shape": list(X_test.shape[1:]),
            "n_test": len(X_test),
            "series_per_s": per_s,
            "ratios": {
                k: per_s[k] / per_s["MiniRocket"] for k in per_s if k != "MiniRocket"
            },
            "jepa_fit_s": float(np.median(fits)),
            "minirocket_fit_s": time.perf_counter() - start,
            "compiled_bank": numba_available(),
        }
        print(name, out[name]["ratios"], f"fit {out[name]['jepa_fit_s']:.2f} s")
    return out


def _interleaved(runs):
    """Seconds of each run, ``SPEED_REPEATS`` times in turn, after a warm-up."""
    import torch

    timings = {key: [] for key in runs}
    with torch.no_grad():
        for run in runs.values():
            run()  # compiled code and caches warm
        for _ in range(SPEED_REPEATS):
            for key, run in runs.items():
                start = time.perf_counter()
                run()
                timings[key].append(time.perf_counter() - start)
    return timings


def speed_lines(payload):
    """The speed section of the page, from ``timeseries_speed.json``."""
    machine = payload["machine"]
    results = payload["results"]
    lines = [
        "## Speed against MiniRocket (one thread)",
        "",
        f"Measured by `benchmarks/bench_timeseries.py --speed` ({machine['date']}, "
        f"{machine['processor']}, {machine['cpu_count']} cores, torch "
        f"{machine['torch']}, one thread); raw numbers in "
        "`docs/results/timeseries_speed.json`. Transform of the test split, "
        f"series per second, median of {SPEED_REPEATS} interleaved repeats in one "
        "process; the ratio is to aeon's MiniRocket in the same run. The bank "
        "ran compiled (numba): "
        + ("yes" if all(r["compiled_bank"] for r in results.values()) else "no")
        + ". Fit: the default `JEPATransformer` on the training split, median "
        "of 3 seeds.",
        "",
        "| data (test, shape) | MiniRocket (series/s) | JEPA whole read-out | "
        "JEPA kernel bank alone | JEPA default fit | MiniRocket fit |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        per_s, ratio = r["series_per_s"], r["ratios"]
        shape = "x".join(map(str, r["shape"]))
        lines.append(
            f"| {name} ({r['n_test']}, {shape}) | {per_s['MiniRocket']:,.0f} | "
            f"{per_s['JEPA (whole read-out)']:,.0f} "
            f"(**{ratio['JEPA (whole read-out)']:.2f}x**) | "
            f"{per_s['JEPA bank alone']:,.0f} (**{ratio['JEPA bank alone']:.2f}x**) | "
            f"{r['jepa_fit_s']:.2f} s | {r['minirocket_fit_s']:.2f} s |"
        )
    return [*lines, ""]


# -- the report ---------------------------------------------------------------


def report(payload):
    results = payload["results"]
    row_names = []
    for result in results.values():
        row_names += [row for row in result["rows"] if row not in row_names]
    lines = [
        "# Time series: JEPA against MiniRocket on the UCR/UEA archive and MNIST-1D",
        "",
        "Generated by `benchmarks/bench_timeseries.py` "
        f"({payload['machine']['date']}, {payload['machine']['cpu_count']} cores, "
        f"torch {payload['machine']['torch']}, one thread per fit); raw numbers in "
        "`docs/results/timeseries.json`. Accuracy in % on the archive's test "
        f"split; JEPA rows: mean over {len(payload['seeds'])} seeds (± std), "
        "the others one seed. "
        + (
            f"Rows rerun on {payload['machine']['date']} with `--only` (a "
            f"change of the JEPA defaults): {', '.join(payload['rerun'])}; "
            f"the other rows are from the run of {payload['baseline_date']} on "
            "the same kind of machine."
            if payload.get("rerun")
            else "All rows in the same run."
        ),
        "",
        "Protocols: **(r)** MiniRocket's, `StandardScaler` + "
        "`RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))` on all training "
        f"labels ({POOL_LABELS} per class on the large pool); **(s)** TS2Vec's, "
        "RBF SVC with C by 5-fold CV (archive sets); **(f)** logistic "
        f"regression on 10 labels per class, {DRAWS} draws. The **untrained twin** is "
        "the default network at its random initialisation with the same "
        "read-out: the difference is what JEPA training adds.",
        "",
    ]
    for title, key in (
        ("(r) MiniRocket's ridge protocol, all labels", "ridge"),
        ("(f) 10 labels per class", "few"),
        ("(s) TS2Vec's SVC protocol, all labels", "svc"),
    ):
        lines += [f"## {title}", ""]
        header = ["data (n_train, shape)", *row_names]
        if key == "ridge":
            header.append("MiniRocket (published)")
        if key == "svc":
            header.append("TS2Vec (published)")
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        means = {row: [] for row in row_names}
        for name, result in results.items():
            info = result["info"]
            shape = "x".join(map(str, info["shape"]))
            cells = [f"{name} ({info['n_train']}, {shape})"]
            for row in row_names:
                value = result["rows"].get(row, {}).get(key)
                cells.append("-" if value is None else fmt(value[0], value[1] or None))
                if name in SETS and value is not None:
                    means[row].append(value[0])
            if key == "ridge":
                cells.append(str(PUBLISHED_MINIROCKET.get(name, "-")))
            if key == "svc":
                cells.append(str(PUBLISHED_TS2VEC.get(name, "-")))
            lines.append("| " + " | ".join(cells) + " |")
        n_sets = sum(name in SETS for name in results)
        cells = [f"**mean of the {n_sets} archive sets**"]
        for row in row_names:
            values = means[row]
            ok = values and len(values) == n_sets
            cells.append(f"**{fmt(np.mean(values))}**" if ok else "-")
        if key in ("ridge", "svc"):
            cells.append("")
        lines += ["| " + " | ".join(cells) + " |", ""]
    if POOL in results:
        pool = results[POOL]["rows"]
        lines += [
            f"## {POOL}: accuracy against labels per class (f)",
            "",
            "| labels per class | " + " | ".join(pool) + " |",
            "|" + "---|" * (len(pool) + 1),
        ]
        for k in CURVE:
            cells = [str(k)]
            for row in pool.values():
                value = row["curve"][str(k)] if str(k) in row["curve"] else None
                value = value if value is not None else row["curve"].get(k)
                cells.append(fmt(value[0], value[1]))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += [
        "## Cost: fit (s), transform (series/s), width",
        "",
        "| data | " + " | ".join(row_names) + " |",
        "|" + "---|" * (len(row_names) + 1),
    ]
    for name, result in results.items():
        cells = [name]
        for row in row_names:
            r = result["rows"].get(row)
            cells.append(
                "-"
                if not r
                else f"{r['fit_s']:.2f} s, {r['series_per_s']:,.0f}/s, {r['width']:,}"
            )
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    speed_file = RESULTS / "timeseries_speed.json"
    if speed_file.exists():
        lines += speed_lines(json.loads(speed_file.read_text()))
    write_page("timeseries", lines)


def main():
    parser = argument_parser(__doc__, "timeseries")
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument(
        "--only",
        nargs="+",
        help="rerun only these rows and keep the others from the JSON",
    )
    parser.add_argument(
        "--speed",
        action="store_true",
        help="measure transform speed and fit time against MiniRocket only",
    )
    args = parser.parse_args()
    if args.speed:
        with threadpool_limits(1):
            _warm_up_numba()
            results = speed(args.datasets or SETS)
        write_json("timeseries_speed", {"results": results})
        args.report_only = True
    if args.report_only:
        report(json.loads((RESULTS / "timeseries.json").read_text()))
        return
    seeds = [0] if args.quick else [0, 1]
    names = args.datasets or (QUICK if args.quick else DATASETS)
    with threadpool_limits(1):
        _warm_up_numba()
        results = {name: run_dataset(name, seeds, only=args.only) for name in names}
    extra = {}
    if args.only:
        before = json.loads((RESULTS / "timeseries.json").read_text())
        previous = before["results"]
        for name, result in results.items():
            kept = previous.get(name, {}).get("rows", {})
            result["rows"] = {**kept, **result["rows"]}
        results = {**previous, **results}
        extra = {
            "rerun": sorted(set(args.only) | set(before.get("rerun", []))),
            "baseline_date": before.get("baseline_date", before["machine"]["date"]),
        }
    payload = {"seeds": seeds, "per_class": PER_CLASS, "results": results, **extra}
    report(json.loads(write_json("timeseries", payload).read_text()))


if __name__ == "__main__":
    main()
