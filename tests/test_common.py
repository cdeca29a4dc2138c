"""scikit-learn's estimator checks, including those check_estimator skips."""

import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    parametrize_with_checks,
)

from sklearn_jepa import JEPAClassifier, JEPATransformer

SMALL = dict(n_components=3, hidden_size=16, max_iter=2, batch_size=16, random_state=0)

TOKENS = dict(SMALL, hidden_size=8, n_layers=1)
ATTENTION = dict(TOKENS, encoder_params={"n_heads": 2})

ESTIMATORS = [
    JEPATransformer(**SMALL),
    JEPATransformer(**ATTENTION, input_kind="image"),
    JEPATransformer(
        **ATTENTION, input_kind="signal", encoder="transformer", pooling="flatten"
    ),
    JEPATransformer(
        **TOKENS, encoder="transformer", encoder_params={"n_heads": 2, "n_registers": 2}
    ),
    JEPATransformer(**{**ATTENTION, "n_components": None}, input_kind="image"),
    # signal default: dilated convolutions, max pooling, whole embedding
    JEPATransformer(**{**TOKENS, "n_components": None}, input_kind="signal"),
]


# the semi-supervised classifier: small pre-training, short fine-tuning (its
# token and series paths: tests/test_classifier.py, tests/test_finetune.py)
CLASSIFIERS = [JEPAClassifier(JEPATransformer(**SMALL), max_iter=20, random_state=0)]


def _expected_failed_checks(estimator):
    if isinstance(estimator, JEPAClassifier):
        # scikit-learn exempts its own semi-supervised classifiers by name
        return {
            "check_classifiers_classes": (
                "-1 marks an unlabeled row, so the labels [-1, 1] are one class"
            )
        }
    return {}


@parametrize_with_checks(
    ESTIMATORS + CLASSIFIERS, expected_failed_checks=_expected_failed_checks
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


EXTRA_CHECKS = [
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_dataframe_column_names_consistency,
    check_param_validation,
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: repr(e)[:60])
@pytest.mark.parametrize("check", EXTRA_CHECKS, ids=lambda c: c.__name__)
def test_extra_sklearn_checks(estimator, check):
    check(type(estimator).__name__, estimator)
