"""Database invariants of targets and weights, and the flag rule of the representativeness report."""

import json

import pytest
from django.db import IntegrityError, transaction

from analysis import services
from analysis.models import ResponseWeight, TargetCategory, WeightingRun
from analysis.representativeness import flag_of
from tests.analysis.conftest import add_responses

pytestmark = pytest.mark.django_db

VARIABLES = [{"name": "area", "categories": [{"code": "urban", "value": 0.3}, {"code": "rural", "value": 0.7}]}]


def test_target_values_cannot_be_negative_and_codes_are_unique(workspace):
    target_set = services.create_target_set(workspace=workspace, name="Khu vực", variables=VARIABLES)
    variable = target_set.variables.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetCategory.objects.filter(variable=variable, code="urban").update(value=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TargetCategory.objects.create(variable=variable, code="urban", value=0.1)


def test_one_weight_per_response_and_run_and_never_negative(survey):
    response = add_responses(survey, [{"area": "urban"}])[0]
    run = WeightingRun.objects.create(survey=survey)
    ResponseWeight.objects.create(run=run, response=response, weight=1.0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseWeight.objects.create(run=run, response=response, weight=2.0)
    other = WeightingRun.objects.create(survey=survey)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponseWeight.objects.create(run=other, response=response, weight=-0.5)


def test_run_status_and_progress_are_checked(survey):
    with pytest.raises(IntegrityError), transaction.atomic():
        WeightingRun.objects.create(survey=survey, status="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        WeightingRun.objects.create(survey=survey, progress=101)


@pytest.mark.parametrize(
    ("share", "target", "standardised", "flag"),
    [
        (0.70, 0.30, 0.87, "over"),
        (0.10, 0.30, -0.44, "under"),
        (0.33, 0.30, 0.065, ""),  # small standardised difference
        (0.012, 0.01, 0.02, ""),  # 20 % off but a trivial gap
        (0.40, 0.30, 0.22, "over"),  # 33 % off and 0.22 standard deviations
        (0.5, 0.5, None, ""),
    ],
)
def test_flags_need_both_a_meaningful_standardised_and_relative_difference(share, target, standardised, flag):
    assert flag_of(share, target, standardised) == flag


def test_diagnostics_are_strict_json():
    assert services.json_safe({"a": [float("nan"), 1.5, float("inf")]}) == {"a": [None, 1.5, None]}
    json.dumps(services.json_safe({"p": float("nan")}), allow_nan=False)
