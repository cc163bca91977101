"""API tokens: exchanging an email address and password, then using the token."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"
PASSWORD = "correct-horse-battery"  # the factories' password


def test_the_token_url_is_where_clients_expect_it():
    assert reverse("surveys:token-obtain") == TOKEN_URL


def test_the_right_email_and_password_get_the_accounts_token(api_client):
    user = UserFactory()
    first = api_client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")
    second = api_client.post(TOKEN_URL, {"email": user.email.upper(), "password": PASSWORD}, format="json")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json() == {"token": Token.objects.get(user=user).key}


@pytest.mark.parametrize(
    "address_of", [lambda user: user.email, lambda user: "nobody@example.com"], ids=["wrong-password", "unknown-email"]
)
def test_a_wrong_password_or_unknown_email_is_refused_alike_and_issues_nothing(api_client, address_of):
    response = api_client.post(TOKEN_URL, {"email": address_of(UserFactory()), "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert response.json()["error"]["fields"] == {}
    assert not Token.objects.exists()


def test_an_inactive_account_gets_no_token(api_client):
    user = UserFactory(is_active=False)
    response = api_client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_a_missing_password_is_named_in_fields(api_client):
    response = api_client.post(TOKEN_URL, {"email": "a@example.com"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["password"]


def test_the_token_authenticates_api_calls(api_client):
    user = UserFactory()
    token = api_client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json").json()["token"]
    response = APIClient().get(reverse("surveys:workspace-list"), HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200


def test_an_unknown_token_is_unauthorised(api_client):
    response = api_client.get(reverse("surveys:workspace-list"), HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_signed_in_session_authenticates_api_calls(api_client):
    api_client.force_login(UserFactory())
    assert api_client.get(reverse("surveys:workspace-list")).status_code == 200


def test_repeated_guessing_is_throttled(api_client):
    # Many email addresses from one client address: the per-address throttle (one email address alone is
    # stopped sooner, by the failed sign-in limit: tests/security/test_login_rate_limit.py).
    users = UserFactory.create_batch(21)
    statuses = [
        api_client.post(TOKEN_URL, {"email": user.email, "password": "guess"}, format="json").status_code
        for user in users
    ]
    assert statuses == [400] * 20 + [429]
