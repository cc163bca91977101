"""A published customer survey and synthetic answers with (or without) planted effects, for the insight tests."""

import uuid

import numpy as np
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

AGES = ("18-24", "25-34", "35-44", "45_plus")
AREAS = ("urban", "rural")
CHANNELS = ("web", "app", "shop")
SCALE = tuple(ChoiceSpec(str(p), Text(vi=str(p), en=str(p))) for p in range(1, 6))


def _choices(*items: tuple[str, str, str]) -> tuple[ChoiceSpec, ...]:
    return tuple(ChoiceSpec(value, Text(vi=vi, en=en)) for value, vi, en in items)


def build_insight_spec() -> SurveySpec:
    page = PageSpec(
        key="main",
        title=Text(vi="Khảo sát", en="Survey"),
        questions=(
            QuestionSpec(
                key="satisfaction",
                type=QuestionType.RATING,
                text=Text(vi="Mức độ hài lòng", en="Overall satisfaction"),
                choices=SCALE,
                role=RoleSpec(RoleKind.KPI, "satisfaction"),
            ),
            QuestionSpec(
                key="aspects",
                type=QuestionType.MATRIX,
                text=Text(vi="Từng mặt", en="Each aspect"),
                choices=SCALE,
                rows=_choices(
                    ("delivery_speed", "Tốc độ giao hàng", "Delivery speed"),
                    ("price", "Giá cả", "Price"),
                ),
                allow_not_applicable=True,
            ),
            QuestionSpec(
                key="nps",
                type=QuestionType.NPS,
                text=Text(vi="Khả năng giới thiệu", en="Likelihood to recommend"),
                role=RoleSpec(RoleKind.KPI, "nps"),
            ),
            QuestionSpec(
                key="channels",
                type=QuestionType.MULTIPLE_CHOICE,
                text=Text(vi="Kênh mua hàng", en="Channels"),
                choices=_choices(
                    ("web", "Website", "Website"), ("app", "Ứng dụng", "App"), ("shop", "Cửa hàng", "Shop")
                ),
            ),
            QuestionSpec(
                key="comment",
                type=QuestionType.LONG_TEXT,
                text=Text(vi="Góp ý", en="Comment"),
            ),
            QuestionSpec(
                key="age_band",
                type=QuestionType.SINGLE_CHOICE,
                text=Text(vi="Độ tuổi", en="Age"),
                choices=_choices(
                    ("18-24", "18–24", "18–24"),
                    ("25-34", "25–34", "25–34"),
                    ("35-44", "35–44", "35–44"),
                    ("45_plus", "45 trở lên", "45 and over"),
                ),
                role=RoleSpec(RoleKind.DEMOGRAPHIC, "age"),
            ),
            QuestionSpec(
                key="area",
                type=QuestionType.SINGLE_CHOICE,
                text=Text(vi="Khu vực", en="Area"),
                choices=_choices(("urban", "Thành thị", "Urban"), ("rural", "Nông thôn", "Rural")),
                role=RoleSpec(RoleKind.DEMOGRAPHIC, "area"),
            ),
        ),
    )
    return SurveySpec(
        title=Text(vi="Khảo sát khách hàng", en="Customer survey"),
        languages=("vi", "en"),
        default_language="vi",
        pages=(page,),
    )


def create_insight_survey(workspace, owner):
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=build_insight_spec(), created_by=owner)
    survey_services.publish_survey(survey=survey, published_by=owner, override_reason="Test", confirm_warnings=True)
    survey.refresh_from_db()
    return survey


def synthetic_answers(n: int, *, seed: int, planted: bool) -> list[dict]:
    """Answers; with ``planted``, 18–24-year-olds rate delivery speed about one point lower.

    Without it every answer is drawn independently of age and area (no real effect anywhere,
    except that satisfaction and NPS move together as in any survey).
    """
    rng = np.random.default_rng(seed)
    answers = []
    for _ in range(n):
        age = AGES[rng.integers(len(AGES))]
        area = AREAS[rng.integers(2)]
        delivery = rng.normal(3.6, 1.0) - (1.0 if planted and age == "18-24" else 0.0)
        price = rng.normal(3.3, 1.0)
        mood = rng.normal(0, 1) + (0.5 * (delivery - 3.3) if planted else 0.0)
        satisfaction = int(np.clip(round(3.5 + mood), 1, 5))
        nps = int(np.clip(round(7 + 1.5 * mood + rng.normal(0, 1)), 0, 10))
        chosen = [c for c in CHANNELS if rng.random() < 0.4] or ["web"]
        answers.append(
            {
                "satisfaction": satisfaction,
                "aspects": {
                    "delivery_speed": str(int(np.clip(round(delivery), 1, 5))),
                    "price": str(int(np.clip(round(price), 1, 5))),
                },
                "nps": nps,
                "channels": chosen,
                "age_band": age,
                "area": area,
            }
        )
    return answers


def add_responses(survey, answers: list[dict]) -> list[Response]:
    version = survey_selectors.get_latest_version(survey=survey)
    now = timezone.now()
    return Response.objects.bulk_create(
        [
            Response(
                survey=survey,
                version=version,
                source=Response.Source.IMPORT,
                status=Response.Status.COMPLETE,
                answers=a,
                submitted_at=now,
                submission_key=uuid.uuid4(),
            )
            for a in answers
        ]
    )
