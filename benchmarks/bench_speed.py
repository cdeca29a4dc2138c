"""Speed and scale of JEPATransformer, measured side by side in one run.

- fit throughput vs a bare PyTorch loop that runs the same modules, masks,
  loss, optimizer, schedules and EMA on the same data (goal: ratio <= 1.10);
- transform throughput vs the bare target encoder under no_grad;
- peak working memory of transform for 100k and 1M rows;
- time per epoch and transform time against n_samples and n_features.

    python benchmarks/bench_speed.py [--quick]

Writes docs/results/speed.json and docs/speed.md.
"""

import argparse
import json
import math
import subprocess
import sys
import textwrap

import numpy as np
import torch
from _common import RESULTS, median_time, timed, write_json, write_page

from sklearn_jepa import JEPATransformer
from sklearn_jepa.configuration._build import build_module
from sklearn_jepa.configuration._config import resolve_config
from sklearn_jepa.engine._callbacks import WarmupCosine
from sklearn_jepa.engine._training import adamw_groups, fused_adamw_kwargs
from sklearn_jepa.nn._ema import momentum_at, update_momentum
from sklearn_jepa.nn._losses import JEPALoss


def make_data(n_samples, n_features, seed=0):
    rng = np.random.RandomState(seed)
    latent = rng.normal(size=(n_samples, 8))
    X = latent @ rng.normal(size=(8, n_features)) + rng.normal(
        size=(n_samples, n_features)
    )
    return X


def bare_fit(X, params, seed=0):
    """The training work of ``JEPATransformer.fit`` without sklearn or skorch."""
    torch.manual_seed(seed)
    X_std = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    shape = {
        "input_shape": params.get("input_shape"),
        "n_components": params["n_components"],
    }
    config = resolve_config(JEPATransformer(**shape)._params(), X.shape[1])
    module = build_module(config)
    masking, grid = config.masking, config.grid
    named = list(module.online_named_parameters())
    optimizer = torch.optim.AdamW(
        adamw_groups(named),
        lr=1e-3,
        weight_decay=0.05,
        # the estimator's optimizer: fused AdamW where torch has it
        **{k.split("__")[1]: v for k, v in fused_adamw_kwargs("cpu").items()},
    )
    criterion = JEPALoss("l2")
    generator = torch.Generator().manual_seed(seed)
    data = torch.as_tensor(X_std)
    batch_size, epochs = params["batch_size"], params["max_iter"]
    steps = epochs * math.ceil(len(data) / batch_size)
    schedule = WarmupCosine(steps, int(0.1 * steps))
    step = 0
    for _ in range(epochs):
        order = torch.randperm(len(data), generator=generator)
        for start in range(0, len(data), batch_size):
            x = data[order[start : start + batch_size]]
            context, target = masking(len(x), grid, generator)
            for group in optimizer.param_groups:
                group["lr"] = 1e-3 * schedule(step)
            loss = criterion(*module(x, context, target))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            optimizer.step()
            update_momentum(
                module.target_encoder,
                module.encoder,
                momentum_at(step, steps, 0.99, 1.0),
            )
            step += 1
    return module


def fit_overhead(quick):
    cases = [
        ("table 1,797x64 (MLP)", make_data(1797, 64), dict(max_iter=20)),
        ("table 20,000x64 (MLP)", make_data(20_000, 64), dict(max_iter=3)),
        (
            "image 1,797x8x8 (CNN)",
            make_data(1797, 64),
            dict(max_iter=10, input_shape=(8, 8)),
        ),
    ]
    repeats = 3 if quick else 5
    rows = []
    for name, X, extra in cases:
        params = dict(n_components=16, batch_size=128, **extra)
        estimator = JEPATransformer(**params, random_state=0)
        times = {"jepa": [], "bare": []}
        for _ in range(repeats):  # interleaved, so drifts hit both alike
            times["jepa"].append(timed(estimator.fit, X)[1])
            times["bare"].append(timed(bare_fit, X, params)[1])
        jepa, bare = (float(np.median(times[k])) for k in ("jepa", "bare"))
        n_seen = len(X) * params["max_iter"]
        rows.append(
            dict(
                case=name,
                jepa_s=jepa,
                bare_s=bare,
                ratio=jepa / bare,
                jepa_samples_per_s=n_seen / jepa,
                bare_samples_per_s=n_seen / bare,
            )
        )
        print(rows[-1], flush=True)
    return rows


def diagnostics_cost(quick):
    """Fit time with the per-epoch collapse diagnostics on vs switched off."""
    from sklearn_jepa.engine._callbacks import Diagnostics

    X = make_data(1797, 64)
    record = Diagnostics.on_epoch_end
    times = {"on": [], "off": []}
    for _ in range(3 if quick else 5):
        for key in ("on", "off"):
            Diagnostics.on_epoch_end = record if key == "on" else (lambda *a, **k: None)
            times[key].append(
                timed(JEPATransformer(16, max_iter=30, random_state=0).fit, X)[1]
            )
    Diagnostics.on_epoch_end = record
    on, off = (float(np.median(times[k])) for k in ("on", "off"))
    row = dict(
        case="table 1,797x64, 30 epochs", on_s=on, off_s=off, overhead=on / off - 1
    )
    print(row, flush=True)
    return row


def transform_throughput(quick):
    n = 50_000 if quick else 200_000
    rows = []
    for name, n_features, extra in [
        ("table (MLP)", 64, {}),
        ("image 8x8 (CNN)", 64, dict(input_shape=(8, 8))),
    ]:
        X = make_data(n, n_features)
        jepa = JEPATransformer(16, max_iter=1, random_state=0, **extra).fit(X[:2000])
        X_std = jepa._state.standardize(X)
        encoder = jepa.net_.module_.target_encoder.eval()

        def bare(X_std=X_std, encoder=encoder, bs=jepa.config_.batch_size):
            with torch.no_grad():
                for start in range(0, len(X_std), bs):
                    encoder(torch.from_numpy(X_std[start : start + bs]), None)

        def ours(jepa=jepa, X=X):
            jepa.transform(X)

        ours_s = median_time(ours, 3)
        bare_s = median_time(bare, 3)
        rows.append(
            dict(
                case=name,
                n_samples=n,
                jepa_rows_per_s=n / ours_s,
                bare_rows_per_s=n / bare_s,
                throughput_ratio=bare_s / ours_s,
            )
        )
        print(rows[-1], flush=True)
    return rows


_MEMORY_PROBE = """
import json, numpy as np, torch
from sklearn_jepa import JEPATransformer
torch.set_num_threads(1)
n = {n}
rng = np.random.RandomState(0)
X = rng.normal(size=(n, 64)).astype(np.float32)
jepa = JEPATransformer(16, max_iter=1, random_state=0).fit(X[:2000])
def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
base = rss("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")  # reset the peak
Z = jepa.transform(X)
peak = rss("VmHWM:")
print(json.dumps(dict(n=n, working_bytes=peak - base - Z.nbytes, output_bytes=Z.nbytes,
                      input_bytes=X.nbytes)))
"""


def transform_memory():
    rows = []
    for n in (100_000, 1_000_000):
        out = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(_MEMORY_PROBE.format(n=n))],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    return rows


def scaling(quick):
    ns = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    features = [16, 64, 256] if quick else [16, 64, 256, 512]
    rows = []
    for n, n_features in [(n, 64) for n in ns] + [(10_000, f) for f in features]:
        X = make_data(n, n_features)
        jepa = JEPATransformer(16, max_iter=2, random_state=0)
        jepa.fit(X)
        epoch_s = float(np.median(jepa.history_[:, "dur"]))
        transform_s = median_time(lambda jepa=jepa, X=X: jepa.transform(X), 3)
        rows.append(
            dict(
                n_samples=n,
                n_features=n_features,
                epoch_s=epoch_s,
                transform_s=transform_s,
            )
        )
        print(rows[-1], flush=True)
    return rows


def exponent(rows, key, axis, fixed):
    pts = [(r[axis], r[key]) for r in rows if r[fixed[0]] == fixed[1]]
    pts = sorted(set(pts))
    x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(x, y, 1)[0])


def report(result):
    lines = [
        "# Speed and scale",
        "",
        "Generated by `python benchmarks/bench_speed.py`; machine in "
        "`docs/results/speed.json`.",
        "",
        "## fit: JEPATransformer vs a bare PyTorch loop (same modules and steps)",
        "",
        "| case | JEPATransformer (s) | bare loop (s) | ratio | samples/s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in result["fit_overhead"]:
        lines.append(
            f"| {r['case']} | {r['jepa_s']:.2f} | {r['bare_s']:.2f} | "
            f"{r['ratio']:.3f} | {r['jepa_samples_per_s']:,.0f} |"
        )
    d = result["diagnostics"]
    lines += [
        "",
        f"Collapse diagnostics every epoch ({d['case']}): fit {d['on_s']:.2f} s with, "
        f"{d['off_s']:.2f} s without, overhead {100 * d['overhead']:.1f} %.",
    ]
    lines += [
        "",
        "## transform vs the bare target encoder under no_grad",
        "",
        "| case | rows | JEPATransformer rows/s | bare rows/s | ratio |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in result["transform"]:
        lines.append(
            f"| {r['case']} | {r['n_samples']:,} | {r['jepa_rows_per_s']:,.0f} | "
            f"{r['bare_rows_per_s']:,.0f} | {r['throughput_ratio']:.2f} |"
        )
    lines += [
        "",
        "## transform working memory (peak RSS minus input and output)",
        "",
        "| rows | working memory (MiB) | output (MiB) |",
        "| --- | --- | --- |",
    ]
    for r in result["memory"]:
        lines.append(
            f"| {r['n']:,} | {r['working_bytes'] / 2**20:.1f} | "
            f"{r['output_bytes'] / 2**20:.1f} |"
        )
    lines += [
        "",
        "## scaling (MLP encoder, 16 components, batch 128)",
        "",
        "| n_samples | n_features | s / epoch | transform s |",
        "| --- | --- | --- | --- |",
    ]
    for r in result["scaling"]:
        lines.append(
            f"| {r['n_samples']:,} | {r['n_features']} | {r['epoch_s']:.3f} | "
            f"{r['transform_s']:.3f} |"
        )
    exps = result["exponents"]
    lines += [
        "",
        f"Measured exponents: epoch time ~ n^{exps['epoch_vs_n']:.2f}, "
        f"transform time ~ n^{exps['transform_vs_n']:.2f}, "
        f"epoch time ~ n_features^{exps['epoch_vs_features']:.2f}.",
        "",
    ]
    write_page("speed", lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if args.report_only:
        report(json.loads((RESULTS / "speed.json").read_text()))
        return
    torch.set_num_threads(1)
    result = {
        "fit_overhead": fit_overhead(args.quick),
        "diagnostics": diagnostics_cost(args.quick),
        "transform": transform_throughput(args.quick),
        "memory": transform_memory(),
        "scaling": scaling(args.quick),
    }
    rows = result["scaling"]
    result["exponents"] = {
        "epoch_vs_n": exponent(rows, "epoch_s", "n_samples", ("n_features", 64)),
        "transform_vs_n": exponent(
            rows, "transform_s", "n_samples", ("n_features", 64)
        ),
        "epoch_vs_features": exponent(
            rows, "epoch_s", "n_features", ("n_samples", 10_000)
        ),
    }
    write_json("speed", result)
    report(result)


if __name__ == "__main__":
    main()
