"""The demo: a few hundred skewed responses, the Census 2019 targets attached, weights that fix the skew."""

import time
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from analysis import selectors as analysis_selectors
from analysis.models import TargetSet, WeightingRun
from responses.models import Response
from surveys.models import Survey

pytestmark = pytest.mark.django_db

CENSUS_URBAN = 33_059_735 / 96_208_984


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True


def test_seed_demo_adds_skewed_responses_attaches_the_census_and_weights_them(django_capture_on_commit_callbacks):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        output = StringIO()
        call_command("seed_demo", stdout=output)
    assert time.monotonic() - started < 10
    survey = Survey.objects.get()
    finished = Response.objects.filter(survey=survey).finished()
    assert finished.count() >= 300
    answers = list(finished.values_list("id", "answers"))
    urban = np.array([a.get("area") == "urban" for _id, a in answers])
    assert urban.mean() > 0.6  # an online shop's customers: far more urban than the census's 34 %

    mapping = analysis_selectors.get_target_mapping(survey=survey)
    assert mapping.target_set.preset == "vietnam_census_2019"
    assert mapping.unmatched_policy == "exclude"  # "another" and "prefer not to say" have no census category
    assert {vm.target_variable.name: vm.question_key for vm in mapping.variables.all()} == {
        "sex": "gender",
        "area": "area",
        "region": "region",
    }
    run = WeightingRun.objects.get(survey=survey)
    assert run.status == "succeeded", run.error_message
    weights = analysis_selectors.get_active_weights(survey=survey)
    w = np.array([weights[i] for i, _a in answers])
    assert (w[urban].sum() / w.sum()) == pytest.approx(CENSUS_URBAN, abs=1e-6)
    assert run.diagnostics["n_excluded"] > 0

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())
    assert Response.objects.filter(survey=survey).count() == len(answers)
    assert TargetSet.objects.count() == 1
    assert WeightingRun.objects.count() == 1
