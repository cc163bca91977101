"""The monitoring page: totals, completion, drop-off, quotas, target and precision per segment."""

import dataclasses
import re
import uuid

import pytest
from django.urls import reverse

from responses import services
from responses.core import monitoring
from surveys import services as survey_services
from surveys.core.questionnaire import RoleKind, RoleSpec
from tests.factories import MembershipFactory, UserFactory
from tests.responses.specs import COMPLETE_ANSWERS, build_spec

pytestmark = pytest.mark.django_db


def spec_with_age_role():
    spec = build_spec()
    about = spec.pages[0]
    questions = tuple(
        dataclasses.replace(q, role=RoleSpec(RoleKind.DEMOGRAPHIC, "age")) if q.key == "age_band" else q
        for q in about.questions
    )
    return dataclasses.replace(spec, pages=(dataclasses.replace(about, questions=questions), *spec.pages[1:]))


@pytest.fixture
def published(workspace, researcher):
    survey = survey_services.create_survey_from_spec(
        workspace=workspace, spec=spec_with_age_role(), created_by=researcher
    )
    survey_services.publish_survey(
        survey=survey, published_by=researcher, override_reason="Test questionnaire", confirm_warnings=True
    )
    survey.refresh_from_db()
    return survey


def monitor_url(survey) -> str:
    return reverse("frontend:survey-monitor", kwargs={"slug": survey.slug})


def finish(collector, **changes):
    answers = {**COMPLETE_ANSWERS, **changes}
    return services.submit_response(collector=collector, submission_key=uuid.uuid4(), answers=answers).response


def start(collector, answers, page):
    response = services.start_response(collector=collector, client=services.Client(), language="vi")
    response.answers = answers
    response.current_page = page
    response.save()
    return response


@pytest.fixture
def collected(published, researcher):
    collector = services.create_collector(survey=published, created_by=researcher)
    finish(collector)
    finish(collector, age_band="25-34")
    finish(collector, age_band="25-34")
    start(collector, {}, "about")  # stopped at the first question
    start(collector, {"gender": "male", "age_band": "18-24", "channels": ["web"]}, "scores")
    services.create_quota(survey=published, name="Trẻ", question_key="age_band", values=["18-24"], limit=1)
    return collector


def cells(html: str, caption: str) -> list[tuple[str, str]]:
    table = html.split(caption, 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row">(?:<span class="key">(\w+)</span>[^<]*)?[^<]*</th><td>(\d+)</td>', table)


def test_monitor_shows_totals_completion_and_drop_off(signed_in, published, collected):
    html = signed_in.get(monitor_url(published)).content.decode()
    assert "<dt>Started</dt><dd>5</dd>" in html
    assert "<dt>Finished</dt><dd>3</dd>" in html
    assert "<dt>Completion rate</dt>\n    <dd>60%</dd>" in html
    assert cells(html, "Unfinished responses by page") == [
        ("about", "1"),
        ("scores", "1"),
        ("app", "0"),
        ("details", "0"),
    ]
    assert cells(html, "Unfinished responses by question") == [("gender", "1"), ("satisfaction", "1")]
    assert 'Trẻ</th><td>1 / 1 <span class="badge badge-warn">Full</span>' in html


def test_monitor_shows_precision_per_demographic_segment(signed_in, published, collected):
    html = signed_in.get(monitor_url(published)).content.decode()
    table = html.split('<span class="key">age_band</span>', 1)[1].split("</table>", 1)[0]
    assert "Pick 18-24" in table and "n = 1" in table and "n = 2" in table and "n = 0" in table
    assert table.count("too few answers") == 3  # all under the 30-answer minimum


def test_monitor_shows_progress_towards_the_planned_sample(signed_in, published, collected):
    published.target_sample_size = 10
    published.save(update_fields=["target_sample_size"])
    html = signed_in.get(monitor_url(published)).content.decode()
    assert '<progress id="target-progress" max="10" value="3">30%</progress>' in html
    assert "7 more answers to reach the planned sample." in html


def test_monitor_without_target_links_to_the_planner(signed_in, published):
    html = signed_in.get(monitor_url(published)).content.decode()
    assert reverse("frontend:survey-plan", kwargs={"slug": published.slug}) in html
    assert "No responses yet." in html


def test_chart_uses_the_bundled_plotly_and_a_table_fallback(signed_in, published, collected):
    html = signed_in.get(monitor_url(published)).content.decode()
    assert 'src="/vendor/plotly.min.js"' in html and "cdn" not in html.lower()
    assert 'id="monitor-chart-data"' in html
    assert "Responses started and finished per day" in html
    script = signed_in.get("/vendor/plotly.min.js")
    assert script.status_code == 200 and script["Content-Type"].startswith("text/javascript")
    assert b"plotly" in b"".join(script.streaming_content)[:2000].lower()


@pytest.mark.parametrize(("role", "status"), [("analyst", 200), ("researcher", 200), ("viewer", 403)])
def test_analysts_and_researchers_may_monitor(english_client, workspace, published, role, status):
    member = UserFactory()
    MembershipFactory(workspace=workspace, user=member, role=role)
    english_client.force_login(member)
    assert english_client.get(monitor_url(published)).status_code == status


def test_outsiders_get_not_found(english_client, published):
    english_client.force_login(UserFactory())
    assert english_client.get(monitor_url(published)).status_code == 404


def test_drop_off_counts_the_question_where_each_partial_stopped():
    spec = build_spec()
    result = monitoring.drop_off(
        spec,
        [
            ("about", {}),
            ("scores", {"age_band": "18-24", "channels": ["web"]}),  # gender skipped earlier: not where it stopped
            ("scores", {"age_band": "18-24", "channels": ["web"], "satisfaction": 3, "nps": 2}),  # reason shown
            ("details", {**COMPLETE_ANSWERS}),  # answered everything shown: stopped before submitting
        ],
    )
    assert result.partial_count == 4
    assert [(s.key, s.count) for s in result.by_page] == [("about", 1), ("scores", 2), ("app", 0), ("details", 1)]
    assert [(s.key, s.count) for s in result.by_question] == [("gender", 1), ("satisfaction", 1), ("reason", 1)]


def test_monitor_and_import_of_a_draft_explain_what_to_do(signed_in, survey):
    html = signed_in.get(monitor_url(survey)).content.decode()
    assert "No responses yet." in html and "No collectors yet." in html
    page = signed_in.get(reverse("frontend:response-import", kwargs={"slug": survey.slug})).content.decode()
    assert "Publish the survey before importing responses." in page
