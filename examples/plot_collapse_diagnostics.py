"""
Collapse diagnostics with TrainingDisplay
=========================================

A JEPA must not collapse to a constant embedding. Every epoch records the
effective rank and the spread of a fixed sample's embeddings; a healthy fit
keeps several directions alive, a fit with an absurd learning rate collapses
and warns.
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from sklearn_jepa import CollapseWarning, JEPATransformer, TrainingDisplay

X, _ = load_digits(return_X_y=True)

healthy = JEPATransformer(n_components=8, max_iter=20, random_state=0).fit(X)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", CollapseWarning)
    broken = JEPATransformer(
        n_components=8, max_iter=20, learning_rate=1.0, random_state=0
    ).fit(X)
print("healthy effective rank:", round(healthy.history_[-1, "effective_rank"], 2))
print("collapse warnings for lr=1:", sum(w.category is CollapseWarning for w in caught))

fig, axes = plt.subplots(2, 2, figsize=(10, 6))
TrainingDisplay.from_estimator(healthy, name="learning_rate=auto").plot(axes[0])
TrainingDisplay.from_estimator(broken, name="learning_rate=1.0").plot(axes[1])
fig.tight_layout()

# %%
# The effective rank of the centred embeddings alone can look fine after a
# collapse: here every dimension still varies a little in several directions,
# but by less than 1 % of the embedding's size. The per-dimension spread
# (``std_median``, relative to the embedding's RMS value) shows it, and the
# warning looks at both.

fig, ax = plt.subplots(figsize=(6, 3))
for name, model in [("learning_rate=auto", healthy), ("learning_rate=1.0", broken)]:
    ax.plot(model.history_[:, "std_median"], label=name)
ax.axhline(1e-2, color="grey", linestyle=":", label="collapse threshold")
ax.set(yscale="log", xlabel="epoch", ylabel="median relative std")
ax.legend()
fig.tight_layout()
