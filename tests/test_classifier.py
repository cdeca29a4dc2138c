"""JEPAClassifier: pre-training on every row, fine-tuning on the labeled ones."""

import io

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import check_param_validation

from sklearn_jepa import JEPAClassifier, JEPATransformer

SMALL = dict(hidden_size=16, max_iter=2, batch_size=16, random_state=0)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600], X[1000:1300], y[1000:1300]


@pytest.fixture(scope="module")
def pretrained(digits):
    X, _, _, _ = digits
    return JEPATransformer(**SMALL).fit(X)


def _partial(y, n_labeled):
    y_partial = np.full_like(y, -1)
    y_partial[:n_labeled] = y[:n_labeled]
    return y_partial


def test_classifier_learns_from_few_labels(digits, pretrained):
    X, y, X_test, y_test = digits
    model = JEPAClassifier(pretrained, prefit=True, max_iter=60, random_state=0)
    model.fit(X, _partial(y, 150))
    assert_array_equal(model.classes_, np.arange(10))
    # the labeled rows are learned, and it generalises
    assert model.score(X[:150], y[:150]) > 0.95
    assert model.score(X_test, y_test) > 0.7  # chance: 0.1
    assert model.n_iter_ == 60
    assert model.loss_curve_[-1] < model.loss_curve_[0] / 5


def test_classifier_ignores_unlabeled_rows_when_prefit(digits, pretrained):
    X, y, X_test, _ = digits
    y_partial = _partial(y, 100)
    params = dict(prefit=True, max_iter=5, random_state=0)
    a = JEPAClassifier(pretrained, **params).fit(X, y_partial)
    b = JEPAClassifier(pretrained, **params).fit(X[:100], y[:100])
    assert_array_equal(a.predict_proba(X_test), b.predict_proba(X_test))
    assert a.transformer_ is pretrained  # used as it is, not refitted


def test_classifier_pretrains_on_every_row(digits):
    X, y, X_test, _ = digits
    model = JEPAClassifier(JEPATransformer(**SMALL), max_iter=3, random_state=0)
    model.fit(X, _partial(y, 50))
    alone = JEPATransformer(**SMALL).fit(X)
    assert_array_equal(model.transformer_.transform(X_test), alone.transform(X_test))
    assert model.transformer is not model.transformer_  # cloned


def test_classifier_is_reproducible_and_round_trips(digits, pretrained):
    X, y, X_test, _ = digits
    params = dict(prefit=True, max_iter=5, random_state=3)
    a = JEPAClassifier(pretrained, **params).fit(X, _partial(y, 80))
    b = JEPAClassifier(pretrained, **params).fit(X, _partial(y, 80))
    proba = a.predict_proba(X_test)
    assert_array_equal(proba, b.predict_proba(X_test))
    assert_allclose(proba.sum(axis=1), 1.0)
    buffer = io.BytesIO()
    joblib.dump(a, buffer)
    buffer.seek(0)
    loaded = joblib.load(buffer)
    assert_array_equal(loaded.predict_proba(X_test), proba)
    # another seed, another head
    c = JEPAClassifier(pretrained, **{**params, "random_state": 4})
    assert not np.array_equal(c.fit(X, _partial(y, 80)).predict_proba(X_test), proba)


def test_classifier_predictions_do_not_depend_on_the_other_rows(digits, pretrained):
    X, y, X_test, _ = digits
    model = JEPAClassifier(pretrained, prefit=True, max_iter=2, random_state=0)
    model.fit(X, _partial(y, 60))
    logits = model.decision_function(X_test)
    order = np.random.RandomState(0).permutation(len(X_test))
    assert_array_equal(model.decision_function(X_test[order]), logits[order])
    assert_array_equal(model.decision_function(X_test[5:6]), logits[5:6])
    assert_array_equal(model.predict(X_test), model.classes_[logits.argmax(axis=1)])


def test_classifier_binary_decision_function(digits, pretrained):
    X, y, X_test, _ = digits
    rows = y < 2
    model = JEPAClassifier(pretrained, prefit=True, max_iter=3, random_state=0)
    model.fit(X[rows], y[rows])
    decision = model.decision_function(X_test)
    assert decision.shape == (len(X_test),)
    assert_array_equal(
        model.classes_[(decision > 0).astype(int)], model.predict(X_test)
    )


def test_classifier_object_labels_with_unlabeled_rows(digits, pretrained):
    X, y, X_test, _ = digits
    names = np.array(["zero", "one", "two"], dtype=object)
    rows = y < 3
    labels = names[y[rows]].copy()
    labels[40:] = -1  # unlabeled
    model = JEPAClassifier(pretrained, prefit=True, max_iter=3, random_state=0)
    model.fit(X[rows], labels)
    assert sorted(model.classes_) == ["one", "two", "zero"]
    assert set(model.predict(X_test)) <= set(names)


def test_classifier_reads_nan_as_hidden(digits, pretrained):
    X, y, X_test, _ = digits
    X = X.copy()
    X[::3, 10] = np.nan
    model = JEPAClassifier(pretrained, prefit=True, max_iter=3, random_state=0)
    model.fit(X, _partial(y, 100))
    X_test = X_test.copy()
    X_test[:, :20] = np.nan
    assert np.isfinite(model.predict_proba(X_test)).all()


def test_classifier_on_image_stacks_and_ragged_series():
    rng = np.random.RandomState(0)
    images = rng.rand(40, 8, 8).astype(np.float32)
    y = np.arange(40) % 2
    images[y == 1, :4] += 1.0
    jepa = JEPATransformer(input_shape=(8, 8), **SMALL)
    model = JEPAClassifier(jepa, max_iter=20, random_state=0).fit(images, y)
    assert model.transformer_.config_.kind == "image"
    assert model.score(images, y) > 0.9
    series = [rng.randn(n) + (n % 2) * 3 for n in range(20, 60)]
    labels = np.arange(20, 60) % 2
    jepa = JEPATransformer(**SMALL)
    model = JEPAClassifier(jepa, max_iter=20, random_state=0).fit(series, labels)
    assert model.transformer_.config_.kind == "signal"
    assert model.predict(series[:5]).shape == (5,)


def test_classifier_errors(digits, pretrained):
    X, y, _, _ = digits
    model = JEPAClassifier(pretrained, prefit=True, max_iter=1)
    with pytest.raises(ValueError, match="holds no label"):
        model.fit(X[:10], np.full(10, -1))
    with pytest.raises(ValueError, match="at least two classes"):
        model.fit(X[:10], np.r_[np.zeros(5), np.full(5, -1)])
    with pytest.raises(ValueError, match="target y is None"):
        model.fit(X[:10], None)
    with pytest.raises(ValueError, match="different numbers of rows"):
        model.fit(X[:10], y[:9])
    with pytest.raises(ValueError, match="Unknown label type"):
        model.fit(X[:10], np.linspace(0, 1, 10))
    with pytest.raises(NotFittedError):
        JEPAClassifier(JEPATransformer(), prefit=True).fit(X[:10], y[:10])
    with pytest.raises(ValueError, match="needs a fitted transformer"):
        JEPAClassifier(prefit=True).fit(X[:10], y[:10])
    with pytest.raises(NotFittedError):
        JEPAClassifier().predict(X[:3])
    fitted = model.fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="features"):
        fitted.predict(X[:3, :10])
    with pytest.raises(ValueError, match="inf"):
        fitted.predict(np.full((2, 64), np.inf))


def test_classifier_in_a_grid_search(digits, pretrained):
    X, y, _, _ = digits
    grid = GridSearchCV(
        JEPAClassifier(pretrained, prefit=True, max_iter=3, random_state=0),
        {"learning_rate": [1e-4, 3e-3]},
        cv=2,
        n_jobs=2,
    ).fit(X[:200], y[:200])
    scores = grid.cv_results_["mean_test_score"]
    assert scores.shape == (2,) and np.all((scores > 0) & (scores <= 1))
    assert clone(grid.best_estimator_).get_params()["prefit"] is True


def test_classifier_keeps_the_weights_reached_on_an_interrupt(
    digits, pretrained, monkeypatch
):
    from sklearn_jepa.engine import _finetune

    X, y, X_test, _ = digits
    calls = {"n": 0}
    forward = _finetune.EncoderClassifier.forward

    def interrupted(self, x):
        calls["n"] += 1
        if calls["n"] == 30:  # in the 3rd pass of 13 batches
            raise KeyboardInterrupt
        return forward(self, x)

    monkeypatch.setattr(_finetune.EncoderClassifier, "forward", interrupted)
    model = JEPAClassifier(pretrained, prefit=True, max_iter=10, batch_size=16)
    with pytest.warns(UserWarning, match="interrupted after 2 of 10"):
        model.fit(X[:200], y[:200])
    assert model.n_iter_ == 2
    assert np.isfinite(model.predict_proba(X_test)).all()


def test_classifier_param_validation():
    check_param_validation("JEPAClassifier", JEPAClassifier())


def test_clone_shares_a_prefit_transformer_only(pretrained):
    shared = clone(JEPAClassifier(pretrained, prefit=True, learning_rate=0.01))
    assert shared.transformer is pretrained
    assert shared.learning_rate == 0.01
    cloned = clone(JEPAClassifier(pretrained))
    assert cloned.transformer is not pretrained
    assert not hasattr(cloned.transformer, "net_")


def test_save_names_joblib_for_a_classifier(digits, pretrained, tmp_path):
    from sklearn_jepa import save

    X, y, _, _ = digits
    model = JEPAClassifier(pretrained, prefit=True, max_iter=1).fit(X[:50], y[:50])
    with pytest.raises(TypeError, match="joblib"):
        save(model, tmp_path / "model.pt")


def test_label_errors_come_before_the_pre_training(digits, monkeypatch):
    X, y, _, _ = digits

    def fail(*args, **kwargs):
        raise AssertionError("pre-trained")

    monkeypatch.setattr(JEPATransformer, "fit", fail)
    with pytest.raises(ValueError, match="at least two classes"):
        JEPAClassifier().fit(X[:20], np.r_[np.ones(10), np.full(10, -1)])
    with pytest.raises(ValueError, match="holds no label"):
        JEPAClassifier().fit(X[:20], np.full(20, -1))
