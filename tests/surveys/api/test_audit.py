"""The audit log: what the services record, through the real API, and who may read it.

Who may call the endpoint by role is in test_permissions.py; the pages are in
tests/frontend/test_audit_pages.py.
"""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from analysis import export as analysis_export
from analysis.models import Insight
from responses import services as response_services
from surveys import audit, services
from surveys.errors import DomainError
from surveys.models import AuditEvent, Survey
from tests.analysis.insights_world import add_responses as add_insight_responses
from tests.analysis.insights_world import create_insight_survey, synthetic_answers
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

TARGETS = [{"name": "satisfied", "categories": [{"code": "yes", "value": 0.6}, {"code": "no", "value": 0.4}]}]


@pytest.fixture(autouse=True)
def _exports_in_a_temporary_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _log(client: APIClient, world, query: str = "") -> list[dict]:
    response = client.get(reverse("surveys:audit-log", kwargs={"slug": world.workspace.slug}) + query)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _events(world, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(workspace=world.workspace, **filters).order_by("id"))


def _last(world, action: str) -> AuditEvent:
    return AuditEvent.objects.filter(workspace=world.workspace, action=action).order_by("-id").first()


# --- surveys and the builder ---------------------------------------------------------------


def test_a_survey_life_is_on_record_with_who_when_and_from_where(world, owner_client):
    create = owner_client.post(
        reverse("surveys:survey-list"), {"workspace": world.workspace.slug, "title": {"vi": "Mới"}}, format="json"
    )
    slug = create.json()["slug"]
    page_id = owner_client.get(reverse("surveys:page-list", kwargs={"slug": slug})).json()["results"][0]["id"]
    owner_client.post(
        reverse("surveys:question-list", kwargs={"slug": slug}),
        {"page": page_id, "type": "short_text", "text": {"vi": "Tên?"}, "required": True},
        format="json",
    )
    publish = owner_client.post(reverse("surveys:survey-publish", kwargs={"slug": slug}), {}, format="json")
    assert publish.status_code == 201, publish.content
    for action in ("close", "reopen", "archive"):
        assert owner_client.post(reverse(f"surveys:survey-{action}", kwargs={"slug": slug})).status_code == 200

    rows = [row for row in _log(owner_client, world) if row["object_type"] == "survey" and row["object_label"] == "Mới"]

    assert [row["action"] for row in rows] == ["archived", "reopened", "closed", "published", "edited", "created"]
    assert {row["actor_email"] for row in rows} == {world.founder.email}
    assert {row["actor_id"] for row in rows} == {world.founder.id}
    assert {row["ip_address"] for row in rows} == {"127.0.0.1"}
    survey = Survey.objects.get(slug=slug)
    assert {row["object_id"] for row in rows} == {survey.id}
    assert rows[3]["details"] == {"version": 1, "lint_override": False}
    assert rows[4]["details"] == {"part": "question", "key": "q1", "change": "added"}
    english = owner_client.get(
        reverse("surveys:audit-log", kwargs={"slug": world.workspace.slug}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["results"][0]["action_label"] == "Archived"


def test_builder_edits_count_once_per_survey_and_person_per_window(world, owner_client):
    question = reverse("surveys:question-detail", kwargs={"question_id": world.question.id})
    before = len(_events(world, action="edited"))

    owner_client.patch(question, {"required": True}, format="json")
    owner_client.patch(question, {"text": {"vi": "Hài lòng?"}}, format="json")
    colleague = UserFactory()
    MembershipFactory(workspace=world.workspace, user=colleague, role="researcher")
    other = APIClient()
    other.force_authenticate(colleague)
    other.patch(question, {"required": False}, format="json")

    edited = _events(world, action="edited")[before:]
    assert [(event.actor, event.details) for event in edited] == [
        (world.founder, {"part": "question", "key": "q1", "fields": ["required"]}),
        (colleague, {"part": "question", "key": "q1", "fields": ["required"]}),
    ]


def test_after_the_window_an_edit_is_on_record_again(world, owner_client, monkeypatch):
    monkeypatch.setattr(audit, "EDIT_WINDOW", dt.timedelta(0))
    before = len(_events(world, action="edited"))
    url = reverse("surveys:choice-detail", kwargs={"choice_id": world.choice.id})

    owner_client.patch(url, {"label": {"vi": "Rất có"}}, format="json")
    owner_client.patch(url, {"is_exclusive": True}, format="json")

    details = [event.details for event in _events(world, action="edited")[before:]]
    assert details == [
        {"part": "choice", "key": "a", "fields": ["label"]},
        {"part": "choice", "key": "a", "fields": ["is_exclusive"]},
    ]


def test_deleting_a_question_a_page_and_a_survey_keeps_their_names(world, owner_client):
    spare_question, spare_page = world.spare_question, world.spare_page
    owner_client.delete(reverse("surveys:question-detail", kwargs={"question_id": spare_question.id}))
    owner_client.delete(reverse("surveys:page-detail", kwargs={"page_id": spare_page.id}))
    owner_client.delete(reverse("surveys:survey-detail", kwargs={"slug": world.survey.slug}))

    deleted = [(e.object_type, e.object_id, e.object_label) for e in _events(world, action="deleted")]
    assert deleted == [
        ("question", spare_question.id, "Khảo sát khách hàng › q2: Tên bạn?"),
        ("page", spare_page.id, "Khảo sát khách hàng › p2"),
        ("survey", world.survey.id, "Khảo sát khách hàng"),
    ]


def test_a_refused_change_leaves_no_line(world, owner_client):
    published = world.published
    before = AuditEvent.objects.count()

    response = owner_client.delete(reverse("surveys:survey-detail", kwargs={"slug": published.slug}))
    bad = owner_client.patch(
        reverse("surveys:question-detail", kwargs={"question_id": world.question.id}),
        {"type": "no-such-type"},
        format="json",
    )

    assert (response.status_code, bad.status_code) == (409, 400)
    assert AuditEvent.objects.count() == before


# --- members and the workspace -------------------------------------------------------------


def test_members_added_changed_and_removed_are_on_record(world, owner_client):
    members = reverse("surveys:member-list", kwargs={"slug": world.workspace.slug})
    created = owner_client.post(members, {"email": world.newcomer.email, "role": "viewer"}, format="json").json()
    member = reverse("surveys:member-detail", kwargs={"slug": world.workspace.slug, "member_id": created["id"]})
    owner_client.patch(member, {"role": "analyst"}, format="json")
    owner_client.delete(member)

    lines = [(e.action, e.object_label, e.details) for e in _events(world, object_type="membership")]
    assert lines == [
        ("member_added", world.newcomer.email, {"role": "viewer"}),
        ("role_changed", world.newcomer.email, {"from": "viewer", "to": "analyst"}),
        ("member_removed", world.newcomer.email, {"role": "analyst"}),
    ]


def test_a_deleted_workspace_keeps_its_lines(db):
    owner = UserFactory()
    workspace = services.create_workspace(name="Tạm", owner=owner)
    client = APIClient()
    client.force_authenticate(owner)
    client.patch(reverse("surveys:workspace-detail", kwargs={"slug": workspace.slug}), {"name": "Tạm 2"}, format="json")
    assert client.delete(reverse("surveys:workspace-detail", kwargs={"slug": workspace.slug})).status_code == 204

    lines = list(AuditEvent.objects.filter(workspace_name__startswith="Tạm").order_by("id"))
    assert [(e.action, e.workspace_id, e.actor) for e in lines] == [
        ("created", None, owner),
        ("edited", None, owner),
        ("deleted", None, owner),
    ]
    assert lines[-1].workspace_name == "Tạm 2"


def test_a_deleted_account_keeps_its_lines(world, owner_client):
    colleague = UserFactory(email="lan@example.vn")
    MembershipFactory(workspace=world.workspace, user=colleague, role="researcher")
    client = APIClient()
    client.force_authenticate(colleague)
    client.post(reverse("surveys:survey-close", kwargs={"slug": world.published.slug}))

    colleague.delete()

    row = _log(owner_client, world, "?action=closed")[0]
    assert (row["actor_id"], row["actor_email"], row["object_label"]) == (None, "lan@example.vn", "Khảo sát đã đăng")


# --- collecting ----------------------------------------------------------------------------


def test_collectors_invitations_and_imports_are_on_record(world, owner_client, django_capture_on_commit_callbacks):
    published = world.published
    created = owner_client.post(
        reverse("responses:collector-list", kwargs={"slug": published.slug}), {"kind": "invitation"}, format="json"
    ).json()
    detail = reverse("responses:collector-detail", kwargs={"collector_id": created["id"]})
    owner_client.patch(detail, {"is_active": False}, format="json")
    owner_client.patch(detail, {"is_active": True}, format="json")
    owner_client.post(
        reverse("responses:contact-upload", kwargs={"collector_id": created["id"]}),
        {"file": SimpleUploadedFile("contacts.csv", b"email\nan@example.vn\nbinh@example.vn\n", "text/csv")},
        format="multipart",
    )
    sent = owner_client.post(
        reverse("responses:invitation-send", kwargs={"collector_id": created["id"]}), {}, format="json"
    )
    assert sent.status_code == 202, sent.content
    imported = owner_client.post(
        reverse("responses:response-import", kwargs={"slug": published.slug}),
        {"file": SimpleUploadedFile("kobo.csv", b"q1,q2\na,Lan\nb,Minh\n", "text/csv")},
        format="multipart",
    )
    assert imported.status_code == 201, imported.content

    lines = [(e.action, e.object_type, e.details) for e in _events(world, object_type="collector")]
    assert lines == [
        ("created", "collector", {}),
        ("closed", "collector", {"fields": ["is_active"]}),
        ("reopened", "collector", {"fields": ["is_active"]}),
        ("invitations_sent", "collector", {"count": 2, "reminder": False}),
    ]
    line = _last(world, "imported")
    assert (line.object_id, line.details, line.actor) == (published.id, {"count": 2, "file": "kobo.csv"}, world.founder)


# --- analysis ------------------------------------------------------------------------------


def test_target_sets_weighting_and_exports_are_on_record(world, owner_client, django_capture_on_commit_callbacks):
    published = world.published
    response_services.create_collector(survey=published)
    created = owner_client.post(
        reverse("analysis:target-set-list", kwargs={"slug": world.workspace.slug}),
        {"name": "Khách", "variables": TARGETS},
        format="json",
    ).json()
    second = owner_client.post(
        reverse("analysis:target-set-list", kwargs={"slug": world.workspace.slug}),
        {"name": "Bỏ", "variables": TARGETS},
        format="json",
    ).json()
    owner_client.delete(reverse("analysis:target-set-detail", kwargs={"target_set_id": second["id"]}))
    mapping = {"satisfied": {"question_key": "q1", "recoding": {"a": "yes", "b": "no"}}}
    owner_client.put(
        reverse("analysis:target-mapping", kwargs={"slug": published.slug}),
        {"target_set": created["id"], "variables": mapping},
        format="json",
    )
    run = owner_client.post(
        reverse("analysis:weighting-run-list", kwargs={"slug": published.slug}), {"upper_bound": 5}, format="json"
    )
    assert run.status_code == 202, run.content
    with django_capture_on_commit_callbacks(execute=True):
        job = owner_client.post(
            reverse("analysis:export-list", kwargs={"slug": published.slug}), {"format": "csv"}, format="json"
        ).json()
    download = owner_client.get(reverse("analysis:export-download", kwargs={"job_id": job["id"]}))
    assert download.status_code == 200
    b"".join(download.streaming_content)

    lines = [(e.action, e.object_type, e.object_label) for e in _events(world, object_type="targetset")]
    assert lines == [("created", "targetset", "Khách"), ("created", "targetset", "Bỏ"), ("deleted", "targetset", "Bỏ")]
    weighting = _last(world, "weighting_run")
    assert (weighting.object_id, weighting.object_label) == (
        run.json()["id"],
        f"Khảo sát đã đăng › #{run.json()['id']}",
    )
    exports = [(e.action, e.object_id, e.details, e.actor) for e in _events(world, object_type="exportjob")]
    assert exports == [
        ("export_requested", job["id"], {"format": "csv"}, world.founder),
        ("export_downloaded", job["id"], {"format": "csv"}, world.founder),
    ]


def test_analysis_runs_and_insight_decisions_are_on_record(world, owner_client):
    survey = create_insight_survey(world.workspace, world.founder)
    add_insight_responses(survey, synthetic_answers(40, seed=3, planted=True))
    run = owner_client.post(
        reverse("analysis:analysis-run-list", kwargs={"slug": survey.slug}), {"alpha": 0.05}, format="json"
    )
    assert run.status_code == 202, run.content
    insight = Insight.objects.create(
        survey=survey,
        fingerprint="segment:aspects.delivery_speed:mean:age_band:0",
        kind="segment_difference",
        question_key="aspects.delivery_speed",
        segment_variable="age_band",
        segment=0,
        direction="lower",
        statement_vi="Khách 18–24 tuổi chấm tốc độ giao hàng thấp hơn.",
        statement_en="Customers aged 18–24 rate delivery speed lower.",
        evidence={"estimate": "mean", "effect_size_name": "cohens_d", "effect_size": -0.8},
    )
    owner_client.post(
        reverse("analysis:insight-transition", kwargs={"insight_id": insight.id}), {"status": "accepted"}, format="json"
    )
    owner_client.post(
        reverse("analysis:open-text-run-list", kwargs={"slug": survey.slug, "question_key": "comment"}),
        {},
        format="json",
    )

    analysis = _last(world, "analysis_run")
    assert analysis.object_type in ("analysisrun", "opentextrun")
    assert _events(world, action="analysis_run", object_type="analysisrun")[0].object_id == run.json()["id"]
    decision = _last(world, "status_changed")
    assert (decision.object_id, decision.details, decision.actor) == (
        insight.id,
        {"from": "candidate", "to": "accepted"},
        world.founder,
    )
    assert decision.object_label.endswith("Khách 18–24 tuổi chấm tốc độ giao hàng thấp hơn.")


def test_commands_and_workers_can_name_the_actor(world):
    survey = Survey.objects.get(id=world.published.id)
    with audit.acting_as(world.founder, ip_address="10.0.0.7"):
        services.close_survey(survey=survey)
    services.reopen_survey(survey=survey)

    closed, reopened = _last(world, "closed"), _last(world, "reopened")
    assert (closed.actor, closed.ip_address) == (world.founder, "10.0.0.7")
    assert (reopened.actor, reopened.actor_email, reopened.ip_address) == (None, "", None)


def test_a_request_to_start_an_export_that_is_refused_leaves_no_line(world):
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError):  # a draft has nothing to export
        analysis_export.start_export(
            survey=world.survey, request=analysis_export.ExportRequest(format="csv"), requested_by=world.founder
        )
    assert AuditEvent.objects.count() == before


# --- reading ---------------------------------------------------------------------------------


def test_the_log_filters_by_action_person_and_days(world, owner_client):
    colleague = UserFactory(email="Minh@Example.vn")
    MembershipFactory(workspace=world.workspace, user=colleague, role="researcher")
    survey = Survey.objects.get(id=world.published.id)
    with audit.acting_as(colleague):
        services.close_survey(survey=survey)

    by_action = _log(owner_client, world, "?action=closed")
    by_person = _log(owner_client, world, "?actor=minh@example.VN")
    today = timezone.localdate()
    by_day = _log(owner_client, world, f"?since={today}&until={today}")
    earlier = _log(owner_client, world, f"?until={today - dt.timedelta(days=1)}")

    assert [row["actor_email"] for row in by_action] == ["Minh@Example.vn"]
    assert [row["action"] for row in by_person] == ["closed"]
    assert len(by_day) == AuditEvent.objects.filter(workspace=world.workspace).count()
    assert earlier == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("?action=hacked", "action"), ("?since=2026-02-30", "since"), ("?since=2026-05-02&until=2026-05-01", "until")],
)
def test_bad_filters_are_refused(world, owner_client, query, field):
    response = owner_client.get(reverse("surveys:audit-log", kwargs={"slug": world.workspace.slug}) + query)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_the_log_is_paginated_newest_first(world, owner_client):
    rows = _log(owner_client, world, "?page_size=2")
    everything = _log(owner_client, world, "?page_size=500")

    assert len(rows) == 2
    assert rows == everything[:2]
    times = [row["created_at"] for row in everything]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize("role", ["researcher", "analyst", "viewer"])
def test_only_owners_read_the_log(world, role):
    member = UserFactory()
    MembershipFactory(workspace=world.workspace, user=member, role=role)
    client = APIClient()
    client.force_authenticate(member)

    response = client.get(reverse("surveys:audit-log", kwargs={"slug": world.workspace.slug}))

    assert response.status_code == 403


def test_another_workspace_does_not_learn_the_log_exists(world):
    client = APIClient()
    client.force_authenticate(UserFactory())

    assert client.get(reverse("surveys:audit-log", kwargs={"slug": world.workspace.slug})).status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_log_cannot_be_changed_through_the_api(world, owner_client, method):
    before = list(AuditEvent.objects.values_list("id", "action", "object_label"))

    response = owner_client.generic(method, reverse("surveys:audit-log", kwargs={"slug": world.workspace.slug}))

    assert response.status_code == 405
    assert list(AuditEvent.objects.values_list("id", "action", "object_label")) == before


def test_the_log_is_append_only_in_code(world):
    event = AuditEvent.objects.filter(workspace=world.workspace).first()

    event.object_label = "rewritten"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    with pytest.raises(ValueError):
        AuditEvent.objects.filter(id=event.id).update(object_label="rewritten")
    with pytest.raises(ValueError):
        AuditEvent.objects.filter(id=event.id).delete()
    event.refresh_from_db()
    assert event.object_label != "rewritten"


def test_labels_are_stored_short(world):
    long_title = "Khảo sát " + "rất dài " * 60
    survey = services.create_survey(workspace=world.workspace, created_by=world.founder, title={"vi": long_title[:200]})

    line = _last(world, "created")
    assert line.object_id == survey.id
    assert len(line.object_label) <= 200


def test_contacts_uploads_do_not_pretend_to_be_invitations(world):
    collector = response_services.create_collector(survey=world.published, kind="invitation")
    response_services.import_contacts(collector=collector, file=io.BytesIO(b"email\nan@example.vn\n"))

    assert _events(world, action="invitations_sent") == []


def test_the_admin_shows_the_log_read_only(rf):
    from django.contrib import admin

    model_admin = admin.site._registry[AuditEvent]
    request = rf.get("/")

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_an_address_that_is_not_an_ip_is_not_kept(world):
    survey = Survey.objects.get(id=world.published.id)
    with audit.acting_as(world.founder, ip_address="unix:/run/gunicorn.sock"):
        services.close_survey(survey=survey)

    assert _last(world, "closed").ip_address is None
