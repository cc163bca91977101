"""Realistic demo answers for the demo survey, and its Census 2019 targets, so weighting has work to do.

The respondents are skewed against the census the way an online shop's customers are: more urban
(70 % against 34 %), more women, more young people, more from the Southeast and the Red River
Delta. Satisfaction and NPS depend on area and age, so weighted and unweighted results differ.
A seeded generator makes the same answers on every machine.
"""

import random
import uuid
from typing import Any

from analysis import selectors as analysis_selectors
from analysis import services as analysis_services
from analysis.models import CENSUS_2019_PRESET, SurveyTargetMapping, TargetSet, WeightingRun
from responses import services as response_services
from responses.models import Collector, Response
from surveys.models import Survey

DEMO_RESPONSES = 320
MIN_FINISHED = 300
SEED = 20190401

GENDER = {"female": 0.58, "male": 0.35, "another": 0.02, "prefer_not_to_say": 0.05}
AREA = {"urban": 0.7, "rural": 0.3}
REGION = {
    "southeast": 0.34,
    "red_river_delta": 0.3,
    "north_central_central_coast": 0.12,
    "mekong_river_delta": 0.12,
    "northern_midlands_mountains": 0.07,
    "central_highlands": 0.05,
}
AGE = {"18-24": 0.32, "25-34": 0.34, "35-44": 0.17, "45-54": 0.09, "55_plus": 0.05, "prefer_not_to_say": 0.03}
INCOME = {"under_5m": 0.2, "5m_to_10m": 0.35, "10m_to_20m": 0.3, "20m_plus": 0.1, "prefer_not_to_say": 0.05}
CHANNELS = ("website", "app", "shopee", "lazada", "tiktok_shop", "facebook")
PAYMENT = {"cod": 0.4, "bank_transfer": 0.25, "e_wallet": 0.27, "card": 0.08}
IMPROVEMENTS = (
    "Giao hàng nhanh hơn",
    "Đóng gói cẩn thận hơn",
    "Giá rẻ hơn một chút",
    "Nhân viên tư vấn nhiệt tình hơn",
    "Faster delivery to rural areas",
    "",
)


# Realistic open answers to "what should we improve?", by theme and tone: accents, none, teen code
# ("ko", "dc", "sp", "nv"), English, emojis. Rural customers complain about delivery more often.
OPEN_ANSWERS = {
    "delivery": {
        "negative": (
            "Giao hàng chậm quá, đặt 5 ngày mới nhận được",
            "giao hang cham qua, ship ve que mat gan 1 tuan",
            "Shipper ko gọi trước, để hàng ở cổng luôn 😡",
            "Thời gian giao hàng về huyện lâu quá, mong shop cải thiện",
            "Delivery took more than a week to my village",
            "giao hàng trễ hẹn mấy lần rồi, hỏi thì nv bảo chờ thêm",
            "phí ship về tỉnh đắt mà giao lại chậm",
        ),
        "positive": (
            "Giao hàng nhanh hơn nữa thì tuyệt vời",
            "Ship nhanh, nhưng nên cho chọn giờ nhận hàng",
            "Fast delivery, maybe add same-day delivery in Hanoi",
            "giao hang nhanh, shipper than thien 👍",
        ),
    },
    "packaging": {
        "negative": (
            "Đóng gói sơ sài, hộp bị móp méo hết",
            "dong goi ko can than, hang bi vo 1 cai",
            "Packaging was damaged when it arrived",
            "Hàng dễ vỡ mà chỉ bọc một lớp nilon mỏng",
        ),
        "positive": (
            "Đóng gói cẩn thận hơn một chút là hoàn hảo",
            "dong goi dep, nen dung hop giay thay nilon cho than thien moi truong",
            "Nice packaging, please use less plastic",
        ),
    },
    "price": {
        "negative": (
            "Giá hơi cao so với mặt bằng chung",
            "gia dat qua, sp tuong tu ben shopee re hon nhieu",
            "Phí ship cao quá, nên miễn phí ship cho đơn từ 200k",
            "Prices are too high compared to other shops",
            "giá tăng liên tục mà chất lượng không đổi",
        ),
        "positive": (
            "Nên có thêm mã giảm giá cho khách quen",
            "Giá ổn, mong có thêm nhiều chương trình khuyến mãi",
            "More discounts for loyal customers please",
        ),
    },
    "service": {
        "negative": (
            "Nhân viên tư vấn trả lời tin nhắn chậm quá",
            "nv cskh thai do ko tot, hoi may lan ko tra loi",
            "Gọi hotline mãi không ai nghe máy",
            "Customer service never replied to my refund request",
            "đổi trả hàng rắc rối, phải chờ cả tuần mới dc hoàn tiền",
        ),
        "positive": (
            "Nhân viên tư vấn nhiệt tình, rất hài lòng",
            "nv dễ thương, tư vấn kỹ 😍",
            "Staff are friendly, keep it up",
        ),
    },
    "app": {
        "negative": (
            "App hay bị lỗi khi thanh toán, phải đặt lại mấy lần",
            "web load cham, tim sp kho qua",
            "The app crashes at checkout",
        ),
        "positive": (
            "Ứng dụng nên có thêm tính năng theo dõi đơn hàng",
            "app dep, nen them thanh toan bang vi momo",
        ),
    },
    "quality": {
        "negative": (
            "Hàng không giống ảnh, chất vải mỏng",
            "sp nhan dc khac mau voi hinh, that vong",
            "Product quality is not as described",
        ),
        "positive": (
            "Chất lượng tốt, mong có thêm nhiều mẫu mã mới",
            "Nên có thêm size lớn hơn",
        ),
    },
}
NON_ANSWERS = ("không có", "ko co gi", "ok", "n/a", ".", "")
ENDINGS = ("", "", "", "", " nhé", " ạ", "!", " 😊", ". Cảm ơn shop", " nha shop", "...", " 🙏")
# The themes behind the six seed choices above, so the random stream of the other answers is unchanged.
THEME_OF_SEED = ("delivery", "packaging", "price", "service", "delivery", "")


def improvement_text(
    seed_choice: str, *, area: str, age: str, nps: int, satisfaction: int, stream: random.Random
) -> str:
    """A realistic open answer for one respondent, drawn without touching the main random stream.

    Its own generator is seeded from the main one's state (read, not advanced), so every respondent
    gets a different draw and the other answers stay exactly what they were.
    """
    state = stream.getstate()[1]
    local = random.Random(f"{seed_choice}|{area}|{age}|{nps}|{satisfaction}|{state[-1]}|{state[state[-1] % 624]}")
    theme = THEME_OF_SEED[IMPROVEMENTS.index(seed_choice)]
    if not theme:
        return local.choice(NON_ANSWERS)
    if area == "rural" and local.random() < 0.4:
        theme = "delivery"
    elif local.random() < 0.3:
        theme = local.choice(("app", "quality", "service"))
    tone = "negative" if nps <= 6 or local.random() < 0.3 else "positive"
    text = local.choice(OPEN_ANSWERS[theme][tone])
    if local.random() < 0.3:  # a second point, as real answers often make
        other = local.choice([t for t in OPEN_ANSWERS if t != theme])
        text += ". " + local.choice(OPEN_ANSWERS[other][local.choice(("negative", "positive"))])
    return text + local.choice(ENDINGS)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def demo_answers(rng: random.Random) -> dict[str, Any]:
    """One respondent's answers: rural and older customers are less satisfied (slower delivery)."""
    area = _pick(rng, AREA)
    age = _pick(rng, AGE)
    mood = (0.6 if area == "urban" else -0.5) + (0.3 if age in ("18-24", "25-34") else -0.2) + rng.gauss(0, 1)
    satisfaction = max(1, min(5, round(3.4 + mood)))
    young = (1 + (satisfaction >= 4)) if age == "18-24" else 0
    nps = max(0, min(10, round(7 + 1.6 * mood)))
    answers: dict[str, Any] = {
        "channels": rng.sample(CHANNELS, k=rng.choice((1, 1, 2, 3))),
        "payment_method": _pick(rng, PAYMENT),
        "satisfaction": satisfaction,
        "aspects": {
            # The planted finding the insight board shows: 18–24-year-olds, who expect next-day
            # delivery, rate delivery speed one or two points below their overall satisfaction.
            row: str(max(1, min(5, satisfaction + rng.choice((-1, 0, 0, 1)) - (row == "delivery_speed") * young)))
            for row in ("delivery_speed", "product_quality", "price", "customer_service")
        },
        "nps": nps,
        "improvement": improvement_text(
            rng.choice(IMPROVEMENTS), area=area, age=age, nps=nps, satisfaction=satisfaction, stream=rng
        ),
        "gender": _pick(rng, GENDER),
        "age_band": age,
        "income_band": _pick(rng, INCOME),
        "region": _pick(rng, REGION),
        "area": area,
    }
    if nps <= 6:
        answers["nps_reason"] = rng.choice(("Giao hàng chậm", "Giá hơi cao", "Hàng không giống ảnh"))
    return {key: value for key, value in answers.items() if value != ""}


def seed_demo_responses(*, survey: Survey, collector: Collector) -> int:
    """Submit demo responses until the survey has at least MIN_FINISHED finished ones; return how many."""
    finished = Response.objects.filter(survey=survey).finished().count()
    if finished >= MIN_FINISHED:
        return 0
    rng = random.Random(SEED + finished)
    created = 0
    for index in range(DEMO_RESPONSES - finished):
        response_services.submit_response(
            collector=collector,
            submission_key=uuid.UUID(int=rng.getrandbits(128)),
            answers=demo_answers(rng),
            language="vi" if index % 4 else "en",
        )
        created += 1
    return created


def attach_census_targets(*, survey: Survey, user: Any) -> tuple[TargetSet, WeightingRun | None]:
    """Attach (a copy of) the Census 2019 preset with the suggested mapping; queue weighting once."""
    target_set = TargetSet.objects.filter(workspace=survey.workspace, preset=CENSUS_2019_PRESET).first()
    if target_set is None:
        target_set = analysis_services.create_target_set_from_preset(workspace=survey.workspace, created_by=user)
    if analysis_selectors.get_target_mapping(survey=survey) is None:
        # "Another gender" and "prefer not to say" have no census category: those respondents are
        # excluded from weighting (weight 0), an explicit choice the page shows.
        analysis_services.save_target_mapping(
            survey=survey,
            target_set=target_set,
            unmatched_policy=SurveyTargetMapping.UnmatchedPolicy.EXCLUDE,
            updated_by=user,
        )
    run = None
    if not WeightingRun.objects.filter(survey=survey).exists():
        run = analysis_services.create_weighting_run(survey=survey, created_by=user)
    return target_set, run
