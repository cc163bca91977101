import pytest
from django.urls import reverse

from surveys import services
from tests.factories import UserFactory
from tests.frontend.conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(page):
    return services.create_question(page=page, type="short_text", text={"vi": "Tên?"})


def test_a_survey_of_another_workspace_is_not_found(english_client, survey, question):
    english_client.force_login(UserFactory())

    builder = english_client.get(reverse("frontend:survey-builder", kwargs={"slug": survey.slug}))
    edit = english_client.post(reverse("frontend:question-delete", kwargs={"question_id": question.id}), **HTMX)

    assert (builder.status_code, edit.status_code) == (404, 404)
    assert question.__class__.objects.filter(id=question.id).exists()


def test_a_viewer_sees_a_read_only_builder(english_client, member_of, survey, question):
    english_client.force_login(member_of(survey.workspace, "viewer"))

    content = english_client.get(reverse("frontend:survey-builder", kwargs={"slug": survey.slug})).content.decode()

    assert "You can view this survey but your role does not let you change it." in content
    assert "Tên?" in content
    assert reverse("frontend:question-update", kwargs={"question_id": question.id}) not in content
    assert reverse("frontend:survey-publish", kwargs={"slug": survey.slug}) not in content


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_a_member_without_edit_rights_cannot_change_the_survey(english_client, member_of, survey, question, role):
    english_client.force_login(member_of(survey.workspace, role))

    edit = english_client.post(
        reverse("frontend:question-update", kwargs={"question_id": question.id}),
        {f"q{question.id}-type": "short_text", f"q{question.id}-text_vi": "Đổi"},
    )
    publish = english_client.post(reverse("frontend:survey-publish", kwargs={"slug": survey.slug}))

    assert (edit.status_code, publish.status_code) == (403, 403)
    assert "You do not have permission to do this." in edit.content.decode()
    question.refresh_from_db()
    assert question.text == {"vi": "Tên?"}


def test_a_viewer_cannot_create_surveys(english_client, member_of, workspace):
    english_client.force_login(member_of(workspace, "viewer"))

    response = english_client.post(
        reverse("frontend:survey-create", kwargs={"slug": workspace.slug}),
        {"title_vi": "X", "languages": ["vi"], "default_language": "vi"},
    )

    assert response.status_code == 403
    assert not workspace.surveys.exists()


def test_a_refused_htmx_request_gets_a_fragment_not_a_page(english_client, member_of, survey, question):
    english_client.force_login(member_of(survey.workspace, "viewer"))

    response = english_client.post(reverse("frontend:question-delete", kwargs={"question_id": question.id}), **HTMX)

    assert response.status_code == 403
    assert "<html" not in response.content.decode()
    assert "You do not have permission to do this." in response.content.decode()


@pytest.mark.parametrize("name", ["frontend:audit-log", "frontend:audit-csv"])
@pytest.mark.parametrize(
    ("actor", "status"),
    [("anonymous", 302), ("outsider", 404), ("viewer", 403), ("analyst", 403), ("researcher", 403), ("owner", 200)],
)
def test_only_owners_see_the_audit_log(english_client, member_of, workspace, name, actor, status):
    if actor == "outsider":
        english_client.force_login(UserFactory())
    elif actor != "anonymous":
        english_client.force_login(member_of(workspace, actor))

    response = english_client.get(reverse(name, kwargs={"slug": workspace.slug}))

    assert response.status_code == status
    assert (workspace.name in response.content.decode()) == (status == 200)
