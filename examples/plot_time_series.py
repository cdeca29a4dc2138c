"""
Time series: a dilated-convolution JEPA
=======================================

Signals (``input_shape=(L,)`` or ``(C, L)`` with ``input_kind="signal"``) get
residual dilated convolutions with one embedding per time step, span masks
and a read-out of every layer (max, mean, PPV). Here: two classes of noisy,
randomly shifted bumps that raw values and PCA cannot align.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

from sklearn_jepa import JEPATransformer
from sklearn_jepa.datasets import few_label_accuracy

rng = np.random.RandomState(0)
n, length = 1200, 96
t = np.arange(length)
y = rng.randint(2, size=n)
shift = rng.randint(10, length - 10, size=n)
width = np.where(y == 0, 2.0, 6.0)  # class 0: narrow bumps, class 1: wide
X = np.exp(-((t - shift[:, None]) ** 2) / (2 * width[:, None] ** 2))
X += 0.3 * rng.standard_normal(X.shape)
X_train, X_test, y_train, y_test = X[:800], X[800:], y[:800], y[800:]

models = {
    "raw values": None,
    "PCA16": PCA(16, random_state=0),
    "JEPA (conv)": JEPATransformer(input_shape=(length,), random_state=0),
}
for name, model in models.items():
    if model is None:
        Z_train, Z_test = X_train, X_test
    else:
        Z_train, Z_test = model.fit_transform(X_train), model.transform(X_test)
    accuracy = few_label_accuracy(Z_train, y_train, Z_test, y_test, 10, random_state=0)
    print(f"{name:12s} {100 * accuracy:.1f} % with 10 labels per class")

fig, ax = plt.subplots(figsize=(6, 3))
for label in (0, 1):
    ax.plot(X_train[y_train == label][0], label=f"class {label}")
ax.set(xlabel="time step", title="two training series")
ax.legend()
fig.tight_layout()
