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


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def demo_answers(rng: random.Random) -> dict[str, Any]:
    """One respondent's answers: rural and older customers are less satisfied (slower delivery)."""
    area = _pick(rng, AREA)
    age = _pick(rng, AGE)
    mood = (0.6 if area == "urban" else -0.5) + (0.3 if age in ("18-24", "25-34") else -0.2) + rng.gauss(0, 1)
    satisfaction = max(1, min(5, round(3.4 + mood)))
    nps = max(0, min(10, round(7 + 1.6 * mood)))
    answers: dict[str, Any] = {
        "channels": rng.sample(CHANNELS, k=rng.choice((1, 1, 2, 3))),
        "payment_method": _pick(rng, PAYMENT),
        "satisfaction": satisfaction,
        "aspects": {
            row: str(max(1, min(5, satisfaction + rng.choice((-1, 0, 0, 1)))))
            for row in ("delivery_speed", "product_quality", "price", "customer_service")
        },
        "nps": nps,
        "improvement": rng.choice(IMPROVEMENTS),
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
