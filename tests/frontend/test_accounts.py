import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from surveys import selectors
from surveys.models import Workspace
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


STRONG_PASSWORD = "Bánh-mì-2024!"


def signup(client, email="lan@example.vn", password=STRONG_PASSWORD, password2=None):
    return client.post(
        reverse("frontend:signup"),
        {"email": email, "password1": password, "password2": password2 or password},
    )


def test_signup_creates_an_account_with_a_default_workspace_and_signs_in(english_client):
    response = signup(english_client, email="Lan@Example.vn")

    assert response.status_code == 302
    assert response.url == reverse("frontend:workspace-list")
    user = User.objects.get(email="lan@example.vn")
    assert user.username == "lan@example.vn"
    assert [w.name for w in selectors.list_workspaces_for_user(user=user)] == ["My workspace"]
    assert english_client.get(reverse("frontend:workspace-list")).status_code == 200


def test_signup_with_mismatched_passwords_shows_the_error_and_creates_nothing(english_client):
    response = signup(english_client, password2="something-else-1")

    assert response.status_code == 400
    assert "didn’t match" in response.content.decode()
    assert not User.objects.exists()
    assert not Workspace.objects.exists()


def test_signup_applies_the_password_validators(english_client):
    response = signup(english_client, password="12345678")

    content = response.content.decode()
    assert response.status_code == 400
    assert "This password is too common." in content
    assert "This password is entirely numeric." in content
    assert not User.objects.exists()


def test_signup_refuses_an_email_that_already_has_an_account(english_client):
    UserFactory(email="lan@example.vn", username="lan@example.vn")

    response = signup(english_client, email="LAN@example.vn")

    assert response.status_code == 400
    assert "An account already uses this email" in response.content.decode()
    assert User.objects.count() == 1


def test_login_with_email_and_password_opens_the_workspaces(english_client):
    UserFactory(email="lan@example.vn", username="lan@example.vn")

    response = english_client.post(
        reverse("frontend:login"), {"username": "Lan@Example.vn", "password": "correct-horse-battery"}
    )

    assert response.status_code == 302
    assert response.url == reverse("frontend:workspace-list")


def test_login_with_a_wrong_password_says_so(english_client):
    UserFactory(email="lan@example.vn", username="lan@example.vn")

    response = english_client.post(reverse("frontend:login"), {"username": "lan@example.vn", "password": "nope"})

    assert response.status_code == 200
    assert "The email or the password is not correct." in response.content.decode()
    assert "_auth_user_id" not in english_client.session


def test_logout_is_a_post_that_signs_out(signed_in):
    assert signed_in.get(reverse("frontend:logout")).status_code == 405

    response = signed_in.post(reverse("frontend:logout"))

    assert response.status_code == 302
    assert response.url == reverse("frontend:login")
    assert signed_in.get(reverse("frontend:workspace-list")).status_code == 302


def test_anonymous_visitor_is_sent_to_login(english_client, survey):
    response = english_client.get(reverse("frontend:survey-builder", kwargs={"slug": survey.slug}))

    assert response.status_code == 302
    assert response.url.startswith(reverse("frontend:login") + "?next=")


def test_anonymous_post_to_the_builder_changes_nothing(english_client, page):
    response = english_client.post(reverse("frontend:question-add", kwargs={"page_id": page.id}), {"type": "nps"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("frontend:login"))
    assert not page.questions.exists()


def test_language_switch_renders_english_and_vietnamese_is_the_default(client):
    default = client.get(reverse("frontend:login"))
    assert 'lang="vi"' in default.content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": reverse("frontend:login")})
    english = client.get(reverse("frontend:login")).content.decode()

    assert 'lang="en"' in english
    assert "Sign in" in english
    assert "Create an account" in english
