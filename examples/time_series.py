"""Time series from aeon (or sktime) in a scikit-learn pipeline.

aeon and sktime hold a collection of series as a 3-D array ``(n_cases,
n_channels, n_timepoints)``. ``JEPATransformer`` takes one row per case:
flatten each case in C order (channel after channel) and give the shape of
one case as ``input_shape=(n_channels, n_timepoints)`` with
``input_kind="signal"`` (a 1-channel series can use ``input_shape=(L,)``).
Series of unequal length are brought to one length first; here by linear
resampling (aeon also ships equal-length versions of some archive sets).

    pip install torch==2.13.0 -e ".[timeseries]"
    python examples/time_series.py            # about 30 s on 2 cores

BasicMotions (UEA archive, bundled with aeon): 4 activities, 6 accelerometer
and gyroscope channels, 100 steps; 40 training cases, 40 test cases.
"""

import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_jepa import JEPATransformer


def to_rows(X):
    """aeon's ``(n_cases, n_channels, n_timepoints)`` -> rows and one case's shape."""
    X = np.asarray(X, dtype=np.float64)
    return X.reshape(len(X), -1), X.shape[1:]


def resample(series_list, length):
    """Unequal-length cases (a list of ``(n_channels, n_i)`` arrays) -> one length."""
    grid = np.linspace(0.0, 1.0, length)
    out = [
        [np.interp(grid, np.linspace(0.0, 1.0, s.shape[1]), channel) for channel in s]
        for s in series_list
    ]
    return np.asarray(out)


def main():
    try:
        from aeon.datasets import load_classification
    except ImportError as error:  # aeon is an optional extra
        raise SystemExit(
            'This example needs aeon: pip install -e ".[timeseries]"'
        ) from error

    X_train, y_train = load_classification("BasicMotions", split="train")
    X_test, y_test = load_classification("BasicMotions", split="test")
    X_train, shape = to_rows(X_train)
    X_test, _ = to_rows(X_test)
    print(
        f"{len(X_train)} training cases of shape {shape} -> rows of {X_train.shape[1]}"
    )

    raw = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    jepa = make_pipeline(
        JEPATransformer(input_shape=shape, input_kind="signal", random_state=0),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    )
    for name, model in [("raw series", raw), ("JEPA", jepa)]:
        start = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - start
        accuracy = model.score(X_test, y_test)
        print(f"{name:11s} test accuracy {accuracy:.3f} ({seconds:.1f} s)")

    # Unequal lengths: JapaneseVowels (12 channels, 7 to 29 steps per case).
    train_list, y_train = load_classification("JapaneseVowels", split="train")
    test_list, y_test = load_classification("JapaneseVowels", split="test")
    X_train, shape = to_rows(resample(train_list, 25))
    X_test, _ = to_rows(resample(test_list, 25))
    print(f"JapaneseVowels: {len(train_list)} cases of 7-29 steps -> {shape}")
    jepa.set_params(jepatransformer__input_shape=shape).fit(X_train, y_train)
    print(f"JEPA        test accuracy {jepa.score(X_test, y_test):.3f}")


if __name__ == "__main__":
    main()
