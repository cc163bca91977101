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
    validate_survey,
)


def choice(value: str, label: str) -> ChoiceSpec:
    return ChoiceSpec(value, Text(vi=label))


GENDER = QuestionSpec(
    "gender",
    QuestionType.SINGLE_CHOICE,
    Text(vi="Giới tính của bạn?", en="Your gender?"),
    choices=(choice("m", "Nam"), choice("f", "Nữ"), choice("x", "Không muốn trả lời")),
    role=RoleSpec(RoleKind.DEMOGRAPHIC, "gender"),
)
NPS = QuestionSpec("nps", QuestionType.NPS, Text(vi="Khả năng bạn giới thiệu cửa hàng cho bạn bè?"))


def survey(*questions: QuestionSpec, page_logic: Logic | None = None) -> SurveySpec:
    return SurveySpec(
        title=Text(vi="Khảo sát"),
        languages=("vi", "en"),
        pages=(PageSpec("p1", questions=questions, logic=page_logic),),
    )


def codes(spec: SurveySpec, *, for_publish: bool = True) -> list[str]:
    return [problem.code for problem in validate_survey(spec, for_publish=for_publish)]


def test_a_complete_questionnaire_has_no_problems():
    follow_up = QuestionSpec(
        "why",
        QuestionType.LONG_TEXT,
        Text(vi="Vì sao bạn cho {{nps}} điểm?"),
        logic=Logic((Condition("nps", Operator.LTE, 6),)),
    )
    assert codes(survey(GENDER, NPS, follow_up)) == []


def test_logic_may_only_test_earlier_questions():
    early = QuestionSpec(
        "early", QuestionType.SHORT_TEXT, Text(vi="A"), logic=Logic((Condition("nps", Operator.ANSWERED),))
    )
    assert codes(survey(early, NPS)) == ["logic_not_earlier"]


def test_a_question_cannot_test_itself():
    itself = QuestionSpec("x", QuestionType.NUMBER, Text(vi="A"), logic=Logic((Condition("x", Operator.GT, 1),)))
    assert codes(survey(itself)) == ["logic_not_earlier"]


def test_operator_must_suit_the_tested_question():
    bad = QuestionSpec("t", QuestionType.SHORT_TEXT, Text(vi="A"), logic=Logic((Condition("gender", Operator.GT, 1),)))
    assert codes(survey(GENDER, bad)) == ["operator_not_allowed"]


def test_logic_value_must_be_an_existing_option():
    bad = QuestionSpec(
        "t", QuestionType.SHORT_TEXT, Text(vi="A"), logic=Logic((Condition("gender", Operator.EQUALS, "z"),))
    )
    assert codes(survey(GENDER, bad)) == ["unknown_choice"]


def test_page_logic_may_only_test_questions_on_earlier_pages():
    spec = SurveySpec(
        title=Text(vi="S"),
        pages=(
            PageSpec("p1", questions=(GENDER,)),
            PageSpec("p2", questions=(NPS,), logic=Logic((Condition("nps", Operator.ANSWERED),))),
        ),
    )
    assert codes(spec) == ["logic_not_earlier"]


def test_piping_may_only_recall_earlier_questions():
    piped = QuestionSpec("t", QuestionType.SHORT_TEXT, Text(vi="Bạn cho {{nps}} điểm"))
    assert codes(survey(piped, NPS)) == ["piping_not_earlier"]


def test_duplicate_keys_and_choice_codes_are_problems():
    twice = QuestionSpec(
        "gender", QuestionType.MULTIPLE_CHOICE, Text(vi="B"), choices=(choice("a", "A"), choice("a", "B"))
    )
    assert sorted(codes(survey(GENDER, twice))) == ["duplicate_choice_value", "duplicate_key"]


def test_incomplete_questions_block_publishing_but_not_saving():
    empty = QuestionSpec("c", QuestionType.SINGLE_CHOICE, Text())
    assert sorted(codes(survey(empty))) == ["empty_text", "too_few_choices"]
    assert codes(survey(empty), for_publish=False) == []


def test_publishing_needs_at_least_one_question():
    assert codes(survey()) == ["no_questions"]


def test_rating_scale_points_must_be_numbers():
    rating = QuestionSpec(
        "r", QuestionType.RATING, Text(vi="Mức độ hài lòng"), choices=(choice("a", "A"), choice("2", "B"))
    )
    assert codes(survey(rating)) == ["non_numeric_scale_point"]


def test_exclusive_and_other_options_only_on_choice_questions():
    ranking = QuestionSpec(
        "r",
        QuestionType.RANKING,
        Text(vi="Xếp hạng"),
        choices=(choice("a", "A"), ChoiceSpec("b", Text(vi="B"), is_exclusive=True)),
    )
    assert codes(survey(ranking)) == ["special_choice_not_allowed"]


def test_number_bounds_must_be_ordered():
    number = QuestionSpec("n", QuestionType.NUMBER, Text(vi="Tuổi"), min_value=120, max_value=0)
    assert codes(survey(number)) == ["min_above_max"]


def test_default_language_must_be_a_survey_language():
    spec = SurveySpec(
        title=Text(vi="S"), languages=("vi",), default_language="en", pages=(PageSpec("p1", questions=(NPS,)),)
    )
    assert codes(spec) == ["invalid_default_language"]


def test_snapshot_round_trips_through_dict():
    spec = survey(
        GENDER,
        NPS,
        QuestionSpec(
            "m",
            QuestionType.MATRIX,
            Text(vi="Đánh giá", en="Rate"),
            help_text=Text(en="One answer per row"),
            choices=tuple(ChoiceSpec(str(i), Text(vi=str(i))) for i in range(1, 6)),
            rows=(choice("speed", "Tốc độ giao hàng"), choice("price", "Giá")),
            allow_not_applicable=True,
            logic=Logic((Condition("gender", Operator.ANY_OF, ("m", "f")),), match="any"),
        ),
    )
    assert SurveySpec.from_dict(spec.to_dict()) == spec


def test_problem_messages_render_with_their_parameters():
    problem = validate_survey(survey(QuestionSpec("1bad", QuestionType.SHORT_TEXT, Text(vi="A"))))[0]
    assert problem.message.render() == (
        "Key “1bad” must start with a letter or “_” and use only letters, digits and “_”."
    )


def test_text_falls_back_to_another_language():
    assert Text(vi="Xin chào").get("en", fallback="vi") == "Xin chào"
    assert Text(vi="Xin chào", en="Hello").get("en") == "Hello"
