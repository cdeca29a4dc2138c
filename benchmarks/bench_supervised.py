"""What a deep-learning user would do instead: the same network trained on the
labels alone, against JEPA's frozen features (MNIST-1D, 10,000 unlabeled).

Side by side in one run, one thread, the same label draws for every row
(``sklearn_jepa.datasets.few_label_indices``, 10 draws per label count):

- **JEPA defaults, frozen**: the default ``JEPATransformer`` fitted on the
  10,000 unlabeled series, a logistic-regression probe on the labeled rows;
- **untrained twin, frozen**: the same network at its initialisation;
- **MiniRocket** (aeon), the same probe;
- **same network, labels only**: the default signal encoder (the dilated
  convolutions JEPA trains, built by the estimator for this data, at its
  random initialisation) with a linear head on its mean- and max-pooled
  last layer, trained end to end on the labeled rows only: AdamW (learning
  rate 1e-3, weight decay 0.05), a one-cycle schedule, cross-entropy,
  batches of 32, ``max(600, 30 epochs)`` steps, standardised as the
  estimator standardises. No augmentation (JEPA uses none either);
- **fine-tuned from JEPA**: the same, starting from the JEPA-trained
  encoder (the target encoder, whose weights ``transform`` reads).

    python benchmarks/bench_supervised.py           # about 15 min on 2 cores
    python benchmarks/bench_supervised.py --quick   # 3 draws

Writes docs/results/supervised.json and docs/supervised.md.
"""

import copy
import json
import math
import time

import numpy as np
import torch
from _common import RESULTS, argument_parser, write_json, write_page
from bench_timeseries import POOL, _rocket, load
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_jepa import JEPATransformer
from sklearn_jepa.datasets import few_label_indices

PER_CLASS = [10, 100]
DRAWS = 10
STEPS = 600
BATCH = 32


class _Classifier(torch.nn.Module):
    """The encoder, its last layer pooled (mean and max over steps), a
    linear head."""

    def __init__(self, encoder, dim, n_classes):
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(2 * dim, n_classes)

    def forward(self, x):
        z = self.encoder(x, None)  # (batch_size, n_tokens, dim)
        return self.head(torch.cat([z.mean(dim=1), z.amax(dim=1)], dim=1))


def supervised_accuracy(jepa, X_lab, y_lab, X_test, y_test, seed, fine_tune=False):
    """Train the encoder with a head on the labeled rows only: from a fresh
    random start, or (``fine_tune``) from the JEPA-trained target encoder
    (the weights ``transform`` reads)."""
    torch.manual_seed(seed)
    if fine_tune:
        encoder = copy.deepcopy(jepa.net_.module_.target_encoder)
        encoder.requires_grad_(True)
    else:
        encoder = copy.deepcopy(jepa.net_.module_.encoder)
        for module in encoder.modules():  # a fresh random start per draw
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
    encoder.bank = None  # the fixed bank is not what a user would train
    classes, codes = np.unique(y_lab, return_inverse=True)
    model = _Classifier(encoder, jepa.config_.hidden_size, len(classes))
    x = torch.from_numpy(jepa._state.standardize(X_lab.reshape(len(X_lab), -1)))
    y = torch.from_numpy(codes)
    steps = max(STEPS, 30 * math.ceil(len(x) / BATCH))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=1e-3, total_steps=steps
    )
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(steps):
        batch = torch.randint(len(x), (min(BATCH, len(x)),), generator=generator)
        loss = torch.nn.functional.cross_entropy(model(x[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
    model.eval()
    x_test = torch.from_numpy(jepa._state.standardize(X_test.reshape(len(X_test), -1)))
    with torch.no_grad():
        predicted = torch.cat(
            [model(x_test[i : i + 256]) for i in range(0, len(x_test), 256)]
        )
    return float(np.mean(classes[predicted.argmax(dim=1).numpy()] == y_test))


def probe_accuracy(Z_train, y_train, Z_test, y_test, rows):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    return float(model.fit(Z_train[rows], y_train[rows]).score(Z_test, y_test))


def run(draws):
    X_train, X_test, y_train, y_test = load(POOL)
    results, fit_s = {}, {}
    frozen = {
        "JEPA defaults, frozen": lambda: JEPATransformer(random_state=0),
        "untrained twin, frozen": lambda: JEPATransformer(
            random_state=0, max_iter=1, learning_rate=1e-12
        ),
        "MiniRocket": lambda: _rocket("MiniRocket", 0),
    }
    features, fitted = {}, {}
    for name, make in frozen.items():
        start = time.perf_counter()
        model = make().fit(X_train)
        fit_s[name] = time.perf_counter() - start
        features[name] = (
            np.asarray(model.transform(X_train)),
            np.asarray(model.transform(X_test)),
        )
        fitted[name] = model
    for per_class in PER_CLASS:
        draws_rows = [
            few_label_indices(y_train, per_class, random_state=d) for d in range(draws)
        ]
        for name, (Z_train, Z_test) in features.items():
            scores = [
                probe_accuracy(Z_train, y_train, Z_test, y_test, r) for r in draws_rows
            ]
            results.setdefault(name, {})[per_class] = scores
            print(
                f"{name:32s} {per_class:4d}/class {100 * np.mean(scores):5.1f}",
                flush=True,
            )
        supervised = {
            "same network, labels only": (fitted["untrained twin, frozen"], False),
            "fine-tuned from JEPA": (fitted["JEPA defaults, frozen"], True),
        }
        for name, (model, fine_tune) in supervised.items():
            start = time.perf_counter()
            scores = [
                supervised_accuracy(
                    model, X_train[r], y_train[r], X_test, y_test, d, fine_tune
                )
                for d, r in enumerate(draws_rows)
            ]
            fit_s.setdefault(name, {})[per_class] = (
                time.perf_counter() - start
            ) / draws
            results.setdefault(name, {})[per_class] = scores
            print(
                f"{name:32s} {per_class:4d}/class {100 * np.mean(scores):5.1f}",
                flush=True,
            )
    return {"results": results, "fit_s": fit_s, "draws": draws, "steps": STEPS}


def report(payload):
    machine, results = payload["machine"], payload["results"]
    lines = [
        "# The same network trained on the labels alone, against frozen JEPA",
        "",
        f"Generated by `benchmarks/bench_supervised.py` ({machine['date']}, "
        f"{machine['processor']}, {machine['cpu_count']} cores, torch "
        f"{machine['torch']}, one thread); raw numbers in "
        "`docs/results/supervised.json`. MNIST-1D, 10,000 unlabeled training "
        "series, 2,000 test series; accuracy in % (mean ± std over "
        f"{payload['draws']} label draws, the same draws for every row). Frozen "
        "rows: a logistic-regression probe on standardised features. *Same "
        "network, labels only*: the default signal encoder at a fresh random "
        "start with a linear head on its mean- and max-pooled last layer, "
        "trained end to end on the labeled series only (AdamW 1e-3, weight "
        f"decay 0.05, one-cycle, cross-entropy, batches of {BATCH}, "
        f"max({payload['steps']}, 30 epochs) steps); see the script's docstring.",
        "",
        "| labels per class | " + " | ".join(results) + " |",
        "|" + "---|" * (len(results) + 1),
    ]
    for per_class in PER_CLASS:
        cells = [str(per_class)]
        for row in results.values():
            scores = row[str(per_class)] if str(per_class) in row else row[per_class]
            cells.append(f"{100 * np.mean(scores):.1f} ± {100 * np.std(scores):.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    fit = payload["fit_s"]
    lines += [
        "",
        "Fit times: "
        + ", ".join(
            f"{name} {value:.1f} s"
            for name, value in fit.items()
            if not isinstance(value, dict)
        )
        + "; per draw, the network trained on labels: "
        + "; ".join(
            f"{name}: "
            + ", ".join(
                f"{v:.1f} s with {k} labels per class" for k, v in fit[name].items()
            )
            for name in ("same network, labels only", "fine-tuned from JEPA")
        )
        + ".",
        "",
    ]
    write_page("supervised", lines)


def main():
    args = argument_parser(__doc__, "supervised").parse_args()
    if args.report_only:
        report(json.loads((RESULTS / "supervised.json").read_text()))
        return
    torch.set_num_threads(1)
    with threadpool_limits(1):
        payload = run(3 if args.quick else DRAWS)
    report(json.loads(write_json("supervised", payload).read_text()))


if __name__ == "__main__":
    main()
