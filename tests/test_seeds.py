"""The seeding scheme (sklearn_jepa.utils._seeds)."""

import numpy as np

from sklearn_jepa.utils._seeds import Seeds


def test_seed_streams_are_independent_and_reproducible():
    seeds = Seeds.from_random_state(0)
    values = [seeds.seed(name) for name in Seeds.STREAMS]
    assert len(set(values)) == len(values)
    assert values == [Seeds(0).seed(name) for name in Seeds.STREAMS]
    assert seeds.seed("call", 0) != seeds.seed("call", 1)
    assert Seeds.from_random_state(1).seed("init") != seeds.seed("init")
    drawn = Seeds.from_random_state(np.random.RandomState(0))
    assert drawn == Seeds.from_random_state(np.random.RandomState(0))
