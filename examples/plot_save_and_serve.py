"""
Save, load and serve the encoder
================================

A fitted transformer saves to a weights-only file (no pickles, no code runs
at load) and gives its trained encoder as a plain torch module whose output
equals ``transform``.
"""

import os
import tempfile

import numpy as np
import torch
from sklearn.datasets import load_digits

from sklearn_jepa import JEPATransformer, load, save

X, _ = load_digits(return_X_y=True)
jepa = JEPATransformer(n_components=8, max_iter=5, random_state=0).fit(X)

path = os.path.join(tempfile.mkdtemp(), "jepa.pt")
save(jepa, path)
restored = load(path)
print("identical after load:", np.array_equal(restored.transform(X), jepa.transform(X)))

encoder = jepa.to_torch()
with torch.no_grad():
    Z = encoder(torch.from_numpy(X)).numpy()
print("torch module equals transform:", np.allclose(Z, jepa.transform(X), atol=1e-5))

batch = torch.export.Dim("batch")
program = torch.export.export(
    encoder, (torch.from_numpy(X[:4]),), dynamic_shapes=({0: batch},)
)
print(
    "exported; a batch of 10 gives",
    tuple(program.module()(torch.from_numpy(X[:10])).shape),
)
