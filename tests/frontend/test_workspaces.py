import pytest
from django.urls import reverse

from surveys import selectors, services
from surveys.models import Membership, Survey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_workspace_list_shows_only_the_users_workspaces(signed_in, workspace):
    services.create_workspace(name="Someone else's", owner=UserFactory())

    content = signed_in.get(reverse("frontend:workspace-list")).content.decode()

    assert "Cửa hàng" in content
    assert "Someone else" not in content


def test_create_workspace_makes_the_user_its_owner(signed_in, researcher):
    response = signed_in.post(reverse("frontend:workspace-list"), {"name": "Quán cà phê"})

    workspace = selectors.get_workspace_by_name(name="Quán cà phê", user=researcher)
    assert response.status_code == 302
    assert response.url == reverse("frontend:workspace-detail", kwargs={"slug": workspace.slug})
    assert selectors.get_role(workspace=workspace, user=researcher) == "owner"


def test_a_blank_workspace_name_is_refused(signed_in, researcher):
    response = signed_in.post(reverse("frontend:workspace-list"), {"name": "  "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not selectors.list_workspaces_for_user(user=researcher).exists()


def test_create_survey_opens_its_builder(signed_in, workspace):
    response = signed_in.post(
        reverse("frontend:survey-create", kwargs={"slug": workspace.slug}),
        {"title_vi": "Khảo sát giá", "title_en": "Pricing survey", "languages": ["vi", "en"], "default_language": "en"},
    )

    survey = Survey.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response.url == reverse("frontend:survey-builder", kwargs={"slug": survey.slug})
    assert (survey.title, survey.languages, survey.default_language) == (
        {"vi": "Khảo sát giá", "en": "Pricing survey"},
        ["vi", "en"],
        "en",
    )
    listing = signed_in.get(reverse("frontend:workspace-detail", kwargs={"slug": workspace.slug}))
    assert "Pricing survey" in listing.content.decode()  # shown in the survey's default language


def test_a_survey_without_a_title_is_refused(signed_in, workspace):
    response = signed_in.post(
        reverse("frontend:survey-create", kwargs={"slug": workspace.slug}),
        {"title_vi": "", "title_en": "", "languages": ["vi"], "default_language": "vi"},
    )

    assert response.status_code == 400
    assert "This text is required in at least one language." in response.content.decode()
    assert not workspace.surveys.exists()


def test_owner_adds_a_member_by_email_with_a_role(signed_in, workspace):
    UserFactory(email="minh@example.vn")

    response = signed_in.post(
        reverse("frontend:member-add", kwargs={"slug": workspace.slug}), {"email": "minh@example.vn", "role": "analyst"}
    )

    assert response.status_code == 302
    assert Membership.objects.get(workspace=workspace, user__email="minh@example.vn").role == "analyst"


def test_adding_an_unknown_email_says_to_sign_up_first(signed_in, workspace):
    response = signed_in.post(
        reverse("frontend:member-add", kwargs={"slug": workspace.slug}),
        {"email": "nobody@example.vn", "role": "viewer"},
    )

    assert response.status_code == 400
    assert "ask them to sign up first" in response.content.decode()
    assert workspace.memberships.count() == 1


def test_owner_changes_a_role_and_removes_a_member(signed_in, workspace, member_of):
    member = member_of(workspace, "viewer")
    membership = workspace.memberships.get(user=member)

    signed_in.post(
        reverse("frontend:member-role", kwargs={"slug": workspace.slug, "membership_id": membership.id}),
        {f"m{membership.id}-role": "researcher"},
    )
    membership.refresh_from_db()
    assert membership.role == "researcher"

    signed_in.post(reverse("frontend:member-remove", kwargs={"slug": workspace.slug, "membership_id": membership.id}))
    assert not workspace.memberships.filter(user=member).exists()


def test_the_last_owner_cannot_step_down(signed_in, workspace, researcher):
    membership = workspace.memberships.get(user=researcher)

    response = signed_in.post(
        reverse("frontend:member-role", kwargs={"slug": workspace.slug, "membership_id": membership.id}),
        {f"m{membership.id}-role": "viewer"},
    )

    assert response.status_code == 409
    assert "A workspace needs at least one owner." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "owner"


def test_members_other_than_owners_see_the_list_but_cannot_manage_it(english_client, workspace, member_of):
    english_client.force_login(member_of(workspace, "researcher"))

    page = english_client.get(reverse("frontend:members", kwargs={"slug": workspace.slug})).content.decode()
    add = english_client.post(
        reverse("frontend:member-add", kwargs={"slug": workspace.slug}), {"email": "x@example.vn", "role": "viewer"}
    )

    assert "researcher@example.com" in page
    assert "Only an owner can add members or change roles." in page
    assert add.status_code == 403
