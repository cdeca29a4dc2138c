"""
Images: a sparse-masked CNN and block masks
===========================================

Give ``input_shape`` and the rows are read as images: a small CNN (3x3
convolutions of 32, 64 and 128 channels) whose last stage is a grid of
cells, and I-JEPA's multi-block masks drawn on those cells; hidden cells are
zero in the input and in every stage, so the context never sees them. The
untrained twin (the same network at its initialisation) is the random-CNN
baseline: on 1,257 digits training keeps it within a point (it adds on
large pools such as Fashion-MNIST's 20,000 images, docs/pools.md).
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_jepa import JEPATransformer
from sklearn_jepa.datasets import few_label_accuracy

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
models = {
    "trained": JEPATransformer(input_shape=(8, 8), random_state=0),
    "untrained twin": JEPATransformer(
        input_shape=(8, 8), max_iter=1, learning_rate=1e-12, random_state=0
    ),
}
for name, model in models.items():
    Z_train, Z_test = model.fit_transform(X_train), model.transform(X_test)
    # one draw of 10 labels per class moves the score by about 2 points
    accuracy = np.mean(
        [
            few_label_accuracy(Z_train, y_train, Z_test, y_test, 10, random_state=s)
            for s in range(10)
        ]
    )
    print(f"{name:15s} {100 * accuracy:.1f} % with 10 labels per class")
print(models["trained"].config_.grid, models["trained"].config_.masking)

# one batch of masks: context (left) and targets (right) of the first image
strategy = models["trained"].config_.masking
grid = models["trained"].config_.grid  # 4x4 cells of 2x2 pixels
context, target = strategy(1, grid, torch.Generator().manual_seed(0))
fig, axes = plt.subplots(1, 3, figsize=(8, 3))
axes[0].imshow(X_train[0].reshape(8, 8), cmap="gray_r")
axes[1].imshow(context.reshape(grid), cmap="Blues")
axes[2].imshow(target.reshape(grid), cmap="Oranges")
for ax, title in zip(axes, ["image", "context cells", "target cells"], strict=True):
    ax.set(title=title, xticks=[], yticks=[])
fig.tight_layout()
