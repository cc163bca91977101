"""The analysis API: target sets, mapping, representativeness and weighting runs, end to end."""

import io

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from analysis.models import ResponseWeight, TargetSet, WeightingRun
from surveys import services as survey_services
from tests.analysis.conftest import add_responses, skewed_answers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TARGETS = {
    "name": "Khách hàng",
    "source": "Danh sách khách 2025",
    "variables": [
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
            "categories": [{"code": "urban", "value": 300}, {"code": "rural", "value": 700}],
        },
    ],
}


@pytest.fixture
def api(owner_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner_user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def _url(name: str, **kwargs) -> str:
    return reverse(f"analysis:{name}", kwargs=kwargs)


def test_weighting_through_the_api(api, survey, workspace, django_capture_on_commit_callbacks):
    responses = add_responses(
        survey, skewed_answers({("f", "urban"): 40, ("m", "urban"): 30, ("f", "rural"): 20, ("m", "rural"): 10})
    )
    created = api.post(_url("target-set-list", slug=workspace.slug), TARGETS, format="json")
    assert created.status_code == 201, created.content
    target_set = created.json()
    assert [v["name"] for v in target_set["variables"]] == ["sex", "area"]

    mapping = api.put(_url("target-mapping", slug=survey.slug), {"target_set": target_set["id"]}, format="json")
    assert mapping.status_code == 200, mapping.content
    assert mapping.json()["variables"]["sex"] == {
        "question_key": "gender",
        "recoding": {"f": "female", "m": "male", "another": None, "prefer_not_to_say": None},
    }

    report = api.get(_url("representativeness", slug=survey.slug)).json()
    area = next(v for v in report["variables"] if v["name"] == "area")
    urban = next(r for r in area["rows"] if r["code"] == "urban")
    assert urban["share"] == pytest.approx(0.7) and urban["target_share"] == pytest.approx(0.3)
    assert urban["flag"] == "over"
    assert area["fit_before"]["chi_square"] > 50
    assert report["active_run"] is None

    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(
            _url("weighting-run-list", slug=survey.slug), {"lower_bound": 0.2, "upper_bound": 5}, format="json"
        )
    assert started.status_code == 202, started.content
    run = api.get(_url("weighting-run-detail", run_id=started.json()["id"])).json()
    assert run["status"] == "succeeded" and run["progress"] == 100 and run["error"] == ""
    assert run["options"]["upper_bound"] == 5
    assert run["diagnostics"]["summary"]["design_effect"] >= 1

    page = api.get(_url("weighting-run-weights", run_id=run["id"]), {"page_size": 40}).json()
    assert page["count"] == len(responses) == 100
    assert len(page["results"]) == 40
    assert {"response", "weight"} == set(page["results"][0])

    report = api.get(_url("representativeness", slug=survey.slug)).json()
    area = next(v for v in report["variables"] if v["name"] == "area")
    assert next(r for r in area["rows"] if r["code"] == "urban")["weighted_share"] == pytest.approx(0.3, abs=1e-8)
    assert area["fit_after"]["chi_square"] == pytest.approx(0, abs=1e-6)
    assert report["weights_discarded"] is False and run["weights_discarded"] is False

    # Discard the weights: the run stays, marked, and the survey is unweighted; a second discard is a 409.
    discarded = api.delete(_url("survey-weights", slug=survey.slug))
    assert discarded.status_code == 204, discarded.content
    report = api.get(_url("representativeness", slug=survey.slug)).json()
    assert report["active_run"] is None and report["weights_discarded"] is True
    area = next(v for v in report["variables"] if v["name"] == "area")
    assert all(r["weighted_share"] is None for r in area["rows"])
    run = api.get(_url("weighting-run-detail", run_id=run["id"])).json()
    assert run["status"] == "succeeded" and run["weights_discarded"] is True
    assert [
        r["weights_discarded"] for r in api.get(_url("weighting-run-list", slug=survey.slug)).json()["results"]
    ] == [True]
    assert api.get(_url("weighting-run-weights", run_id=run["id"])).json()["count"] == 0
    again = api.delete(_url("survey-weights", slug=survey.slug))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "no_weights"
    assert again.json()["error"]["message"] == "This survey has no weights to discard."
    results = api.get(reverse("results:survey-results", kwargs={"slug": survey.slug})).json()
    assert results["weighting"]["is_discarded"] is True and results["weighting"]["is_applied"] is False


def test_bad_targets_and_mappings_get_the_error_format(api, survey, workspace):
    bad = {
        **TARGETS,
        "variables": [{"name": "sex", "categories": [{"code": "m", "value": 0.2}, {"code": "f", "value": 0.2}]}],
    }
    response = api.post(_url("target-set-list", slug=workspace.slug), bad, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"variables.0": ["The shares for sex add up to 0.4, not 1."]}
    target_set = api.post(_url("target-set-list", slug=workspace.slug), TARGETS, format="json").json()
    response = api.put(
        _url("target-mapping", slug=survey.slug),
        {
            "target_set": target_set["id"],
            "variables": {"area": {"question_key": "area", "recoding": {"urban": "urban"}}},
        },
        format="json",
    )
    assert response.status_code == 400
    assert "variables.area.recoding.rural" in response.json()["error"]["fields"]
    assert api.get(_url("target-mapping", slug=survey.slug)).status_code == 404


def test_upload_and_preset(api, workspace):
    upload = io.BytesIO(b"variable,category,count\nregion,north,3\nregion,south,7\n")
    upload.name = "targets.csv"
    response = api.post(
        _url("target-set-upload", slug=workspace.slug), {"name": "Vùng", "file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["variables"][0]["kind"] == "counts"
    bad = io.BytesIO(b"variable,category,count\nregion,north,=A1\nregion,south,x\n")
    bad.name = "bad.csv"
    response = api.post(
        _url("target-set-upload", slug=workspace.slug), {"name": "Xấu", "file": bad}, format="multipart"
    )
    assert response.status_code == 400
    assert len(response.json()["error"]["fields"]["file"]) == 2
    response = api.post(
        _url("target-set-preset", slug=workspace.slug), {"preset": "vietnam_census_2019"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["preset"] == "vietnam_census_2019"
    assert sorted(TargetSet.objects.values_list("name", flat=True)) == ["Viet Nam population (Census 2019)", "Vùng"]


def test_a_run_of_another_workspace_is_not_found(api, survey, workspace, django_capture_on_commit_callbacks):
    stranger = UserFactory()
    other = survey_services.create_workspace(name="Khác", owner=stranger)
    assert other.id != workspace.id
    add_responses(survey, skewed_answers({("f", "urban"): 5, ("m", "rural"): 5, ("f", "rural"): 3, ("m", "urban"): 2}))
    target_set = api.post(_url("target-set-list", slug=workspace.slug), TARGETS, format="json").json()
    api.put(_url("target-mapping", slug=survey.slug), {"target_set": target_set["id"]}, format="json")
    api.put(
        _url("target-mapping", slug=survey.slug),
        {"target_set": target_set["id"], "unmatched_policy": "exclude"},
        format="json",
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_id = api.post(_url("weighting-run-list", slug=survey.slug), {}, format="json").json()["id"]
    assert ResponseWeight.objects.filter(run_id=run_id).count() == 15
    outsider = APIClient()
    outsider.force_authenticate(stranger)
    assert outsider.get(_url("weighting-run-weights", run_id=run_id)).status_code == 404
    assert outsider.get(_url("weighting-run-detail", run_id=run_id)).status_code == 404
    # Another survey's mapping cannot borrow this workspace's target set.
    foreign = survey_services.create_survey(workspace=other, created_by=stranger, title={"vi": "Khác"})
    response = outsider.put(_url("target-mapping", slug=foreign.slug), {"target_set": target_set["id"]}, format="json")
    assert response.status_code == 404
    assert WeightingRun.objects.count() == 1
