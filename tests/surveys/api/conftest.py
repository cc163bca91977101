from functools import cached_property

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from surveys import services
from surveys.core.roles import Role
from surveys.models import Survey
from tests.factories import MembershipFactory, UserFactory


class World:
    """A workspace with members, a publishable draft and, on demand, published and closed surveys.

    The draft has page p1 (q1 single choice with options a and b, q2 short text) and an empty p2,
    so every write the API offers has something it may legitimately change or delete.
    """

    def __init__(self) -> None:
        self.founder = UserFactory()
        self.workspace = services.create_workspace(name="Quán cà phê", owner=self.founder)
        self.colleague = UserFactory()
        self.colleague_membership = MembershipFactory(workspace=self.workspace, user=self.colleague, role=Role.VIEWER)
        self.newcomer = UserFactory()
        self.survey = self.make_draft(title="Khảo sát khách hàng")
        self.page = self.survey.pages.get(key="p1")
        self.spare_page = services.create_page(survey=self.survey, title={"vi": "Trang 2"})
        self.question = self.survey.questions.get(key="q1")
        self.spare_question = self.survey.questions.get(key="q2")
        self.choice = self.question.choices.get(value="a")

    def make_draft(self, *, title: str) -> Survey:
        survey = services.create_survey(
            workspace=self.workspace, created_by=self.founder, title={"vi": title}, languages=["vi", "en"]
        )
        page = survey.pages.get()
        services.create_question(
            page=page,
            type="single_choice",
            text={"vi": "Bạn có hài lòng không?", "en": "Are you satisfied?"},
            choices=[{"value": "a", "label": {"vi": "Có"}}, {"value": "b", "label": {"vi": "Không"}}],
        )
        services.create_question(page=page, type="short_text", text={"vi": "Tên bạn?"})
        return survey

    @cached_property
    def published(self) -> Survey:
        """Return an open survey published twice (q2 changed in between)."""
        survey = self.make_draft(title="Khảo sát đã đăng")
        services.publish_survey(survey=survey, published_by=self.founder)
        services.update_question(question=survey.questions.get(key="q2"), text={"vi": "Họ và tên?"})
        services.publish_survey(survey=survey, published_by=self.founder)
        return survey

    @cached_property
    def closed(self) -> Survey:
        survey = self.make_draft(title="Khảo sát đã đóng")
        services.publish_survey(survey=survey, published_by=self.founder)
        survey.refresh_from_db()  # publishing opened the survey on its own copy of the row
        return services.close_survey(survey=survey)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttle counters live in the cache, which outlives a test; start each test from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db) -> World:
    return World()


@pytest.fixture
def owner_client(world) -> APIClient:
    """Return a client signed in as the workspace's founding owner."""
    client = APIClient()
    client.force_authenticate(world.founder)
    return client
