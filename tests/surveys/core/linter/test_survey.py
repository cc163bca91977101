from surveys.core.linter import QuestionInput, SurveyInput, lint_survey, survey_input_from_spec
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

AGREE = ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree")


def survey_rules(*questions: QuestionInput) -> list[tuple[str, int | None]]:
    report = lint_survey(SurveyInput(questions=questions))
    return [
        (f.rule, f.question_index)
        for f in report.findings
        if f.rule in {"sensitive_early", "duplicate_question", "inconsistent_scale_direction", "survey_too_long"}
    ]


def test_income_as_first_question_is_sensitive_early():
    found = survey_rules(
        QuestionInput(text="Thu nhập hàng tháng của bạn là bao nhiêu?", type="number"),
        QuestionInput(text="Bạn mua sắm ở đâu nhất?", type="short_text"),
    )
    assert found == [("sensitive_early", 0)]


def test_income_at_the_end_and_age_as_a_screener_are_fine():
    assert (
        survey_rules(
            QuestionInput(text="Bạn bao nhiêu tuổi?", type="number"),
            QuestionInput(text="Bạn mua sắm ở đâu nhất?", type="short_text"),
            QuestionInput(text="Bạn hay mua gì?", type="short_text"),
            QuestionInput(text="Thu nhập hàng tháng của bạn là bao nhiêu?", type="number"),
        )
        == []
    )


def test_near_duplicate_questions_are_flagged_once():
    found = survey_rules(
        QuestionInput(text="How satisfied are you with the delivery speed?"),
        QuestionInput(text="How satisfied are you with the price?"),
        QuestionInput(text="Overall, how satisfied are you with delivery speed?"),
    )
    assert found == [("duplicate_question", 2)]


def test_a_scale_running_the_other_way_is_inconsistent():
    found = survey_rules(
        QuestionInput(text="The staff were polite.", options=AGREE),
        QuestionInput(text="The store was clean.", options=AGREE),
        QuestionInput(text="Prices were clear.", options=tuple(reversed(AGREE))),
    )
    assert found == [("inconsistent_scale_direction", 2)]


def test_report_estimates_duration_and_warns_only_when_long():
    short = lint_survey(SurveyInput(questions=(QuestionInput(text="How did you hear about us?", type="short_text"),)))
    assert 0 < short.estimated_seconds < 60
    assert not any(f.rule == "survey_too_long" for f in short.findings)
    long = lint_survey(SurveyInput(questions=tuple(QuestionInput(text="Why?", type="long_text") for _ in range(20))))
    assert long.estimated_seconds > 600
    assert any(f.rule == "survey_too_long" and f.severity.value == "warning" for f in long.findings)


def test_question_findings_carry_their_question_index():
    report = lint_survey(
        SurveyInput(
            questions=(QuestionInput(text="Where do you live?"), QuestionInput(text="Do you agree that we rock?"))
        )
    )
    assert {f.question_index for f in report.findings if f.category == "acquiescence"} == {1}


def test_blocking_reflects_errors():
    report = lint_survey(SurveyInput(questions=(QuestionInput(text="Which?", options=("A", "B", "A")),)))
    assert report.is_blocking


def test_survey_spec_adapts_to_linter_input_in_the_requested_language():
    spec = SurveySpec(
        title=Text(vi="Khảo sát"),
        languages=("vi", "en"),
        pages=(
            PageSpec(
                "p1",
                questions=(
                    QuestionSpec(
                        "income",
                        QuestionType.SINGLE_CHOICE,
                        Text(vi="Thu nhập của bạn?", en="Your income?"),
                        choices=(
                            ChoiceSpec("a", Text(vi="Dưới 5 triệu")),
                            ChoiceSpec("b", Text(vi="Từ 5 triệu trở lên")),
                        ),
                        role=RoleSpec(RoleKind.DEMOGRAPHIC, "income"),
                    ),
                    QuestionSpec("why", QuestionType.LONG_TEXT, Text(vi="Vì sao?")),
                ),
            ),
        ),
    )
    survey = survey_input_from_spec(spec, language="en")
    income, why = survey.questions
    assert (income.text, income.lang, income.role, income.type) == (
        "Your income?",
        "en",
        "demographic:income",
        "single_choice",
    )
    assert income.options == ("Dưới 5 triệu", "Từ 5 triệu trở lên")
    assert (why.text, why.lang) == ("Vì sao?", None)
