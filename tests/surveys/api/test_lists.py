"""List endpoints: one pagination shape, and only the caller's workspaces."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from surveys import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_lists_are_paginated_with_count_links_and_results(world, owner_client):
    world.make_draft(title="Thứ hai")
    world.make_draft(title="Thứ ba")
    response = owner_client.get(reverse("surveys:survey-list"), {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert (body["count"], len(body["results"]), body["previous"]) == (3, 2, None)
    assert "page=2" in body["next"]


def test_the_last_page_links_back_and_not_forward(world, owner_client):
    world.make_draft(title="Thứ hai")
    body = owner_client.get(reverse("surveys:survey-list"), {"page_size": 1, "page": 2}).json()
    assert (len(body["results"]), body["next"], body["previous"] is not None) == (1, None, True)


def test_a_page_past_the_end_is_not_found_in_the_error_format(world, owner_client):
    response = owner_client.get(reverse("surveys:survey-list"), {"page": 5})
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_survey_list_holds_only_the_callers_workspaces(world):
    stranger = UserFactory()
    own = services.create_survey(
        workspace=services.create_workspace(name="Riêng", owner=stranger), created_by=stranger, title={"vi": "Của tôi"}
    )
    client = APIClient()
    client.force_authenticate(stranger)
    slugs = [survey["slug"] for survey in client.get(reverse("surveys:survey-list")).json()["results"]]
    assert slugs == [own.slug]


def test_survey_list_filters_by_workspace(world, owner_client):
    elsewhere = services.create_workspace(name="Khác", owner=world.founder)
    other = services.create_survey(workspace=elsewhere, created_by=world.founder, title={"vi": "Ở chỗ khác"})
    body = owner_client.get(reverse("surveys:survey-list"), {"workspace": world.workspace.slug}).json()
    assert other.slug not in [survey["slug"] for survey in body["results"]]
    assert body["count"] == 1


def test_members_are_listed_with_email_and_role(world, owner_client):
    body = owner_client.get(reverse("surveys:member-list", kwargs={"slug": world.workspace.slug})).json()
    assert [(member["email"], member["role"]) for member in body["results"]] == [
        (world.founder.email, "owner"),
        (world.colleague.email, "viewer"),
    ]
    assert set(body["results"][0]) == {"id", "email", "name", "role", "created_at"}


def test_the_last_owner_cannot_step_down(world, owner_client):
    founder = world.workspace.memberships.get(user=world.founder)
    response = owner_client.patch(
        reverse("surveys:member-detail", kwargs={"slug": world.workspace.slug, "member_id": founder.id}),
        {"role": "viewer"},
        format="json",
    )
    assert response.status_code == 409
    founder.refresh_from_db()
    assert founder.role == "owner"


def test_adding_an_address_without_an_account_is_refused_on_the_email_field(world, owner_client):
    response = owner_client.post(
        reverse("surveys:member-list", kwargs={"slug": world.workspace.slug}),
        {"email": "nobody@example.com", "role": "viewer"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["email"]
