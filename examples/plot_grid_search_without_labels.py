"""
Pipeline and GridSearchCV without labels
========================================

``JEPATransformer.score`` is label-free (how much of the target embedding the
predictor recovers from half-masked rows), so a grid search can choose a
configuration from unlabeled rows only; a labeled probe then checks the
choice.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, train_test_split

from sklearn_jepa import JEPATransformer
from sklearn_jepa.datasets import few_label_accuracy

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
grid = {"n_components": [4, 16], "max_iter": [5, 50]}
search = GridSearchCV(JEPATransformer(random_state=0), grid, cv=3).fit(X_train)
print("chosen without labels:", search.best_params_)

results = []
for params, score in zip(
    search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True
):
    jepa = JEPATransformer(random_state=0, **params).fit(X_train)
    accuracy = few_label_accuracy(
        jepa.transform(X_train),
        y_train,
        jepa.transform(X_test),
        y_test,
        10,
        random_state=0,
    )
    results.append((score, accuracy))
    print(params, f"score {score:.3f}, 10-label accuracy {100 * accuracy:.1f} %")

fig, ax = plt.subplots(figsize=(5, 3))
scores, accuracies = np.array(results).T
ax.scatter(scores, 100 * accuracies)
ax.set(xlabel="label-free score (R²)", ylabel="accuracy, 10 labels/class (%)")
fig.tight_layout()
