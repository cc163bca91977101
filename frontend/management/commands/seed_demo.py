"""Create a demo account, workspace and published survey so a newcomer has something to open.

For local use only: the account's password is published in the README, so the command refuses
to run when DEBUG is off. Running it again changes nothing that already exists.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from analysis import services_open_text as open_text_services
from analysis.models import OpenTextRun
from frontend import demo_responses
from surveys import selectors, services
from surveys.core.questionnaire import (
    ChoiceSpec,
    Condition,
    Logic,
    Operator,
    PageSpec,
    QuestionSpec,
    QuestionType,
    RoleKind,
    RoleSpec,
    SurveySpec,
    Text,
)
from surveys.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_WORKSPACE_NAME
from surveys.errors import NotFound
from surveys.models import Survey, Workspace


def _choices(*items: tuple[str, str, str], exclusive: str = "", other: str = "") -> tuple[ChoiceSpec, ...]:
    return tuple(
        ChoiceSpec(value, Text(vi=vi, en=en), is_exclusive=value == exclusive, is_other=value == other)
        for value, vi, en in items
    )


# A balanced scale: as many dissatisfied points as satisfied ones around a neutral middle.
SATISFACTION_SCALE = _choices(
    ("1", "Rất không hài lòng", "Very dissatisfied"),
    ("2", "Không hài lòng", "Dissatisfied"),
    ("3", "Bình thường", "Neither satisfied nor dissatisfied"),
    ("4", "Hài lòng", "Satisfied"),
    ("5", "Rất hài lòng", "Very satisfied"),
)


def _demographic(variable: str) -> RoleSpec:
    return RoleSpec(RoleKind.DEMOGRAPHIC, variable)


def _kpi(variable: str) -> RoleSpec:
    return RoleSpec(RoleKind.KPI, variable)


def build_demo_survey_spec() -> SurveySpec:
    """Return the demo online-shop satisfaction questionnaire in Vietnamese and English."""
    purchase = PageSpec(
        key="purchase",
        title=Text(vi="Việc mua sắm của bạn", en="Your shopping"),
        questions=(
            QuestionSpec(
                key="channels",
                type=QuestionType.MULTIPLE_CHOICE,
                text=Text(
                    vi="Trong 3 tháng qua, bạn đã mua hàng của cửa hàng qua những kênh nào?",
                    en="In the past 3 months, through which channels have you bought from the shop?",
                ),
                help_text=Text(vi="Chọn tất cả các kênh phù hợp.", en="Select all that apply."),
                required=True,
                choices=_choices(
                    ("website", "Trang web của cửa hàng", "The shop's website"),
                    ("app", "Ứng dụng của cửa hàng", "The shop's app"),
                    ("shopee", "Shopee", "Shopee"),
                    ("lazada", "Lazada", "Lazada"),
                    ("tiktok_shop", "TikTok Shop", "TikTok Shop"),
                    ("facebook", "Facebook", "Facebook"),
                    ("other", "Kênh khác", "Another channel"),
                    ("none", "Không qua kênh nào ở trên", "None of these"),
                    exclusive="none",
                    other="other",
                ),
                # Shuffled so the first channels listed are not picked more for being first.
                randomize_choices=True,
            ),
            QuestionSpec(
                key="payment_method",
                type=QuestionType.SINGLE_CHOICE,
                text=Text(
                    vi="Bạn thường thanh toán đơn hàng bằng cách nào?",
                    en="How do you usually pay for your orders?",
                ),
                required=True,
                choices=_choices(
                    ("cod", "Tiền mặt khi nhận hàng (COD)", "Cash on delivery (COD)"),
                    ("bank_transfer", "Chuyển khoản ngân hàng", "Bank transfer"),
                    ("e_wallet", "Ví điện tử (MoMo, ZaloPay…)", "E-wallet (MoMo, ZaloPay…)"),
                    ("card", "Thẻ tín dụng hoặc thẻ ghi nợ", "Credit or debit card"),
                    ("other", "Cách khác", "Other"),
                    other="other",
                ),
            ),
        ),
    )
    satisfaction = PageSpec(
        key="satisfaction",
        title=Text(vi="Mức độ hài lòng", en="Satisfaction"),
        questions=(
            QuestionSpec(
                key="satisfaction",
                type=QuestionType.RATING,
                text=Text(
                    vi="Nhìn chung, bạn hài lòng hay không hài lòng với lần mua hàng gần nhất?",
                    en="Overall, how satisfied or dissatisfied are you with your most recent purchase?",
                ),
                required=True,
                choices=SATISFACTION_SCALE,
                role=_kpi("satisfaction"),
            ),
            QuestionSpec(
                key="aspects",
                type=QuestionType.MATRIX,
                text=Text(
                    vi="Bạn hài lòng hay không hài lòng với từng mặt sau đây?",
                    en="How satisfied or dissatisfied are you with each of the following?",
                ),
                help_text=Text(
                    vi="Chọn “Không áp dụng” nếu bạn chưa trải nghiệm mặt đó.",
                    en="Choose “Not applicable” if you have not experienced it.",
                ),
                choices=SATISFACTION_SCALE,
                rows=_choices(
                    ("delivery_speed", "Tốc độ giao hàng", "Delivery speed"),
                    ("product_quality", "Chất lượng sản phẩm", "Product quality"),
                    ("price", "Giá cả", "Price"),
                    ("customer_service", "Dịch vụ chăm sóc khách hàng", "Customer service"),
                ),
                allow_not_applicable=True,
            ),
        ),
    )
    recommendation = PageSpec(
        key="recommendation",
        title=Text(vi="Giới thiệu cửa hàng", en="Recommending the shop"),
        questions=(
            QuestionSpec(
                key="nps",
                type=QuestionType.NPS,
                text=Text(
                    vi="Trên thang điểm từ 0 đến 10, khả năng bạn giới thiệu cửa hàng cho người quen là bao nhiêu?",
                    en="On a scale from 0 to 10, how likely are you to recommend the shop to someone you know?",
                ),
                help_text=Text(
                    vi="0 = hoàn toàn không có khả năng, 10 = rất có khả năng.",
                    en="0 = not at all likely, 10 = extremely likely.",
                ),
                required=True,
                role=_kpi("nps"),
            ),
        ),
    )
    feedback = PageSpec(
        key="feedback",
        title=Text(vi="Góp ý", en="Feedback"),
        questions=(
            QuestionSpec(
                key="nps_reason",
                type=QuestionType.LONG_TEXT,
                text=Text(
                    vi="Lý do chính cho điểm số bạn vừa chọn là gì?",
                    en="What is the main reason for the score you gave?",
                ),
                # Detractors (0–6 on the NPS scale) are the answers a shop most needs to understand.
                logic=Logic((Condition("nps", Operator.LTE, 6),)),
            ),
            QuestionSpec(
                key="improvement",
                type=QuestionType.LONG_TEXT,
                text=Text(vi="Chúng tôi nên cải thiện điều gì?", en="What should we improve?"),
            ),
        ),
    )
    about_you = PageSpec(
        key="about_you",
        title=Text(vi="Thông tin về bạn", en="About you"),
        questions=(
            QuestionSpec(
                key="gender",
                type=QuestionType.SINGLE_CHOICE,
                text=Text(vi="Giới tính của bạn là gì?", en="What is your gender?"),
                choices=_choices(
                    ("female", "Nữ", "Female"),
                    ("male", "Nam", "Male"),
                    ("another", "Khác", "Another gender"),
                    ("prefer_not_to_say", "Không muốn trả lời", "Prefer not to say"),
                ),
                role=_demographic("gender"),
            ),
            QuestionSpec(
                key="age_band",
                type=QuestionType.SINGLE_CHOICE,
                text=Text(vi="Bạn thuộc nhóm tuổi nào?", en="Which age group are you in?"),
                choices=_choices(
                    ("18-24", "18–24", "18–24"),
                    ("25-34", "25–34", "25–34"),
                    ("35-44", "35–44", "35–44"),
                    ("45-54", "45–54", "45–54"),
                    ("55_plus", "55 trở lên", "55 or older"),
                    ("prefer_not_to_say", "Không muốn trả lời", "Prefer not to say"),
                ),
                role=_demographic("age"),
            ),
            QuestionSpec(
                key="income_band",
                type=QuestionType.SINGLE_CHOICE,
                text=Text(
                    vi="Thu nhập cá nhân hằng tháng của bạn thuộc khoảng nào?",
                    en="Which range does your personal monthly income fall in?",
                ),
                # Each band's lower bound is included and its upper bound excluded, so none overlap.
                choices=_choices(
                    ("under_5m", "Dưới 5 triệu đồng", "Under 5 million VND"),
                    ("5m_to_10m", "Từ 5 đến dưới 10 triệu đồng", "5 to under 10 million VND"),
                    ("10m_to_20m", "Từ 10 đến dưới 20 triệu đồng", "10 to under 20 million VND"),
                    ("20m_plus", "Từ 20 triệu đồng trở lên", "20 million VND or more"),
                    ("prefer_not_to_say", "Không muốn trả lời", "Prefer not to say"),
                ),
                role=_demographic("income"),
            ),
            QuestionSpec(
                key="region",
                type=QuestionType.SINGLE_CHOICE,
                text=Text(vi="Bạn đang sống ở vùng nào?", en="Which region do you live in?"),
                help_text=Text(
                    vi="Ví dụ: Hà Nội thuộc Đồng bằng sông Hồng, TP. Hồ Chí Minh thuộc Đông Nam Bộ.",
                    en="For example, Hà Nội is in the Red River Delta and Hồ Chí Minh City in the Southeast.",
                ),
                # The six socio-economic regions of the General Statistics Office (GSO).
                choices=_choices(
                    ("northern_midlands_mountains", "Trung du và miền núi phía Bắc", "Northern Midlands and Mountains"),
                    ("red_river_delta", "Đồng bằng sông Hồng", "Red River Delta"),
                    (
                        "north_central_central_coast",
                        "Bắc Trung Bộ và duyên hải miền Trung",
                        "North Central and Central Coast",
                    ),
                    ("central_highlands", "Tây Nguyên", "Central Highlands"),
                    ("southeast", "Đông Nam Bộ", "Southeast"),
                    ("mekong_river_delta", "Đồng bằng sông Cửu Long", "Mekong River Delta"),
                ),
                role=_demographic("region"),
            ),
            QuestionSpec(
                key="area",
                type=QuestionType.SINGLE_CHOICE,
                text=Text(vi="Nơi bạn sống thuộc khu vực nào?", en="Is the place where you live urban or rural?"),
                choices=_choices(("urban", "Thành thị", "Urban"), ("rural", "Nông thôn", "Rural")),
                role=_demographic("area"),
            ),
        ),
    )
    return SurveySpec(
        title=Text(
            vi="Khảo sát mức độ hài lòng của khách hàng mua sắm trực tuyến",
            en="Online shopping customer satisfaction survey",
        ),
        description=Text(
            vi=(
                "Cảm ơn bạn đã mua sắm tại Cửa hàng Demo. Khảo sát mất khoảng 3 phút. "
                "Câu trả lời của bạn được giữ kín và chỉ dùng để cải thiện dịch vụ."
            ),
            en=(
                "Thank you for shopping at Cửa hàng Demo. The survey takes about 3 minutes. "
                "Your answers are kept confidential and used only to improve the service."
            ),
        ),
        languages=("vi", "en"),
        default_language="vi",
        pages=(purchase, satisfaction, recommendation, feedback, about_you),
    )


def _get_or_create_demo_user() -> AbstractBaseUser:
    users = get_user_model().objects
    user = users.filter(username=DEMO_EMAIL).first()
    if user is None:
        return users.create_user(username=DEMO_EMAIL, email=DEMO_EMAIL, password=DEMO_PASSWORD)
    if not user.check_password(DEMO_PASSWORD):
        # The printed login must work, even after someone changed the demo password.
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _get_or_create_demo_workspace(user: AbstractBaseUser) -> Workspace:
    try:
        return selectors.get_workspace_by_name(name=DEMO_WORKSPACE_NAME, user=user)
    except NotFound:
        return services.create_workspace(name=DEMO_WORKSPACE_NAME, owner=user)


def _find_survey(*, user: AbstractBaseUser, workspace: Workspace, title: Text) -> Survey | None:
    surveys = selectors.list_surveys_for_user(user=user, workspace=workspace)
    return next((survey for survey in surveys if Text.from_value(survey.title).vi == title.vi), None)


class Command(BaseCommand):
    help = "Create the demo account, workspace and published survey (local use only; safe to run again)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(_("seed_demo creates an account with a published password; it runs only with DEBUG on."))
        spec = build_demo_survey_spec()
        user = _get_or_create_demo_user()
        workspace = _get_or_create_demo_workspace(user)
        survey = _find_survey(user=user, workspace=workspace, title=spec.title)
        if survey is None:
            survey = services.create_survey_from_spec(workspace=workspace, spec=spec, created_by=user)
            version = services.publish_survey(survey=survey, published_by=user)
            self.stdout.write(
                _("Created the demo survey “{title}” (version {number}).").format(
                    title=spec.title.vi, number=version.number
                )
            )
        else:
            self.stdout.write(_("The demo survey “{title}” already exists.").format(title=spec.title.vi))
        # The demo spans every app, so the command lives in frontend, the top layer.
        call_command("public_link", survey.slug, stdout=self.stdout)
        survey.refresh_from_db()  # publishing opened it
        collector = survey.collectors.filter(kind="public").order_by("id").first()
        created = demo_responses.seed_demo_responses(survey=survey, collector=collector)
        if created:
            self.stdout.write(_("Added {count} demo responses.").format(count=created))
        target_set, _run = demo_responses.attach_census_targets(survey=survey, user=user)
        self.stdout.write(_("Targets: “{name}”.").format(name=target_set.name))
        if not OpenTextRun.objects.filter(survey=survey, question_key="improvement").exists():
            # Themes and sentiment of "what should we improve?": a task, run when this transaction commits.
            open_text_services.start_open_text_run(survey=survey, question_key="improvement", created_by=user)
            self.stdout.write(_("Queued the open-answer analysis of “improvement”."))
        self.stdout.write(
            _("Demo login (local use only): {email} / {password}").format(email=DEMO_EMAIL, password=DEMO_PASSWORD)
        )
