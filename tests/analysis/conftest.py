"""A published survey with demographic questions, and a fast way to give it finished responses."""

import uuid

import pytest
from django.utils import timezone

from responses.models import Response
from surveys import selectors as survey_selectors
from surveys import services as survey_services
from surveys.core.questionnaire import (
    ChoiceSpec,
    PageSpec,
    QuestionSpec,
    QuestionType,
    RoleKind,
    RoleSpec,
    SurveySpec,
    Text,
)
from tests.factories import UserFactory


def _choices(*items: tuple[str, str, str]) -> tuple[ChoiceSpec, ...]:
    return tuple(ChoiceSpec(value, Text(vi=vi, en=en)) for value, vi, en in items)


def build_demographic_spec() -> SurveySpec:
    about = PageSpec(
        key="about",
        title=Text(vi="Về bạn", en="About you"),
        questions=(
            QuestionSpec(
                key="gender",
                type=QuestionType.SINGLE_CHOICE,
                text=Text(vi="Giới tính của bạn là gì?", en="What is your gender?"),
                choices=_choices(
                    ("f", "Nữ", "Female"),
                    ("m", "Nam", "Male"),
                    ("another", "Khác", "Another gender"),
                    ("prefer_not_to_say", "Không muốn trả lời", "Prefer not to say"),
                ),
                role=RoleSpec(RoleKind.DEMOGRAPHIC, "gender"),
            ),
            QuestionSpec(
                key="area",
                type=QuestionType.SINGLE_CHOICE,
                text=Text(vi="Nơi bạn sống thuộc khu vực nào?", en="Is the place where you live urban or rural?"),
                choices=_choices(("urban", "Thành thị", "Urban"), ("rural", "Nông thôn", "Rural")),
                role=RoleSpec(RoleKind.DEMOGRAPHIC, "area"),
            ),
            QuestionSpec(
                key="region",
                type=QuestionType.SINGLE_CHOICE,
                text=Text(vi="Bạn đang sống ở vùng nào?", en="Which region do you live in?"),
                choices=_choices(
                    ("north", "Miền Bắc", "North"),
                    ("south", "Miền Nam", "South"),
                ),
                role=RoleSpec(RoleKind.DEMOGRAPHIC, "region"),
            ),
        ),
    )
    return SurveySpec(
        title=Text(vi="Khảo sát nhân khẩu", en="Demographics survey"),
        languages=("vi", "en"),
        default_language="vi",
        pages=(about,),
    )


@pytest.fixture
def owner_user(db):
    return UserFactory(email="owner@example.com")


@pytest.fixture
def workspace(owner_user):
    return survey_services.create_workspace(name="Cửa hàng", owner=owner_user)


@pytest.fixture
def survey(workspace, owner_user):
    survey = survey_services.create_survey_from_spec(
        workspace=workspace, spec=build_demographic_spec(), created_by=owner_user
    )
    survey_services.publish_survey(
        survey=survey, published_by=owner_user, override_reason="Test questionnaire", confirm_warnings=True
    )
    survey.refresh_from_db()
    return survey


def add_responses(survey, answers: list[dict], *, status: str = Response.Status.COMPLETE) -> list[Response]:
    """Store finished responses with these answers directly (the respondent flow is tested elsewhere)."""
    version = survey_selectors.get_latest_version(survey=survey)
    now = timezone.now()
    rows = [
        Response(
            survey=survey,
            version=version,
            source=Response.Source.IMPORT,
            status=status,
            answers=dict(a),
            submitted_at=None if status == Response.Status.PARTIAL else now,
            submission_key=None if status == Response.Status.PARTIAL else uuid.uuid4(),
        )
        for a in answers
    ]
    return Response.objects.bulk_create(rows)


def skewed_answers(n_per_cell: dict[tuple[str, str], int]) -> list[dict]:
    """Answers with ``n`` respondents per (gender, area); region alternates north/south."""
    answers = []
    for (gender, area), n in n_per_cell.items():
        for i in range(n):
            answers.append({"gender": gender, "area": area, "region": "north" if i % 2 else "south"})
    return answers
