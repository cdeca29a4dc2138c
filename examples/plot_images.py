"""
Images: patches, a transformer and block masks
==============================================

Give ``input_shape`` and the rows are read as images: patches, a transformer
encoder and I-JEPA's multi-block masks. The untrained twin (the same network
at its initialisation) is the control that says what training adds.
"""

import matplotlib.pyplot as plt
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
    "trained": JEPATransformer(16, input_shape=(8, 8), random_state=0),
    "untrained twin": JEPATransformer(
        16, input_shape=(8, 8), max_iter=1, learning_rate=1e-12, random_state=0
    ),
}
for name, model in models.items():
    Z_train = model.fit_transform(X_train)
    accuracy = few_label_accuracy(
        Z_train, y_train, model.transform(X_test), y_test, 10, random_state=0
    )
    print(f"{name:15s} {100 * accuracy:.1f} % with 10 labels per class")
print(models["trained"].config_.grid, models["trained"].config_.masking)

# one batch of masks: context (left) and targets (right) of the first image
strategy = models["trained"].config_.masking
context, target = strategy(1, (4, 4), torch.Generator().manual_seed(0))
fig, axes = plt.subplots(1, 3, figsize=(8, 3))
axes[0].imshow(X_train[0].reshape(8, 8), cmap="gray_r")
axes[1].imshow(context.reshape(4, 4), cmap="Blues")
axes[2].imshow(target.reshape(4, 4), cmap="Oranges")
for ax, title in zip(axes, ["image", "context patches", "target patches"], strict=True):
    ax.set(title=title, xticks=[], yticks=[])
fig.tight_layout()
