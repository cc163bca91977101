"""The audit log page and its CSV download: owners only, filters, pages, escaping, time zone."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys import audit, services
from surveys.models import AuditEvent
from tests.factories import UserFactory
from tests.frontend.conftest import HTMX

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _url(workspace, name: str = "frontend:audit-log", query: str = "") -> str:
    return reverse(name, kwargs={"slug": workspace.slug}) + query


def test_an_owner_sees_who_did_what_and_when(signed_in, workspace, survey, researcher):
    page = survey.pages.get()
    signed_in.post(reverse("frontend:question-add", kwargs={"page_id": page.id}), {"type": "short_text"}, **HTMX)
    signed_in.post(reverse("frontend:survey-archive", kwargs={"slug": survey.slug}))

    response = signed_in.get(_url(workspace))
    content = response.content.decode()

    assert response.status_code == 200
    assert "Audit log" in content
    for action in ("Created", "Edited", "Archived"):
        assert f'<span class="badge badge-muted">{action}</span>' in content, action
    for text in ("Survey: Khảo sát khách hàng", "Question q1: added", "researcher@example.com", "127.0.0.1"):
        assert text in content, text
    assert "Times in Asia/Ho_Chi_Minh" in content
    line = AuditEvent.objects.filter(workspace=workspace, action="archived").get()
    assert (line.actor, line.ip_address) == (researcher, "127.0.0.1")


def test_times_are_shown_in_the_workspace_time_zone(signed_in, workspace):
    line = AuditEvent.objects.filter(workspace=workspace).get()
    local = timezone.localtime(line.created_at, timezone.get_default_timezone())

    content = signed_in.get(_url(workspace)).content.decode()

    assert f'datetime="{local.isoformat()}"' in content


def test_the_workspace_page_links_to_the_log_for_owners_only(english_client, workspace, researcher, member_of):
    english_client.force_login(researcher)
    assert (
        _url(workspace)
        in english_client.get(reverse("frontend:workspace-detail", kwargs={"slug": workspace.slug})).content.decode()
    )

    english_client.force_login(member_of(workspace, "researcher"))
    page = english_client.get(reverse("frontend:workspace-detail", kwargs={"slug": workspace.slug})).content.decode()
    assert _url(workspace) not in page


@pytest.mark.parametrize("name", ["frontend:audit-log", "frontend:audit-csv"])
@pytest.mark.parametrize(("role", "status"), [("researcher", 403), ("analyst", 403), ("viewer", 403), (None, 404)])
def test_only_owners_may_read_the_log(english_client, workspace, member_of, name, role, status):
    english_client.force_login(member_of(workspace, role) if role else UserFactory())

    response = english_client.get(_url(workspace, name))

    assert response.status_code == status
    assert "researcher@example.com" not in response.content.decode()


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(english_client, workspace):
    response = english_client.get(_url(workspace))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:login"))


def test_hostile_text_in_labels_is_shown_as_text(signed_in, workspace, researcher):
    services.create_survey(workspace=workspace, created_by=researcher, title={"vi": XSS})
    services.rename_workspace(workspace=workspace, name="Quán <b>bold</b>")

    content = signed_in.get(_url(workspace)).content.decode()

    assert "<script>alert" not in content
    assert "<img src=x" not in content
    assert "<b>bold</b>" not in content
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content


def test_filters_by_action_and_person(signed_in, workspace, survey, member_of):
    colleague = member_of(workspace, "researcher")
    with audit.acting_as(colleague):
        services.update_survey(survey=survey, title={"vi": "Đổi tên"})

    by_action = signed_in.get(_url(workspace, query="?action=edited")).content.decode()
    by_person = signed_in.get(_url(workspace, query=f"?actor={colleague.email}")).content.decode()

    assert "1 event" in by_action
    assert colleague.email in by_action
    assert "1 event" in by_person


def test_a_date_range_excludes_other_days(signed_in, workspace):
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)

    same_day = signed_in.get(_url(workspace, query=f"?since={today}&until={today}")).content.decode()
    later = signed_in.get(_url(workspace, query=f"?since={tomorrow}")).content.decode()

    assert "1 event" in same_day
    assert "Nothing matches these filters." in later


def test_a_backwards_date_range_is_refused_with_a_message(signed_in, workspace):
    response = signed_in.get(_url(workspace, query="?since=2026-05-02&until=2026-05-01"))

    assert response.status_code == 400
    assert "The end date must not be before the start date." in response.content.decode()


def test_the_log_comes_in_pages(signed_in, workspace, researcher):
    with audit.acting_as(researcher):
        for number in range(55):
            audit.record(None, workspace, audit.Action.EDITED, workspace, label=f"Bước {number}")

    first = signed_in.get(_url(workspace)).content.decode()
    second = signed_in.get(_url(workspace, query="?action=edited&page=2")).content.decode()

    assert "Page 1 of 2" in first
    assert "Bước 54" in first and "Bước 0<" not in first
    assert "Page 2 of 2" in second
    assert "Bước 0" in second


def test_the_csv_download_holds_the_filtered_log_and_defuses_formulas(signed_in, workspace, researcher):
    services.create_survey(workspace=workspace, created_by=researcher, title={"vi": '=HYPERLINK("http://x")'})
    services.create_survey(workspace=workspace, created_by=researcher, title={"vi": "@SUM(A1)"})

    response = signed_in.get(_url(workspace, "frontend:audit-csv", "?action=created"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Time", "Person", "Name", "Action"]
    labels = [row[6] for row in rows[1:]]
    assert labels == ["'@SUM(A1)", '\'=HYPERLINK("http://x")', "Cửa hàng"]
    assert {row[3] for row in rows[1:]} == {"Created"}
    assert {row[1] for row in rows[1:]} == {"researcher@example.com"}


def test_the_log_offers_no_way_to_change_it(signed_in, workspace):
    before = list(AuditEvent.objects.values_list("id", "object_label"))

    responses = [signed_in.post(_url(workspace)), signed_in.post(_url(workspace, "frontend:audit-csv"))]

    assert [r.status_code for r in responses] == [405, 405]
    assert list(AuditEvent.objects.values_list("id", "object_label")) == before
