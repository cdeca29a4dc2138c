"""Few labels, many unlabeled rows: JEPA vs PCA vs raw features on digits.

The representation is learned on all unlabeled training rows; a logistic
regression then sees only ``k`` labeled examples per class. Run::

    python examples/digits_few_labels.py
"""

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_jepa import JEPATransformer
from sklearn_jepa.datasets import few_label_indices


def few_label_accuracy(Z_train, y_train, Z_test, y_test, per_class, seed):
    idx = few_label_indices(y_train, per_class, random_state=seed)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    return clf.fit(Z_train[idx], y_train[idx]).score(Z_test, y_test)


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    models = {
        "raw": None,
        "PCA(16)": PCA(n_components=16, random_state=0),
        "JEPA(16) table": JEPATransformer(n_components=16, random_state=0),
        "JEPA(16) image 8x8": JEPATransformer(
            n_components=16, input_shape=(8, 8), random_state=0
        ),
    }
    print(f"{'representation':<20} {'fit s':>6} {'10/class':>9} {'all':>6}")
    for name, model in models.items():
        start = time.perf_counter()
        if model is None:
            Z_train, Z_test = X_train, X_test
        else:
            Z_train = model.fit_transform(X_train)
            Z_test = model.transform(X_test)
        elapsed = time.perf_counter() - start
        few = np.mean(
            [
                few_label_accuracy(Z_train, y_train, Z_test, y_test, 10, s)
                for s in range(3)
            ]
        )
        full = few_label_accuracy(Z_train, y_train, Z_test, y_test, None, 0)
        print(f"{name:<20} {elapsed:6.1f} {100 * few:9.1f} {100 * full:6.1f}")


if __name__ == "__main__":
    main()
