import pytest
from django.core.cache import cache

from responses import services
from surveys import services as survey_services
from tests.factories import UserFactory
from tests.responses.specs import build_spec


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    # Rate-limit counters live in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def researcher(db):
    return UserFactory(email="researcher@example.com")


@pytest.fixture
def survey(researcher):
    workspace = survey_services.create_workspace(name="Cửa hàng", owner=researcher)
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=build_spec(), created_by=researcher)
    survey_services.publish_survey(
        survey=survey, published_by=researcher, override_reason="Test questionnaire", confirm_warnings=True
    )
    survey.refresh_from_db()
    return survey


@pytest.fixture
def collector(survey, researcher):
    return services.create_collector(survey=survey, created_by=researcher)
