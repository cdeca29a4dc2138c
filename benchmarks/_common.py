"""Shared helpers of the benchmark scripts: machine record, timing, output."""

import argparse
import json
import os
import platform
import statistics
import time
from datetime import date
from pathlib import Path

import numpy as np
import sklearn
import torch

import sklearn_jepa
from sklearn_jepa.datasets import few_label_accuracy

DOCS = Path(__file__).resolve().parent.parent / "docs"
RESULTS = DOCS / "results"


def machine():
    """What the numbers were measured on."""
    return {
        "date": date.today().isoformat(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "sklearn": sklearn.__version__,
        "sklearn_jepa": sklearn_jepa.__version__,
    }


def probe(Z_train, y_train, Z_test, y_test, per_class, seed):
    """Few-label test accuracy (``sklearn_jepa.datasets.few_label_accuracy``)."""
    return few_label_accuracy(
        Z_train, y_train, Z_test, y_test, per_class, random_state=seed
    )


def timed(fn, *args, **kwargs):
    """Return ``(result, seconds)`` of one call."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def median_time(fn, repeats):
    """Median wall time of ``repeats`` calls of ``fn()``."""
    return statistics.median(timed(fn)[1] for _ in range(repeats))


def write_json(name, payload):
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"machine": machine(), **payload}
    path.write_text(json.dumps(payload, indent=2, default=_jsonable))
    print(f"wrote {path.relative_to(DOCS.parent)}")
    return path


def write_page(name, lines):
    """``docs/<name>.md`` from ``lines``, followed by the hand-written
    ``docs/<name>_notes.md`` when there is one."""
    notes = DOCS / f"{name}_notes.md"
    if notes.exists():
        lines = [*lines, notes.read_text()]
    path = DOCS / f"{name}.md"
    path.write_text("\n".join(lines))
    print(f"wrote {path.relative_to(DOCS.parent)}")


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value))


def fmt(mean, std=None, scale=100.0):
    if mean is None or np.isnan(mean):
        return "-"
    if std is None:
        return f"{scale * mean:.1f}"
    return f"{scale * mean:.1f} ± {scale * std:.1f}"


def panels(n):
    """A row of ``n`` matplotlib axes on a headless backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n, figsize=(6 * n, 4), squeeze=False)
    for ax in axes[0]:
        # 20 distinct colours: the default 10 repeat on busy panels
        ax.set_prop_cycle(color=plt.cm.tab20.colors)
    return fig, axes[0]


def save_panels(fig, axes, path):
    """Grid and legend on every panel, then write the figure."""
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def argument_parser(doc, results_name):
    """``--quick`` and ``--report-only`` (rewrite the report from the JSON)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help=f"rewrite the report from docs/results/{results_name}.json",
    )
    return parser


def accuracy_axes(ax, xlabel, title):
    """Log x axis and accuracy y axis of a benchmark panel."""
    ax.set(xscale="log", xlabel=xlabel, ylabel="test accuracy (%)", title=title)
