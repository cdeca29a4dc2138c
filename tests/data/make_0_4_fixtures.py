"""Write the sklearn-jepa 0.4 fixtures of this folder.

Run inside a checkout of 0.4 (commit ca476eb^)::

    PYTHONPATH=/path/to/0.4 python tests/data/make_0_4_fixtures.py tests/data
"""

import pickle
import sys

import numpy as np
from sklearn.datasets import load_digits


def main(out):
    from sklearn_jepa import JEPATransformer, save

    X = load_digits(return_X_y=True)[0][:400]
    table = JEPATransformer(
        4, hidden_size=16, max_iter=2, masking=0.4, random_state=0
    ).fit(X)
    signals = np.cumsum(np.random.RandomState(0).randn(60, 40), axis=1)
    signal = JEPATransformer(
        4,
        input_shape=(40,),
        hidden_size=8,
        n_layers=2,
        max_iter=1,
        random_state=0,
        encoder_params={"stride": 2},
    ).fit(signals)
    for name, model, rows in (
        ("jepa_0_4", table, X[:20]),
        ("jepa_0_4_signal", signal, signals[:10]),
    ):
        with open(f"{out}/{name}.pkl", "wb") as f:
            pickle.dump(model, f)
        save(model, f"{out}/{name}.pt")
        np.save(f"{out}/{name}_transform.npy", model.transform(rows))


if __name__ == "__main__":
    main(sys.argv[1])
