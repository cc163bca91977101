import pytest
from django.conf import settings
from django.test import Client

from surveys import services
from tests.factories import UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def researcher():
    return UserFactory(email="researcher@example.com")


@pytest.fixture
def workspace(researcher):
    return services.create_workspace(name="Cửa hàng", owner=researcher)


@pytest.fixture
def survey(workspace, researcher):
    return services.create_survey(
        workspace=workspace,
        created_by=researcher,
        title={"vi": "Khảo sát khách hàng", "en": "Customer survey"},
        languages=["vi", "en"],
    )


@pytest.fixture
def page(survey):
    return survey.pages.get()


@pytest.fixture
def english_client() -> Client:
    """A browser whose interface language is English, so assertions on text stay stable."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def signed_in(english_client, researcher) -> Client:
    english_client.force_login(researcher)
    return english_client
