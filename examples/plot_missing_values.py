"""
Missing values as hidden features
=================================

``NaN`` in ``X`` is read as a hidden feature, not imputed. Here 30 % of the
values of the breast cancer table are removed at random; the JEPA is fit on
the incomplete rows and a logistic regression sees 10 labels per class.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_jepa import JEPATransformer
from sklearn_jepa.datasets import few_label_accuracy

X, y = load_breast_cancer(return_X_y=True)
rng = np.random.RandomState(0)
X = np.where(rng.random_sample(X.shape) < 0.3, np.nan, X)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

models = {
    "JEPA (NaN hidden)": JEPATransformer(random_state=0),
    "mean impute + PCA16": make_pipeline(SimpleImputer(), StandardScaler(), PCA(16)),
}
scores = {}
for name, model in models.items():
    Z_train = model.fit_transform(X_train)
    Z_test = model.transform(X_test)
    scores[name] = np.mean(
        [
            few_label_accuracy(Z_train, y_train, Z_test, y_test, 10, random_state=s)
            for s in range(3)
        ]
    )
    print(f"{name:22s} {100 * scores[name]:.1f} % with 10 labels per class")

fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(list(scores), [100 * v for v in scores.values()])
ax.set_xlabel("test accuracy (%), 10 labels per class, 30 % values missing")
fig.tight_layout()
