"""The insight API: start a run, poll it, list and filter insights, move them along the workflow."""

import time

import pytest
from django.urls import reverse

from analysis import services_insights
from analysis.models import AnalysisRun, Insight
from surveys import services as survey_services
from tests.analysis.insights_world import add_responses, create_insight_survey, synthetic_answers
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
YOUNG = "segment:aspects.delivery_speed:mean:age_band:0"


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def survey(owner):
    workspace = survey_services.create_workspace(name="Cửa hàng", owner=owner)
    survey = create_insight_survey(workspace, owner)
    add_responses(survey, synthetic_answers(400, seed=1, planted=True))
    return survey


@pytest.fixture
def client(api_client, owner):
    api_client.force_authenticate(owner)
    return api_client


@pytest.fixture
def analysed(survey, owner):
    services_insights.analyze_survey(survey=survey, created_by=owner)
    return survey


def test_starting_a_run_queues_the_task_and_the_run_can_be_polled(client, survey, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analysis:analysis-run-list", kwargs={"slug": survey.slug}), {}, format="json")
    assert response.status_code == 202
    run_id = response.json()["id"]
    detail = client.get(reverse("analysis:analysis-run-detail", kwargs={"run_id": run_id})).json()
    assert detail["status"] == "succeeded"  # eager in tests
    assert detail["candidate_count"] > 0 and detail["family_sizes"]["segment comparisons"] > 0
    assert detail["settings"]["alpha"] == 0.05
    listing = client.get(reverse("analysis:analysis-run-list", kwargs={"slug": survey.slug})).json()
    assert [r["id"] for r in listing["results"]] == [run_id]


def test_bad_settings_are_refused(client, survey):
    url = reverse("analysis:analysis-run-list", kwargs={"slug": survey.slug})
    response = client.post(url, {"alpha": 3, "min_group_n": 1}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"alpha", "min_group_n"}
    assert not AnalysisRun.objects.exists()


def test_list_filters_and_detail(client, analysed):
    url = reverse("analysis:insight-list", kwargs={"slug": analysed.slug})
    everything = client.get(url).json()
    assert everything["count"] == Insight.objects.count() > 0
    drivers = client.get(url, {"kind": "kpi_driver"}).json()["results"]
    assert drivers and {i["kind"] for i in drivers} == {"kpi_driver"}
    by_question = client.get(url, {"question": "aspects.delivery_speed"}).json()["results"]
    assert by_question and {i["question"] for i in by_question} == {"aspects.delivery_speed"}
    assert client.get(url, {"status": "accepted"}).json()["count"] == 0
    bad = client.get(url, {"status": "maybe", "kind": "x"})
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"status", "kind"}
    insight = Insight.objects.get(fingerprint=YOUNG)
    detail = client.get(
        reverse("analysis:insight-detail", kwargs={"insight_id": insight.id}), HTTP_ACCEPT_LANGUAGE="en"
    )
    body = detail.json()
    assert body["statement"] == insight.statement_en and body["evidence"]["test"] == "welch_t"
    assert body["events"][0]["event"] == "created"


def test_workflow_through_the_api(client, analysed):
    insight = Insight.objects.get(fingerprint=YOUNG)
    url = reverse("analysis:insight-transition", kwargs={"insight_id": insight.id})
    refused = client.post(url, {"status": "rejected"}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    skipped = client.post(url, {"status": "validating", "plan_kind": "ab_test"}, format="json")
    assert skipped.status_code == 400 and skipped.json()["error"]["code"] == "invalid_transition"
    assert client.post(url, {"status": "accepted"}, format="json").json()["status"] == "accepted"
    body = client.post(
        url, {"status": "validating", "plan_kind": "follow_up_survey", "effect_size": 0.5}, format="json"
    ).json()
    assert body["status"] == "validating"
    # Two-sample t-test, d = 0.5, alpha 0.05, power 0.8: 64 per group (R's power.t.test gives 63.8).
    assert body["validation_plans"][0]["n_per_group"] == 64
    tracking = reverse("analysis:insight-tracking", kwargs={"insight_id": insight.id})
    record = {"metric": "Delivery rating 18–24", "action": "Express courier", "expected_result": "+0.5"}
    body = client.post(tracking, {**record, "actual_result": "+0.4", "impact": "high"}, format="json").json()
    assert (body["metric"], body["actual_result"], body["impact"]) == ("Delivery rating 18–24", "+0.4", "high")
    assert client.post(tracking, {"impact": "enormous"}, format="json").status_code == 400
    confirmed = client.post(url, {"status": "confirmed", "reason": "+0.4 in the A/B test"}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert [e["to_status"] for e in confirmed.json()["events"] if e["event"] == "transition"] == [
        "accepted",
        "validating",
        "confirmed",
    ]


def test_viewers_read_but_cannot_decide(api_client, analysed):
    viewer = UserFactory()
    MembershipFactory(workspace=analysed.workspace, user=viewer, role="viewer")
    api_client.force_authenticate(viewer)
    insight = Insight.objects.get(fingerprint=YOUNG)
    assert api_client.get(reverse("analysis:insight-detail", kwargs={"insight_id": insight.id})).status_code == 200
    url = reverse("analysis:insight-transition", kwargs={"insight_id": insight.id})
    assert api_client.post(url, {"status": "accepted"}, format="json").status_code == 403
    insight.refresh_from_db()
    assert insight.status == "candidate"


def test_crosstab_of_an_insight_marks_the_significant_group(client, analysed):
    insight = Insight.objects.get(fingerprint=YOUNG)
    body = client.get(
        reverse("analysis:insight-crosstab", kwargs={"insight_id": insight.id}), HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert body["question"] == "aspects.delivery_speed" and body["segment_variable"] == "age_band"
    assert body["segment_levels"][0] == "18–24" and body["n"] == 400
    assert len(body["counts"]) == 5 and len(body["counts"][0]) == 4
    young = next(c for c in body["comparisons"] if c["kind"] == "mean" and c["segment_level"] == 0)
    assert young["significant"] and young["difference"] < 0
    driver = Insight.objects.filter(kind="kpi_driver").first()
    missing = client.get(reverse("analysis:insight-crosstab", kwargs={"insight_id": driver.id}))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "no_crosstab"


@pytest.mark.worker
def test_the_analysis_runs_through_the_celery_worker(survey, owner):
    run = services_insights.start_analysis(survey=survey, created_by=owner)  # committed: on_commit sends it
    deadline = time.monotonic() + 60
    while True:
        run.refresh_from_db()
        if run.is_finished or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error_message
    assert run.progress == 100 and Insight.objects.filter(survey=survey, fingerprint=YOUNG).exists()
