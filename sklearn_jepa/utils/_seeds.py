"""One seeding scheme: named child streams of a ``numpy.random.SeedSequence``.

Randomness of a fit comes from one :class:`numpy.random.SeedSequence`; each
consumer (weights, shuffling, masks, samples, projection, each training call)
draws from its own named child stream.
"""

from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["Seeds"]


@dataclass(frozen=True)
class Seeds:
    """Named, independent seeds of one fit, from one ``SeedSequence``.

    ``seed(name, *key)`` is the first 32-bit word of the child sequence
    ``SeedSequence(entropy, spawn_key=(index of name, *key))``, as
    ``SeedSequence.spawn`` would give it: streams never overlap and adding
    one does not change the others.
    """

    entropy: int

    STREAMS = (
        "init",  # weight initialisation
        "shuffle",  # order of the training rows
        "train_masks",
        "valid_masks",
        "score_masks",
        "budget_masks",  # the one batch whose cost sets the budget
        "sample",  # diagnostic rows
        "split",  # early-stopping hold-out
        "projection",  # rows and randomized SVD of the projection
        "call",  # torch's global generator during each training call
        "shard",  # data-parallel fits: which rows each rank trains on
        "biases",  # rows the "blocks" read-out's biases are fitted on
    )

    @classmethod
    def from_random_state(cls, random_state):
        """An int is the entropy itself; otherwise draw one from the generator."""
        if isinstance(random_state, Integral) and not isinstance(random_state, bool):
            return cls(int(random_state))
        rng = check_random_state(random_state)
        return cls(int(rng.randint(np.iinfo(np.int32).max)))

    def seed(self, name, *key):
        spawn_key = (self.STREAMS.index(name), *key)
        sequence = np.random.SeedSequence(self.entropy, spawn_key=spawn_key)
        return int(sequence.generate_state(1)[0])

    def rng(self, name, *key):
        return np.random.RandomState(self.seed(name, *key))
