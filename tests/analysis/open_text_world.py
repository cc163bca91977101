"""A published survey with an open question, a demographic question and NPS, and answers to it."""

import random
import uuid
from dataclasses import dataclass

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
from surveys.models import Survey
from tests.factories import UserFactory

DELIVERY = (
    "Giao hàng chậm quá, đợi cả tuần mới nhận được",
    "giao hang cham qua, shipper goi ko nghe may",
    "Shop giao hàng nhanh hơn nữa thì tốt",
    "Delivery was late and the courier was rude",
    "Thời gian giao hàng lâu, ship về quê mất 7 ngày",
    "giao hàng trễ hẹn 3 lần rồi",
)
PRICE = (
    "Giá hơi cao so với mặt bằng chung",
    "gia dat qua, nen giam gia cho khach quen",
    "Phí ship đắt quá, nên miễn phí ship cho đơn nhỏ",
    "Prices are too expensive compared to other shops",
    "Giá cả cần hợp lý hơn",
)
STAFF = (
    "Nhân viên tư vấn nhiệt tình, rất hài lòng",
    "nv tu van nhiet tinh nhung tra loi tin nhan cham",
    "Nhân viên chăm sóc khách hàng thái độ không tốt",
    "The staff were friendly and helpful",
    "Nhân viên trả lời tin nhắn chậm quá",
)
PACKAGING = (
    "Đóng gói cẩn thận hơn, hàng bị móp hộp",
    "dong goi so sai, hop bi rach",
    "Packaging was damaged when it arrived",
    "Đóng gói đẹp, chắc chắn",
)
NON_ANSWERS = ("không có", "n/a", ".")


def _choices(*items: tuple[str, str, str]) -> tuple[ChoiceSpec, ...]:
    return tuple(ChoiceSpec(value, Text(vi=vi, en=en)) for value, vi, en in items)


def build_open_text_spec() -> SurveySpec:
    page = PageSpec(
        key="main",
        title=Text(vi="Ý kiến", en="Feedback"),
        questions=(
            QuestionSpec(
                key="area",
                type=QuestionType.SINGLE_CHOICE,
                text=Text(vi="Bạn sống ở đâu?", en="Where do you live?"),
                choices=_choices(("urban", "Thành thị", "Urban"), ("rural", "Nông thôn", "Rural")),
                role=RoleSpec(RoleKind.DEMOGRAPHIC, "area"),
            ),
            QuestionSpec(
                key="nps",
                type=QuestionType.NPS,
                text=Text(vi="Bạn có giới thiệu chúng tôi không?", en="Would you recommend us?"),
            ),
            QuestionSpec(
                key="improve",
                type=QuestionType.LONG_TEXT,
                text=Text(vi="Chúng tôi nên cải thiện điều gì?", en="What should we improve?"),
            ),
        ),
    )
    return SurveySpec(
        title=Text(vi="Góp ý khách hàng", en="Customer feedback"),
        languages=("vi", "en"),
        default_language="vi",
        pages=(page,),
    )


@dataclass
class OpenTextWorld:
    owner: object
    survey: Survey

    def add(self, answers: list[dict]) -> list[Response]:
        version = survey_selectors.get_latest_version(survey=self.survey)
        now = timezone.now()
        return Response.objects.bulk_create(
            Response(
                survey=self.survey,
                version=version,
                source=Response.Source.IMPORT,
                status=Response.Status.COMPLETE,
                answers=dict(a),
                submitted_at=now,
                submission_key=uuid.uuid4(),
            )
            for a in answers
        )


def synthetic_answers(n: int, *, seed: int = 7, rural_delivery: bool = True) -> list[dict]:
    """``n`` respondents; rural ones complain about delivery far more often (a segment effect)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        area = "rural" if i % 2 else "urban"
        pools = [DELIVERY] * (6 if area == "rural" and rural_delivery else 1) + [PRICE, STAFF, PACKAGING]
        text = rng.choice(rng.choice(pools))
        if i % 23 == 0:
            text = rng.choice(NON_ANSWERS)
        out.append({"area": area, "nps": rng.randint(0, 10), "improve": text})
    return out


def create_open_text_survey(workspace, owner) -> Survey:
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=build_open_text_spec(), created_by=owner)
    survey_services.publish_survey(survey=survey, published_by=owner, override_reason="Test", confirm_warnings=True)
    survey.refresh_from_db()
    return survey


def build_open_text_world() -> OpenTextWorld:
    owner = UserFactory()
    workspace = survey_services.create_workspace(name="Cửa hàng", owner=owner)
    return OpenTextWorld(owner, create_open_text_survey(workspace, owner))
