"""A questionnaire with every question type, display logic across and within pages."""

from surveys.core.questionnaire import (
    ChoiceSpec,
    Condition,
    Logic,
    Operator,
    PageSpec,
    QuestionSpec,
    QuestionType,
    SurveySpec,
    Text,
)


def choices(*codes: str, other: str = "", exclusive: str = "") -> tuple[ChoiceSpec, ...]:
    return tuple(
        ChoiceSpec(
            code, Text(vi=f"Chọn {code}", en=f"Pick {code}"), is_other=code == other, is_exclusive=code == exclusive
        )
        for code in codes
    )


def q(key: str, type_: QuestionType, **fields) -> QuestionSpec:
    return QuestionSpec(key=key, type=type_, text=Text(vi=f"Câu {key}?", en=f"Question {key}?"), **fields)


def build_spec() -> SurveySpec:
    about = PageSpec(
        key="about",
        title=Text(vi="Về bạn", en="About you"),
        questions=(
            q("gender", QuestionType.SINGLE_CHOICE, choices=choices("female", "male", "other", other="other")),
            q("age_band", QuestionType.SINGLE_CHOICE, required=True, choices=choices("18-24", "25-34", "35_plus")),
            q(
                "channels",
                QuestionType.MULTIPLE_CHOICE,
                required=True,
                choices=choices("web", "app", "other", "none", other="other", exclusive="none"),
            ),
        ),
    )
    scores = PageSpec(
        key="scores",
        title=Text(vi="Điểm", en="Scores"),
        questions=(
            q(
                "satisfaction",
                QuestionType.RATING,
                required=True,
                allow_not_applicable=True,
                choices=tuple(ChoiceSpec(str(n)) for n in range(1, 6)),
            ),
            q("nps", QuestionType.NPS, required=True),
            q("reason", QuestionType.LONG_TEXT, required=True, logic=Logic((Condition("nps", Operator.LTE, 6),))),
        ),
    )
    app = PageSpec(
        key="app",
        title=Text(vi="Ứng dụng", en="The app"),
        logic=Logic((Condition("channels", Operator.INCLUDES, "app"),)),
        questions=(
            q("app_hours", QuestionType.NUMBER, min_value=0, max_value=24),
            q("installed_on", QuestionType.DATE),
        ),
    )
    details = PageSpec(
        key="details",
        title=Text(vi="Chi tiết", en="Details"),
        questions=(
            q(
                "aspects",
                QuestionType.MATRIX,
                required=True,
                allow_not_applicable=True,
                choices=choices("bad", "ok", "good"),
                rows=choices("speed", "price"),
            ),
            q("priorities", QuestionType.RANKING, choices=choices("price", "speed", "service")),
            q("comment", QuestionType.SHORT_TEXT),
        ),
    )
    return SurveySpec(
        title=Text(vi="Khảo sát thử", en="Test survey"),
        languages=("vi", "en"),
        default_language="vi",
        pages=(about, scores, app, details),
    )


COMPLETE_ANSWERS = {
    "gender": "female",
    "age_band": "18-24",
    "channels": ["web", "app"],
    "satisfaction": 4,
    "nps": 9,
    "app_hours": 2,
    "installed_on": "2026-01-15",
    "aspects": {"speed": "good", "price": "n/a"},
    "priorities": ["service", "price", "speed"],
    "comment": "Giao hàng nhanh",
}
