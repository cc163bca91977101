import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from responses import services
from responses.models import Response
from surveys.core.roles import Role
from tests.factories import MembershipFactory, UserFactory
from tests.responses.specs import COMPLETE_ANSWERS

pytestmark = pytest.mark.django_db


def submit_url(collector) -> str:
    return reverse("responses:public-response-create", kwargs={"slug": collector.slug})


def test_a_public_submission_is_stored_once_and_replayed(collector):
    client = APIClient()
    body = {"submission_key": str(uuid.uuid4()), "answers": COMPLETE_ANSWERS, "language": "en"}
    first = client.post(submit_url(collector), body, format="json", REMOTE_ADDR="192.0.2.1")
    assert first.status_code == 201, first.content
    assert first.json()["created"] is True
    again = client.post(submit_url(collector), body, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    stored = Response.objects.get()
    assert stored.source == Response.Source.API and stored.language == "en" and stored.ip_address == "192.0.2.1"


def test_the_same_key_with_other_answers_is_a_409_and_changes_nothing(collector):
    client = APIClient()
    key = str(uuid.uuid4())
    client.post(submit_url(collector), {"submission_key": key, "answers": COMPLETE_ANSWERS}, format="json")
    changed = {**COMPLETE_ANSWERS, "nps": 2, "reason": "Chậm"}
    response = client.post(submit_url(collector), {"submission_key": key, "answers": changed}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "submission_conflict"
    assert Response.objects.get().answers["nps"] == 9


def test_invalid_answers_get_per_question_errors(collector):
    response = APIClient().post(
        submit_url(collector),
        {"submission_key": str(uuid.uuid4()), "answers": {**COMPLETE_ANSWERS, "nps": 11, "unknown": "x"}},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "answers_invalid"
    assert set(error["fields"]) == {"nps", "unknown"}
    assert not Response.objects.exists()


def test_a_closed_link_refuses_submissions(collector):
    services.update_collector(collector=collector, is_active=False)
    response = APIClient().post(
        submit_url(collector), {"submission_key": str(uuid.uuid4()), "answers": COMPLETE_ANSWERS}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "collector_inactive"


def test_an_unknown_link_is_404_and_an_oversized_request_is_413(collector, settings):
    client = APIClient()
    body = {"submission_key": str(uuid.uuid4()), "answers": COMPLETE_ANSWERS}
    missing = client.post(reverse("responses:public-response-create", kwargs={"slug": "nope"}), body, format="json")
    assert missing.status_code == 404
    settings.RESPONSES_MAX_REQUEST_BYTES = 100
    too_large = client.post(submit_url(collector), body, format="json")
    assert too_large.status_code == 413
    assert too_large.json()["error"]["code"] == "too_large"
    assert not Response.objects.exists()


def test_analysts_list_responses_and_viewers_may_not(collector, survey):
    services.submit_response(collector=collector, submission_key=uuid.uuid4(), answers=COMPLETE_ANSWERS)
    analyst, viewer = UserFactory(), UserFactory()
    MembershipFactory(workspace=survey.workspace, user=analyst, role=Role.ANALYST)
    MembershipFactory(workspace=survey.workspace, user=viewer, role=Role.VIEWER)
    url = reverse("responses:response-list", kwargs={"slug": survey.slug})
    client = APIClient()
    client.force_authenticate(analyst)
    listed = client.get(url + "?status=complete")
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert listed.json()["results"][0]["answers"]["age_band"] == "18-24"
    client.force_authenticate(viewer)
    assert client.get(url).status_code == 403


def test_researchers_create_a_link_and_read_its_url(survey, researcher):
    client = APIClient()
    client.force_authenticate(researcher)
    created = client.post(
        reverse("responses:collector-list", kwargs={"slug": survey.slug}), {"max_responses": 300}, format="json"
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["url"].endswith(f"/r/{data['slug']}/") and data["max_responses"] == 300
    refused = client.patch(
        reverse("responses:collector-detail", kwargs={"collector_id": data["id"]}),
        {"opens_at": "2026-05-02T00:00:00Z", "closes_at": "2026-05-01T00:00:00Z"},
        format="json",
    )
    assert refused.status_code == 400
    assert "closes_at" in refused.json()["error"]["fields"]


def test_quota_api_reports_counts(survey, researcher, collector):
    client = APIClient()
    client.force_authenticate(researcher)
    url = reverse("responses:quota-list", kwargs={"slug": survey.slug})
    created = client.post(
        url, {"name": "18–24", "question_key": "age_band", "values": ["18-24"], "limit": 2}, format="json"
    )
    assert created.status_code == 201, created.content
    services.submit_response(collector=collector, submission_key=uuid.uuid4(), answers=COMPLETE_ANSWERS)
    assert client.get(url).json()[0]["count"] == 1
