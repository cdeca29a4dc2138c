"""Long recordings cut into windows: smartwatch activities, split by subject.

seglearn's ``load_watch`` holds 140 smartwatch recordings (6 channels at 50
Hz, 947-2,618 steps, 7 activities x 20, 10 subjects). Subjects 1-7 are the
unlabeled pool, subjects 8-10 the test: no subject is on both sides.
``JEPAWindowTransformer(window_length=WINDOW, hop=HOP)`` fits on the pool's
recordings (all windows of every recording, batches mixing recordings) and
embeds

- every window (``transform_windows``): a linear probe (StandardScaler +
  LogisticRegression) on 10 labeled windows per activity (10 draws per
  seed) and on every pool window, accuracy on the test windows;
- every recording (``transform``, the mean of its windows): the probe on 2
  labeled recordings per activity (10 draws per seed) and on every pool
  recording.

Rows, side by side in one run, one thread per fit: raw windows,
MiniRocket on the same windows (aeon, the baseline a time-series user
picks; a recording is the mean of its windows' features), JEPA defaults
and its untrained twin, and both without the kernel bank (0.4's network,
``encoder_params={"kernel_bank": 0}``), 2 seeds each.

    pip install seglearn aeon
    python benchmarks/bench_watch.py            # about 4 min on 2 cores

Writes docs/results/watch.json and docs/watch.md.
"""

import json
import warnings

import numpy as np
from _common import RESULTS, argument_parser, probe, timed, write_json, write_page
from threadpoolctl import threadpool_limits

from sklearn_jepa import JEPATransformer, JEPAWindowTransformer, sliding_windows

WINDOW = 250  # 5 s at 50 Hz
HOP = 125
TEST_SUBJECTS = (8, 9, 10)
PER_CLASS = 10
RECORDINGS_PER_CLASS = 2
DRAWS = 10  # label draws per seed
UNTRAINED = dict(max_iter=1, learning_rate=1e-12)
NO_BANK = dict(encoder_params={"kernel_bank": 0})


def load():
    """Pool and test recordings ``(6, n_steps)`` with their activities."""
    from seglearn.datasets import load_watch

    data = load_watch()
    recordings = [np.asarray(x, dtype=np.float64).T for x in data["X"]]
    test = np.isin(data["subject"], TEST_SUBJECTS)
    y = np.asarray(data["y"])
    pool = [r for r, t in zip(recordings, test, strict=True) if not t]
    held = [r for r, t in zip(recordings, test, strict=True) if t]
    return pool, held, y[~test], y[test]


class _OnWindows:
    """A collection transformer applied to the windows of recordings."""

    def __init__(self, model):
        self.model = model

    def fit(self, recordings):
        self.model.fit(sliding_windows(recordings, WINDOW, HOP))
        return self

    def transform_windows(self, recordings, return_index=False):
        windows, index = sliding_windows(recordings, WINDOW, HOP, return_index=True)
        Z = np.asarray(self.model.transform(windows), dtype=np.float64)
        return (Z, index) if return_index else Z

    def transform(self, recordings):
        Z, index = self.transform_windows(recordings, True)
        recording = index[:, 0]
        return np.stack([Z[recording == r].mean(axis=0) for r in np.unique(recording)])


class _Raw:
    def fit(self, X):
        return self

    def transform(self, X):
        return X.reshape(len(X), -1)


def _rocket():
    from aeon.transformations.collection.convolution_based import MiniRocket

    return MiniRocket(random_state=0, n_jobs=1)


def _jepa(seed, **params):
    estimator = JEPATransformer(random_state=seed, n_threads=1, **params)
    return JEPAWindowTransformer(window_length=WINDOW, hop=HOP, estimator=estimator)


ROWS = {
    "raw windows": lambda seed: _OnWindows(_Raw()),
    "MiniRocket": lambda seed: _OnWindows(_rocket()),
    "JEPA defaults": lambda seed: _jepa(seed),
    "untrained twin": lambda seed: _jepa(seed, **UNTRAINED),
    # the control of the kernel bank: 0.4's network, the same without it
    "JEPA without kernel bank (0.4)": lambda seed: _jepa(seed, **NO_BANK),
    "untrained twin without kernel bank": lambda seed: _jepa(
        seed, **NO_BANK, **UNTRAINED
    ),
}


def run():
    pool, held, y_pool, y_held = load()
    _, pool_index = sliding_windows(pool, WINDOW, HOP, return_index=True)
    _, held_index = sliding_windows(held, WINDOW, HOP, return_index=True)
    yw_pool, yw_held = y_pool[pool_index[:, 0]], y_held[held_index[:, 0]]
    print(
        f"pool {len(pool)} recordings / {len(pool_index)} windows, "
        f"test {len(held)} / {len(held_index)}",
        flush=True,
    )
    # numba compiles MiniRocket on first use: not in its fit time
    warm = sliding_windows(pool[:2], WINDOW, HOP)
    _rocket().fit(warm).transform(warm)
    results = {}
    for label, make in ROWS.items():
        seeds = [0, 1] if "JEPA" in label or "twin" in label else [0]
        scores = {"windows_few": [], "windows_all": [], "rec_few": [], "rec_all": []}
        fits = []
        for seed in seeds:
            model = make(seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fits.append(timed(model.fit, pool)[1])
            Zw_pool, Zw_held = (
                model.transform_windows(pool),
                model.transform_windows(held),
            )
            scores["windows_few"] += [
                probe(Zw_pool, yw_pool, Zw_held, yw_held, PER_CLASS, draw)
                for draw in range(DRAWS)
            ]
            scores["windows_all"].append(
                probe(Zw_pool, yw_pool, Zw_held, yw_held, None, 0)
            )
            if label == "raw windows":
                continue
            Zr_pool, Zr_held = model.transform(pool), model.transform(held)
            scores["rec_few"] += [
                probe(Zr_pool, y_pool, Zr_held, y_held, RECORDINGS_PER_CLASS, draw)
                for draw in range(DRAWS)
            ]
            scores["rec_all"].append(probe(Zr_pool, y_pool, Zr_held, y_held, None, 0))
        row = {key: float(np.mean(v)) if v else None for key, v in scores.items()}
        row["windows_few_std"] = float(np.std(scores["windows_few"]))
        row["fit_s"] = float(np.median(fits))
        row["width"] = int(Zw_pool.shape[1])
        results[label] = row
        print(f"  {label:>28}: {row}", flush=True)
    return {
        "long": run_long(pool + held),
        "n_pool_recordings": len(pool),
        "n_test_recordings": len(held),
        "n_pool": len(pool_index),
        "n_test": len(held_index),
        "window": WINDOW,
        "hop": HOP,
        "rows": results,
    }


def run_long(recordings, repeats=(1, 4)):
    """One long recording: the 140 recordings end to end (and that 4 times
    over, about a million steps), fitted and embedded window by window."""
    whole = np.concatenate(recordings, axis=1)
    rows = []
    for times in repeats:
        recording = np.tile(whole, times)
        jepa = _jepa(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, fit_s = timed(jepa.fit, [recording])
        Z, transform_s = timed(jepa.transform_windows, [recording])
        rows.append(
            {
                "steps": int(recording.shape[1]),
                "windows": int(len(Z)),
                "epochs": int(jepa.estimator_.n_iter_),
                "fit_s": fit_s,
                "transform_s": transform_s,
                "windows_per_s": len(Z) / transform_s,
            }
        )
        print(f"  long recording: {rows[-1]}", flush=True)
    return rows


def _pct(value, std=None):
    if value is None:
        return "—"
    return f"{100 * value:.1f}" + ("" if std is None else f" ± {100 * std:.1f}")


def report(payload):
    rows = payload["rows"]
    lines = [
        "# Long recordings in windows: smartwatch activities",
        "",
        "Generated by `benchmarks/bench_watch.py` "
        f"({payload['machine']['date']}, {payload['machine']['cpu_count']} "
        "cores, one thread per fit). seglearn's 140 smartwatch recordings (6 "
        "channels at 50 Hz); `JEPAWindowTransformer(window_length="
        f"{payload['window']}, hop={payload['hop']})` fits on the recordings "
        f"of subjects 1-7 ({payload['n_pool_recordings']} recordings, "
        f"{payload['n_pool']:,} windows) and is tested on subjects 8-10 "
        f"({payload['n_test_recordings']} recordings, {payload['n_test']:,} "
        "windows): no subject on both sides. MiniRocket and raw values see the "
        "same windows. Linear probe (StandardScaler + LogisticRegression), "
        f"accuracy in %: windows with {PER_CLASS} labeled windows per activity "
        f"({DRAWS} draws per seed) and with every pool window; recordings (the mean of "
        f"their windows) with {RECORDINGS_PER_CLASS} labeled recordings per "
        "activity and with every pool recording. JEPA rows: 2 seeds; the "
        "untrained twin is the same network with no training.",
        "",
        f"| representation | windows, {PER_CLASS} labels per class | windows, "
        f"all | recordings, {RECORDINGS_PER_CLASS} per class | recordings, all "
        "| fit | width |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, row in rows.items():
        lines.append(
            f"| {label} | {_pct(row['windows_few'], row['windows_few_std'])} | "
            f"{_pct(row['windows_all'])} | {_pct(row['rec_few'])} | "
            f"{_pct(row['rec_all'])} | {row['fit_s']:.1f} s | {row['width']:,} |"
        )
    lines += [
        "",
        "## One long recording",
        "",
        "The 140 recordings end to end as one 6-channel recording (and that "
        "4 times over), fitted with `JEPAWindowTransformer(window_length="
        f"{payload['window']}, hop={payload['hop']})` on its windows and "
        "embedded window by window (`transform_windows` cuts and embeds at "
        "most 128 MB of windows at a time). Default budget, one thread.",
        "",
        "| steps | windows | epochs | fit | transform_windows | windows/s |",
        "|---|---|---|---|---|---|",
    ]
    for row in payload.get("long", []):
        lines.append(
            f"| {row['steps']:,} | {row['windows']:,} | {row['epochs']} | "
            f"{row['fit_s']:.1f} s | {row['transform_s']:.1f} s | "
            f"{row['windows_per_s']:,.0f} |"
        )
    lines.append("")
    write_page("watch", lines)


def main():
    parser = argument_parser(__doc__, "watch")
    args = parser.parse_args()
    if args.report_only:
        report(json.loads((RESULTS / "watch.json").read_text()))
        return
    with threadpool_limits(1):
        payload = run()
    report(json.loads(write_json("watch", payload).read_text()))


if __name__ == "__main__":
    main()
