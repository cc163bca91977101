"""Every registered rule honours the same contract, like scikit-learn's parametrize_with_checks."""

import re
from pathlib import Path

import pytest

from surveys.core.linter import (
    RULES,
    Category,
    QuestionInput,
    Scope,
    Severity,
    SurveyInput,
    lint_question,
    lint_survey,
)

DOCS = Path(__file__).resolve().parents[4] / "docs" / "linter"

AGREE = ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree")
_FILLER = tuple(QuestionInput(text=f"How many times did you visit store number {n} last month?") for n in range(120))

# One input per rule that the rule must flag.
TRIGGERS: dict[str, QuestionInput | SurveyInput] = {
    "leading_evaluative_word": QuestionInput(text="Bạn có thích website mới tuyệt vời của chúng tôi không?"),
    "leading_tag_question": QuestionInput(text="Sản phẩm của chúng tôi rất tốt, phải không?"),
    "leading_social_proof": QuestionInput(text="Most people think our prices are fair. What do you think?"),
    "loaded_wording": QuestionInput(text="Should the council stop wasting taxpayers' money on parades?"),
    "double_barreled_conjunction": QuestionInput(text="How satisfied are you with the food and service?"),
    "double_barreled_two_questions": QuestionInput(text="Do you use our app, and if so, how often?"),
    "absolute_word": QuestionInput(text="Bạn có luôn luôn kiểm tra hàng trước khi nhận không?"),
    "double_negative": QuestionInput(text="Do you disagree that the store should not open on Sundays?"),
    "assumptive_presupposition": QuestionInput(text="How much did you enjoy your stay?"),
    "jargon_acronym": QuestionInput(text="How satisfied are you with our SLA?"),
    "jargon_term": QuestionInput(text="Bạn đánh giá thế nào về trải nghiệm omnichannel?"),
    "vague_quantifier": QuestionInput(text="Bạn có thường xuyên mua sắm trực tuyến không?"),
    "acquiescence_one_sided_agree": QuestionInput(text="Do you agree that our prices are fair?"),
    "yes_no_closed_evaluation": QuestionInput(text="Are you satisfied with our product?"),
    "too_long_question": QuestionInput(text=" ".join(["Thinking about your recent visits to our shops"] * 5) + "?"),
    "unbalanced_scale": QuestionInput(
        text="Bạn hài lòng ở mức nào?", options=("Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng")
    ),
    "overlapping_ranges": QuestionInput(
        text="Độ tuổi của bạn?", options=("16 - 22 tuổi", "22 - 28 tuổi", "Trên 28 tuổi", "Không muốn trả lời")
    ),
    "range_gap": QuestionInput(
        text="Thu nhập của bạn?", options=("Dưới 5 triệu", "6 - 10 triệu", "Trên 10 triệu", "Không muốn trả lời")
    ),
    "range_missing_end": QuestionInput(
        text="How many hours per week do you work?", options=("0-10", "11-20", "21-30", "31-40")
    ),
    "missing_other_option": QuestionInput(
        text="How did you hear about us?", options=("Google", "Facebook", "A friend")
    ),
    "missing_opt_out_sensitive": QuestionInput(
        text="What is your annual income?", options=("Under $50,000", "$50,000–$99,999", "$100,000 or more")
    ),
    "duplicate_options": QuestionInput(text="Which do you use?", options=("Zalo", "Facebook", "Zalo")),
    "sensitive_early": SurveyInput(
        questions=(QuestionInput(text="What is your monthly income?"), QuestionInput(text="Which city do you live in?"))
    ),
    "duplicate_question": SurveyInput(
        questions=(
            QuestionInput(text="How satisfied are you with the delivery speed?"),
            QuestionInput(text="How satisfied are you with delivery speed?"),
        )
    ),
    "inconsistent_scale_direction": SurveyInput(
        questions=(
            QuestionInput(text="The staff were polite.", options=AGREE),
            QuestionInput(text="The store was clean.", options=AGREE),
            QuestionInput(text="Prices were clear.", options=tuple(reversed(AGREE))),
        )
    ),
    "survey_too_long": SurveyInput(questions=_FILLER + (QuestionInput(text="Anything else?", type="long_text"),) * 5),
}

# A clean, realistic questionnaire in both languages, full of constructs that look risky but are fine.
CLEAN_SURVEY = SurveyInput(
    questions=(
        QuestionInput(text="Bạn biết đến cửa hàng qua kênh nào?", options=("Facebook", "Google", "Bạn bè", "Khác")),
        QuestionInput(
            text="Nhìn chung, bạn hài lòng hay không hài lòng với dịch vụ giao hàng?",
            options=("Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"),
        ),
        QuestionInput(
            text="Bạn mua sắm trực tuyến bao lâu một lần?",
            options=("Hằng ngày", "Hằng tuần", "Hằng tháng", "Hiếm khi", "Không bao giờ"),
        ),
        QuestionInput(text="Bạn có bao nhiêu anh chị em ruột?", type="number"),
        QuestionInput(text="How many brothers and sisters do you have?", type="number"),
        QuestionInput(text="Do you favor or oppose a ban on plastic bags?", options=("Favor", "Oppose")),
        QuestionInput(
            text="How often do you eat out—always, most of the time, sometimes, rarely, or never?", type="single_choice"
        ),
        QuestionInput(text="How likely are you to recommend us to a friend or colleague?", type="nps"),
        QuestionInput(text="Do you have high blood pressure, also called hypertension?", options=("Yes", "No")),
        QuestionInput(
            text="Thu nhập hàng tháng của bạn thuộc mức nào?",
            options=(
                "Dưới 5 triệu",
                "5 – dưới 10 triệu",
                "10 – dưới 20 triệu",
                "Từ 20 triệu trở lên",
                "Không muốn trả lời",
            ),
        ),
        QuestionInput(
            text="What is your age?",
            options=("18–24", "25–34", "35–44", "45–54", "55–64", "65 or older", "Prefer not to say"),
        ),
    )
)


@pytest.fixture(scope="module")
def clean_report():
    return lint_survey(CLEAN_SURVEY)


def _findings_for(trigger):
    if isinstance(trigger, SurveyInput):
        return lint_survey(trigger).findings
    return lint_question(trigger)


RULE_IDS = sorted(RULES)


def test_every_rule_has_a_trigger_example():
    assert set(TRIGGERS) == set(RULES)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_declares_id_category_and_severity(rule_id):
    rule = RULES[rule_id]
    assert re.fullmatch(r"[a-z][a-z_]+", rule.id)
    assert rule.category in set(Category)
    assert rule.severity in set(Severity)
    assert rule.scope in set(Scope)
    assert rule.summary.strip().endswith(".")


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_flags_its_example_with_a_rendered_message(rule_id):
    trigger = TRIGGERS[rule_id]
    findings = [f for f in _findings_for(trigger) if f.rule == rule_id]
    assert findings
    for finding in findings:
        text = finding.message.render()
        assert text and "{" not in text
        assert finding.category == RULES[rule_id].category


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_spans_lie_inside_the_text_they_point_at(rule_id):
    trigger = TRIGGERS[rule_id]
    questions = trigger.questions if isinstance(trigger, SurveyInput) else (trigger,)
    for finding in _findings_for(trigger):
        question = questions[finding.question_index or 0]
        target = question.text if finding.option_index is None else question.options[finding.option_index]
        for start, end in finding.spans:
            assert 0 <= start < end <= len(target)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_stays_silent_on_a_clean_questionnaire(rule_id, clean_report):
    assert [f.message.render() for f in clean_report.findings if f.rule == rule_id] == []


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_has_a_documentation_page(rule_id):
    page = DOCS / f"{rule_id}.md"
    assert page.is_file()
    content = page.read_text(encoding="utf-8")
    assert "## Why it matters" in content
    assert "## How to fix" in content


def test_only_options_and_breaking_problems_are_errors():
    errors = {rule.id for rule in RULES.values() if rule.severity == Severity.ERROR}
    assert errors == {"duplicate_options", "overlapping_ranges"}


def test_stylistic_rules_are_info():
    stylistic = {"jargon_acronym", "jargon_term", "vague_quantifier", "yes_no_closed_evaluation", "too_long_question"}
    assert {RULES[rule_id].severity for rule_id in stylistic} == {Severity.INFO}
