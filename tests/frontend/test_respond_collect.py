"""The builder's "Collect" section: create the public link, change its settings, add quotas."""

import pytest
from django.urls import reverse

from responses.models import Collector, Quota
from surveys import services as survey_services
from surveys.core.roles import Role
from tests.factories import MembershipFactory, UserFactory
from tests.responses.specs import build_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(workspace, researcher):
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=build_spec(), created_by=researcher)
    survey_services.publish_survey(
        survey=survey, published_by=researcher, override_reason="test", confirm_warnings=True
    )
    survey.refresh_from_db()
    return survey


def builder(client, survey) -> str:
    return client.get(reverse("frontend:survey-builder", kwargs={"slug": survey.slug})).content.decode()


def test_a_researcher_creates_the_public_link_and_sees_its_url(signed_in, published):
    assert "Create a public link" in builder(signed_in, published)
    created = signed_in.post(reverse("frontend:collector-create", kwargs={"slug": published.slug}))
    assert created.status_code == 302 and created.url.endswith("#collect")
    collector = Collector.objects.get(survey=published)
    html = builder(signed_in, published)
    assert f"http://testserver/r/{collector.slug}/" in html
    assert "0 finished, 0 in progress." in html


def test_link_settings_are_saved_or_refused_with_the_reason(signed_in, published):
    signed_in.post(reverse("frontend:collector-create", kwargs={"slug": published.slug}))
    collector = Collector.objects.get()
    url = reverse("frontend:collector-update", kwargs={"collector_id": collector.id})
    prefix = f"c{collector.id}-"
    saved = signed_in.post(
        url,
        {
            prefix + "name": "Poster",
            prefix + "max_responses": "300",
            prefix + "anonymous": "on",
            prefix + "is_active": "on",
        },
    )
    assert saved.status_code == 302
    collector.refresh_from_db()
    assert (collector.name, collector.max_responses, collector.anonymous) == ("Poster", 300, True)
    refused = signed_in.post(
        url,
        {prefix + "opens_at": "2026-06-02T10:00", prefix + "closes_at": "2026-06-01T10:00", prefix + "is_active": "on"},
        follow=True,
    )
    assert "The link settings were not saved" in refused.content.decode()
    collector.refresh_from_db()
    assert collector.closes_at is None


def test_quotas_are_added_listed_and_removed(signed_in, published):
    url = reverse("frontend:quota-create", kwargs={"slug": published.slug})
    added = signed_in.post(
        url, {"quota-name": "Trẻ", "quota-question_key": "age_band", "quota-values": "18-24", "quota-limit": "300"}
    )
    assert added.status_code == 302
    quota = Quota.objects.get()
    assert "0 / 300" in builder(signed_in, published)
    refused = signed_in.post(
        url,
        {"quota-name": "Sai", "quota-question_key": "age_band", "quota-values": "99", "quota-limit": "3"},
        follow=True,
    )
    assert "The quota was not added" in refused.content.decode()
    signed_in.post(reverse("frontend:quota-delete", kwargs={"quota_id": quota.id}))
    assert not Quota.objects.exists()


def test_a_viewer_sees_the_link_but_cannot_change_it(english_client, published, workspace):
    viewer = UserFactory()
    MembershipFactory(workspace=workspace, user=viewer, role=Role.VIEWER)
    english_client.force_login(viewer)
    html = builder(english_client, published)
    assert "Create a public link" not in html
    refused = english_client.post(reverse("frontend:collector-create", kwargs={"slug": published.slug}))
    assert refused.status_code == 403
    assert not Collector.objects.exists()
