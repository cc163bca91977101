"""Failed sign-ins are limited per email address and client address, on the page and the API together."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
LIMIT = {"attempts": 3, "window_seconds": 600}
TOKEN_URL = "/api/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    with override_settings(LOGIN_RATE_LIMIT=LIMIT):
        yield
    cache.clear()


@pytest.fixture
def user():
    return UserFactory(email="lan@example.com")


def sign_in(client, email: str, password: str, *, address: str = "10.0.0.1"):
    return client.post(
        reverse("frontend:login"),
        {"username": email, "password": password},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def get_token(api_client, email: str, password: str, *, address: str = "10.0.0.1"):
    return api_client.post(
        TOKEN_URL, {"email": email, "password": password}, format="json", REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_the_page_refuses_even_the_right_password_after_too_many_failures(client, user):
    for _ in range(LIMIT["attempts"]):
        assert sign_in(client, user.email, "wrong-password").status_code == 200  # the form again, with its error

    response = sign_in(client, user.email, PASSWORD)

    assert response.status_code == 429
    assert int(response["Retry-After"]) == LIMIT["window_seconds"]
    assert "Too many failed sign-in attempts for this email address. Try again in 10 minutes." in response.text
    assert "_auth_user_id" not in client.session


def test_the_api_answers_429_in_the_error_format_after_too_many_failures(api_client, user):
    for _ in range(LIMIT["attempts"]):
        assert get_token(api_client, user.email, "wrong-password").status_code == 400

    response = get_token(api_client, user.email, PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == str(LIMIT["window_seconds"])
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert error["message"].startswith("Too many failed sign-in attempts for this email address.")
    assert error["fields"] == {}
    assert "token" not in response.json()


def test_the_page_and_the_api_share_one_count(client, api_client, user):
    sign_in(client, user.email, "wrong-password")
    get_token(api_client, user.email.upper(), "wrong-password")  # the same address, however it is typed
    sign_in(client, f" {user.email} ", "wrong-password")

    assert get_token(api_client, user.email, PASSWORD).status_code == 429
    assert sign_in(client, user.email, PASSWORD).status_code == 429


def test_the_limit_counts_each_email_and_address_pair_apart(client, user):
    other = UserFactory(email="minh@example.com")
    for _ in range(LIMIT["attempts"]):
        sign_in(client, user.email, "wrong-password", address="10.0.0.1")

    # Another address for the same email, and another email from the same address, may still sign in.
    assert sign_in(client, user.email, PASSWORD, address="10.0.0.2").status_code == 302
    client.logout()
    assert sign_in(client, other.email, PASSWORD, address="10.0.0.1").status_code == 302


def test_a_success_clears_the_failures(api_client, user):
    for _ in range(LIMIT["attempts"] - 1):
        get_token(api_client, user.email, "wrong-password")
    assert get_token(api_client, user.email, PASSWORD).status_code == 200

    for _ in range(LIMIT["attempts"] - 1):
        get_token(api_client, user.email, "wrong-password")
    assert get_token(api_client, user.email, PASSWORD).status_code == 200


def test_the_window_ends_the_block(client, user):
    for _ in range(LIMIT["attempts"]):
        sign_in(client, user.email, "wrong-password")
    assert sign_in(client, user.email, PASSWORD).status_code == 429

    cache.clear()  # what the cache does when the window's timeout passes

    assert sign_in(client, user.email, PASSWORD).status_code == 302
