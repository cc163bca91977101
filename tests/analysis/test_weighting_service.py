"""Weighting a survey's finished responses against its mapped targets, through the service and the task."""

import numpy as np
import pytest
from django.utils import translation

from analysis import selectors, services
from analysis.models import ResponseWeight, SurveyTargetMapping, WeightingRun
from responses.models import Response
from surveys.errors import Conflict, InvalidInput
from tests.analysis.conftest import add_responses, skewed_answers

pytestmark = pytest.mark.django_db

SEX_AREA = [
    {
        "name": "sex",
        "kind": "shares",
        "categories": [
            {"code": "male", "value": 0.5, "label_vi": "Nam"},
            {"code": "female", "value": 0.5, "label_vi": "Nữ"},
        ],
    },
    {
        "name": "area",
        "kind": "counts",
        "categories": [
            {"code": "urban", "value": 30, "label_en": "Urban"},
            {"code": "rural", "value": 70, "label_en": "Rural"},
        ],
    },
]


@pytest.fixture
def targets(workspace, owner_user):
    return services.create_target_set(workspace=workspace, name="Khách hàng", variables=SEX_AREA, created_by=owner_user)


@pytest.fixture
def attached(survey, targets):
    return services.save_target_mapping(survey=survey, target_set=targets)


def _run(survey, django_capture_on_commit_callbacks, **bounds) -> WeightingRun:
    with django_capture_on_commit_callbacks(execute=True):
        run = services.create_weighting_run(survey=survey, **bounds)
    run.refresh_from_db()
    return run


def test_suggested_mapping_recodes_by_role_and_accent_insensitive_labels(survey, targets):
    suggestion = services.suggest_variable_mappings(survey=survey, target_set=targets)
    # "Nữ" ↔ "Nữ", "Nam" ↔ "Nam"; "Khác" and "prefer not to say" have no category: excluded, visibly.
    assert suggestion["sex"] == {
        "question_key": "gender",
        "recoding": {"f": "female", "m": "male", "another": None, "prefer_not_to_say": None},
    }
    assert suggestion["area"] == {"question_key": "area", "recoding": {"urban": "urban", "rural": "rural"}}


def test_weights_reach_the_targets_and_are_stored_per_response(survey, attached, django_capture_on_commit_callbacks):
    responses = add_responses(
        survey, skewed_answers({("f", "urban"): 40, ("m", "urban"): 30, ("f", "rural"): 20, ("m", "rural"): 10})
    )
    add_responses(survey, [{"gender": "f", "area": "urban"}], status=Response.Status.PARTIAL)  # not finished
    run = _run(survey, django_capture_on_commit_callbacks)
    assert run.status == WeightingRun.Status.SUCCEEDED, run.error_message
    assert run.progress == 100
    weights = selectors.get_active_weights(survey=survey)
    assert set(weights) == {r.id for r in responses}
    answers = {r.id: r.answers for r in responses}
    w = np.array([weights[i] for i in answers])
    female = np.array([answers[i]["gender"] == "f" for i in answers])
    urban = np.array([answers[i]["area"] == "urban" for i in answers])
    assert w[female].sum() / w.sum() == pytest.approx(0.5, abs=1e-8)
    assert w[urban].sum() / w.sum() == pytest.approx(0.3, abs=1e-8)
    assert w.mean() == pytest.approx(1.0)
    diagnostics = run.diagnostics
    assert diagnostics["converged"] is True
    assert diagnostics["summary"]["design_effect"] >= 1
    assert diagnostics["summary"]["effective_sample_size"] <= 100
    assert diagnostics["before"]["fits"][1]["chi_square"] > diagnostics["after"]["fits"][1]["chi_square"]


def test_unmatched_respondents_fail_the_run_by_default_and_write_nothing(
    survey, attached, django_capture_on_commit_callbacks
):
    add_responses(survey, skewed_answers({("f", "urban"): 5, ("m", "rural"): 5, ("prefer_not_to_say", "urban"): 2}))
    add_responses(survey, [{"area": "rural", "region": "north"}])  # no gender answer
    run = _run(survey, django_capture_on_commit_callbacks)
    assert run.status == WeightingRun.Status.FAILED
    with translation.override("en"):
        text = services.render_run_error(run)
    assert "3 respondents have no target category for sex" in text
    assert "1 did not answer, 2 chose an excluded option" in text
    assert not ResponseWeight.objects.filter(run=run).exists()
    assert selectors.get_active_weights(survey=survey) is None


def test_excluding_unmatched_respondents_gives_them_weight_zero(survey, targets, django_capture_on_commit_callbacks):
    services.save_target_mapping(
        survey=survey, target_set=targets, unmatched_policy=SurveyTargetMapping.UnmatchedPolicy.EXCLUDE
    )
    kept = add_responses(
        survey, skewed_answers({("f", "urban"): 6, ("m", "rural"): 4, ("m", "urban"): 3, ("f", "rural"): 2})
    )
    excluded = add_responses(survey, [{"gender": "another", "area": "urban", "region": "north"}])
    run = _run(survey, django_capture_on_commit_callbacks)
    assert run.status == WeightingRun.Status.SUCCEEDED
    weights = selectors.get_active_weights(survey=survey)
    assert weights[excluded[0].id] == 0.0
    assert all(weights[r.id] > 0 for r in kept)
    assert run.diagnostics["n_excluded"] == 1
    assert run.diagnostics["unmatched"][0] == {"variable": "sex", "missing": 0, "excluded": 1, "unknown": 0}


def test_a_target_category_without_respondents_is_a_clear_error(survey, attached, django_capture_on_commit_callbacks):
    add_responses(survey, skewed_answers({("f", "urban"): 5, ("m", "urban"): 5}))  # nobody rural
    run = _run(survey, django_capture_on_commit_callbacks)
    assert run.status == WeightingRun.Status.FAILED
    with translation.override("en"):
        assert services.render_run_error(run) == (
            "Nobody answered rural for area, so its target share cannot be reached."
        )
    assert selectors.get_active_weights(survey=survey) is None


def test_bounds_that_make_targets_unreachable_fail_with_the_achieved_errors(
    survey, attached, django_capture_on_commit_callbacks
):
    add_responses(
        survey, skewed_answers({("f", "urban"): 60, ("m", "urban"): 30, ("f", "rural"): 5, ("m", "rural"): 5})
    )
    run = _run(survey, django_capture_on_commit_callbacks, upper_bound=1.5)
    assert run.status == WeightingRun.Status.FAILED
    with translation.override("en"):
        assert "The bounds on the weights make the targets unreachable" in services.render_run_error(run)
    assert run.diagnostics["converged"] is False
    assert run.diagnostics["max_error"] > 1e-3
    assert not ResponseWeight.objects.filter(run=run).exists()


def test_a_failed_run_keeps_the_previous_weights_active(survey, attached, django_capture_on_commit_callbacks):
    add_responses(survey, skewed_answers({("f", "urban"): 6, ("m", "rural"): 4, ("m", "urban"): 3, ("f", "rural"): 2}))
    good = _run(survey, django_capture_on_commit_callbacks)
    bad = _run(survey, django_capture_on_commit_callbacks, upper_bound=1.01)
    assert bad.status == WeightingRun.Status.FAILED
    assert selectors.get_active_run(survey=survey) == good


def test_runs_need_a_mapping_and_valid_bounds(survey, targets):
    with pytest.raises(InvalidInput) as error:
        services.create_weighting_run(survey=survey)
    assert error.value.code == "no_targets"
    services.save_target_mapping(survey=survey, target_set=targets)
    with pytest.raises(InvalidInput) as error:
        services.create_weighting_run(survey=survey, lower_bound=2, upper_bound=0.5)
    assert set(error.value.fields) == {"lower_bound", "upper_bound"}
    assert not WeightingRun.objects.exists()


def test_a_second_run_while_one_is_queued_is_refused(survey, attached):
    services.create_weighting_run(survey=survey)  # on_commit never fires here: it stays queued
    with pytest.raises(Conflict):
        services.create_weighting_run(survey=survey)


def test_running_a_finished_run_again_changes_nothing(survey, attached, django_capture_on_commit_callbacks):
    add_responses(survey, skewed_answers({("f", "urban"): 6, ("m", "rural"): 4, ("m", "urban"): 3, ("f", "rural"): 2}))
    run = _run(survey, django_capture_on_commit_callbacks)
    before = dict(ResponseWeight.objects.filter(run=run).values_list("response_id", "weight"))
    services.run_weighting(run_id=run.id)
    assert dict(ResponseWeight.objects.filter(run=run).values_list("response_id", "weight")) == before


@pytest.mark.worker
def test_weighting_runs_through_the_celery_worker(survey, attached):
    import time

    add_responses(survey, skewed_answers({("f", "urban"): 6, ("m", "rural"): 4, ("m", "urban"): 3, ("f", "rural"): 2}))
    run = services.create_weighting_run(survey=survey)  # committed: on_commit sends the task
    deadline = time.monotonic() + 30
    while True:
        run.refresh_from_db()
        if run.is_finished or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert run.status == WeightingRun.Status.SUCCEEDED, run.error_message
    assert len(selectors.get_active_weights(survey=survey)) == 15


# --- discarding the current weights ------------------------------------------------------------


def test_discarding_weights_leaves_the_survey_unweighted_until_a_new_run(
    survey, attached, owner_user, django_capture_on_commit_callbacks
):
    from analysis import results as analysis_results
    from surveys.models import AuditEvent

    add_responses(survey, skewed_answers({("f", "urban"): 6, ("m", "rural"): 4, ("m", "urban"): 3, ("f", "rural"): 2}))
    older = _run(survey, django_capture_on_commit_callbacks)
    latest = _run(survey, django_capture_on_commit_callbacks)
    assert selectors.get_active_run(survey=survey) == latest
    discarded = services.discard_weights(survey=survey, discarded_by=owner_user)
    assert discarded == latest
    # The run stays (with its diagnostics) but has no weights; the older run's weights do not come back.
    latest.refresh_from_db()
    assert latest.status == WeightingRun.Status.SUCCEEDED and latest.diagnostics["converged"] is True
    assert not ResponseWeight.objects.filter(run=latest).exists()
    assert ResponseWeight.objects.filter(run=older).count() == 15
    assert selectors.get_active_run(survey=survey) is None
    assert selectors.get_active_weights(survey=survey) is None
    assert selectors.get_discarded_run(survey=survey) == latest
    # Results say they are unweighted because the weights were discarded; asking for weights is refused.
    results = analysis_results.get_results(survey=survey, filters=analysis_results.ResultFilters())
    assert results.weighting.is_discarded and not results.weighting.is_available
    with pytest.raises(InvalidInput):
        analysis_results.get_results(survey=survey, filters=analysis_results.ResultFilters(weighted=True))
    # One audit line, and a second discard is refused and records nothing.
    lines = AuditEvent.objects.filter(action=AuditEvent.Action.DELETED, object_type="weightingrun")
    assert [(line.object_id, line.actor, line.details) for line in lines] == [(latest.id, owner_user, {"count": 15})]
    with pytest.raises(Conflict) as refused:
        services.discard_weights(survey=survey, discarded_by=owner_user)
    assert refused.value.code == "no_weights"
    assert lines.count() == 1
    # A retried task of the discarded run does not bring its weights back.
    services.run_weighting(run_id=latest.id)
    assert selectors.get_active_run(survey=survey) is None
    # Running the weighting again makes new weights.
    fresh = _run(survey, django_capture_on_commit_callbacks)
    assert selectors.get_active_run(survey=survey) == fresh
    assert len(selectors.get_active_weights(survey=survey)) == 15
    assert selectors.get_discarded_run(survey=survey) is None


def test_discarding_without_weights_is_refused(survey, attached, django_capture_on_commit_callbacks):
    with pytest.raises(Conflict) as refused:
        services.discard_weights(survey=survey)
    assert refused.value.code == "no_weights"
    add_responses(survey, skewed_answers({("f", "urban"): 5, ("m", "urban"): 5}))  # nobody rural: the run fails
    failed = _run(survey, django_capture_on_commit_callbacks)
    assert failed.status == WeightingRun.Status.FAILED
    with pytest.raises(Conflict):
        services.discard_weights(survey=survey)
    assert WeightingRun.objects.get() == failed
