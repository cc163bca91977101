"""Every page that accepts a POST refuses one without a CSRF token, signed in or not.

Django's test client skips CSRF checks unless asked (``enforce_csrf_checks=True``). The URLconf is
walked, not listed by hand: a new form is covered the day it is added. A view "accepts POST" when the
same request with a valid token is not answered 405; for those, the request without the token must be
refused by the CSRF check (403 and Django's CSRF failure page), not by the view.
"""

import secrets
import string

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, SlugConverter, StringConverter
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Django's admin is Django's own and tested there; the API answers in its own format (checked below).
SKIPPED_NAMESPACES = {"admin", "surveys", "responses", "results", "analysis"}
CSRF_REFUSAL = b"CSRF verification failed"
DUMMY_VALUES = {IntConverter: "987654", SlugConverter: "no-such-slug", StringConverter: "nothing"}
# Forms a respondent (or a visitor) uses without an account.
PUBLIC_FORMS = {"frontend:respond-public", "frontend:respond-invitation", "frontend:respond-resume", "frontend:login"}


def _named_routes(resolver: URLResolver, namespace: str = "") -> list[tuple[str, URLPattern]]:
    routes: list[tuple[str, URLPattern]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            routes += _named_routes(entry, inner)
        elif entry.name:
            routes.append((f"{namespace}:{entry.name}".strip(":"), entry))
    return routes


def page_urls() -> list[str]:
    """Return a URL for every named page, with placeholder values for its parameters."""
    urls = {}
    for name, pattern in _named_routes(get_resolver()):
        if name.split(":")[0] in SKIPPED_NAMESPACES or name == "api-schema" or name.startswith("api-"):
            continue
        converters = getattr(pattern.pattern, "converters", {})
        kwargs = {key: DUMMY_VALUES[type(converter)] for key, converter in converters.items()}
        urls[name] = reverse(name, kwargs=kwargs)
    return sorted(urls.items())


PAGE_URLS = page_urls()


def csrf_token() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


def signed_in_client() -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    return client


def post_with_token(client: Client, url: str):
    token = csrf_token()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return client.post(url, {"csrfmiddlewaretoken": token})


def accepts_post(url: str) -> bool:
    return post_with_token(signed_in_client(), url).status_code != 405


def test_the_walk_finds_the_forms_that_matter():
    names = {name for name, _ in PAGE_URLS}
    assert {"frontend:login", "frontend:signup", "frontend:workspace-list", "frontend:respond-public"} <= names
    assert {"frontend:question-update", "frontend:survey-publish", "frontend:member-add", "set_language"} <= names
    assert len(PAGE_URLS) > 60


@pytest.mark.parametrize(("name", "url"), PAGE_URLS, ids=[name for name, _ in PAGE_URLS])
def test_a_post_without_a_csrf_token_is_refused(name, url):
    if not accepts_post(url):
        # A GET-only page: the POST never reaches a form (and the CSRF check still answers first).
        assert signed_in_client().post(url).status_code in (403, 405)
        return

    signed_in = signed_in_client().post(url, {"anything": "1"})
    assert signed_in.status_code == 403, name
    assert CSRF_REFUSAL in signed_in.content, name

    if name in PUBLIC_FORMS:
        anonymous = Client(enforce_csrf_checks=True).post(url, {"anything": "1"})
        assert anonymous.status_code == 403, name
        assert CSRF_REFUSAL in anonymous.content, name


def test_the_public_answer_form_is_csrf_protected_on_a_real_survey(client):
    from responses import services as response_services
    from surveys import services as survey_services
    from tests.responses.specs import build_spec

    owner = UserFactory()
    workspace = survey_services.create_workspace(name="Cửa hàng", owner=owner)
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=build_spec(), created_by=owner)
    survey_services.publish_survey(survey=survey, published_by=owner, override_reason="Test", confirm_warnings=True)
    collector = response_services.create_collector(survey=survey, created_by=owner)
    url = reverse("frontend:respond-public", kwargs={"slug": collector.slug})
    respondent = Client(enforce_csrf_checks=True)

    form = respondent.get(url)
    refused = respondent.post(url, {"gender": "female", "age_band": "18-24", "channels": ["web"]})

    assert form.status_code == 200
    assert b'name="csrfmiddlewaretoken"' in form.content
    assert refused.status_code == 403
    assert CSRF_REFUSAL in refused.content
    assert not collector.responses.exists()


def test_the_api_refuses_a_session_post_without_a_csrf_token():
    # A signed-in browser session works on the API too (README); DRF then enforces CSRF itself.
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(UserFactory())

    response = client.post("/api/workspaces/", {"name": "Không token"}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]
