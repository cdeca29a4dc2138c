"""
Structure versus noise: what PCA keeps and a JEPA ignores
=========================================================

``make_structure_noise`` mixes a class-structured latent into 16 columns that
predict each other, and adds 64 columns of louder independent noise. PCA keeps
the variance, that is the noise; a JEPA keeps what one part of a row predicts
about another.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

from sklearn_jepa import JEPATransformer
from sklearn_jepa.datasets import few_label_accuracy, make_structure_noise

X, y, _ = make_structure_noise(3000, random_state=0)
X_train, X_test, y_train, y_test = X[:2000], X[2000:], y[:2000], y[2000:]

models = {
    "PCA16": PCA(16, random_state=0),
    "JEPA16": JEPATransformer(16, random_state=0),
}
accuracy = {}
for name, model in models.items():
    Z_train = model.fit_transform(X_train)
    Z_test = model.transform(X_test)
    accuracy[name] = [
        100
        * np.mean(
            [
                few_label_accuracy(Z_train, y_train, Z_test, y_test, k, random_state=s)
                for s in range(3)
            ]
        )
        for k in (5, 10, 30)
    ]
    print(name, [f"{a:.1f}" for a in accuracy[name]])

fig, ax = plt.subplots(figsize=(5, 3))
for name, values in accuracy.items():
    ax.plot([5, 10, 30], values, marker="o", label=name)
ax.set(xlabel="labels per class", ylabel="test accuracy (%)", xscale="log")
ax.legend()
fig.tight_layout()
