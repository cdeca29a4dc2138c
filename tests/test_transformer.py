"""sklearn_jepa._transformer: where 0.2 pickles find the estimator."""

import pickle

from sklearn_jepa import JEPATransformer, _transformer


def test_the_old_module_path_names_the_same_class():
    assert _transformer.JEPATransformer is JEPATransformer


def test_a_pickle_naming_the_old_module_loads():
    data = pickle.dumps(JEPATransformer(n_components=3), protocol=0)
    old = data.replace(b"sklearn_jepa._estimator", b"sklearn_jepa._transformer")
    assert old != data
    jepa = pickle.loads(old)
    assert isinstance(jepa, JEPATransformer) and jepa.n_components == 3
