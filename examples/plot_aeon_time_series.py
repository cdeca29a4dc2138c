"""
Time series from aeon: unequal lengths, MiniRocket, save and load
=================================================================

aeon keeps series as a 3-D array ``(n_cases, n_channels, n_timepoints)`` or,
when they differ in length, as a list of ``(n_channels, n_timepoints_i)``
arrays. Both go into :class:`~sklearn_jepa.JEPATransformer` as they are.
Here: JapaneseVowels (12 channels, 7 to 29 steps per utterance), bundled with
aeon. JEPA features of the series as they are, against MiniRocket on the
series resampled to one length (it needs equal lengths), a save/load round
trip, and the spans JEPA hides during training on one real series.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from aeon.datasets import load_classification
from aeon.transformations.collection.convolution_based import MiniRocket
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_jepa import JEPATransformer, load, save

X_train, y_train = load_classification("JapaneseVowels", split="train")
X_test, y_test = load_classification("JapaneseVowels", split="test")
lengths = [x.shape[1] for x in X_train + X_test]
longest = max(lengths)
print(f"{len(X_train)} training series, lengths {min(lengths)}-{longest}")


def ridge():
    return make_pipeline(
        StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))
    )


# %%
# JEPA on the series as they are. ``input_shape`` gives the length to pad to
# (the longest series to come); each series' end is read as its end.
jepa = JEPATransformer(input_shape=(12, longest), random_state=0)
Z_train = jepa.fit_transform(X_train)
Z_test = jepa.transform(X_test)
jepa_accuracy = ridge().fit(Z_train, y_train).score(Z_test, y_test)


# %%
# MiniRocket needs one length: resample every series to the longest.
def resample(series, length):
    grid = np.linspace(0, 1, length)
    return np.stack(
        [
            [np.interp(grid, np.linspace(0, 1, x.shape[1]), channel) for channel in x]
            for x in series
        ]
    )


rocket = MiniRocket(random_state=0, n_jobs=1).fit(resample(X_train, longest))
R_train = rocket.transform(resample(X_train, longest))
R_test = rocket.transform(resample(X_test, longest))
rocket_accuracy = ridge().fit(R_train, y_train).score(R_test, y_test)
print(f"JEPA, as they are:        {100 * jepa_accuracy:.1f} %")
print(f"MiniRocket, resampled:    {100 * rocket_accuracy:.1f} %")

# %%
# Save and load: the same features, and no training series in the file.
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "jepa.pt"
    save(jepa, path)
    reloaded = load(path)
assert np.array_equal(reloaded.transform(X_test), Z_test)

# %%
# What JEPA hides while training: the span masks of one batch, drawn by the
# fitted model's own mask collator, over the first channel of a series. The
# encoder sees the context (white); the predictor must infer the target
# encoder's embedding of the shaded spans.
rows = np.full((8, 12, longest), np.nan)  # the NaN after each end
for i, x in enumerate(X_train[:8]):
    rows[i, :, : x.shape[1]] = x
rows = (rows.reshape(8, -1) - jepa.mean_) / jepa.scale_
collate = jepa.net_.iterator_train__collate_fn
batch, _ = collate(torch.from_numpy(rows.astype(np.float32)))
stride = jepa.config_.stride  # steps per token of the conv encoder
series = X_train[0][0]
target = batch["target_mask"][0].repeat_interleave(stride)[: len(series)].numpy()
fig, ax = plt.subplots(figsize=(6, 2.6))
ax.plot(series, color="k", label="channel 1")
for t in np.flatnonzero(target):
    ax.axvspan(t - 0.5, t + 0.5, color="tab:orange", alpha=0.3, lw=0)
ax.set(
    xlabel="time step",
    title=f"JapaneseVowels: hidden spans (orange), length {len(series)}",
)
ax.legend(loc="upper right")
fig.tight_layout()
