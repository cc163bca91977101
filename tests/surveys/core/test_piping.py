from surveys.core.piping import render_piped_text
from surveys.core.questionnaire import ChoiceSpec, PageSpec, QuestionSpec, QuestionType, SurveySpec, Text

SPEC = SurveySpec(
    title=Text(vi="S"),
    pages=(
        PageSpec(
            "p1",
            questions=(
                QuestionSpec(
                    "pay",
                    QuestionType.SINGLE_CHOICE,
                    Text(vi="Thanh toán?"),
                    choices=(ChoiceSpec("cod", Text(vi="Tiền mặt", en="Cash")), ChoiceSpec("card", Text(vi="Thẻ"))),
                ),
                QuestionSpec(
                    "ch",
                    QuestionType.MULTIPLE_CHOICE,
                    Text(vi="Kênh?"),
                    choices=(ChoiceSpec("web", Text(vi="Website")), ChoiceSpec("app", Text(vi="Ứng dụng"))),
                ),
                QuestionSpec("name", QuestionType.SHORT_TEXT, Text(vi="Tên?")),
                QuestionSpec("n", QuestionType.NUMBER, Text(vi="Số?")),
            ),
        ),
    ),
)


def test_recalls_labels_in_the_respondents_language():
    text = "Vì sao bạn chọn {{pay}} qua {{ ch }}?"
    answers = {"pay": "cod", "ch": ["web", "app"]}
    assert (
        render_piped_text(text, spec=SPEC, answers=answers, language="vi")
        == "Vì sao bạn chọn Tiền mặt qua Website, Ứng dụng?"
    )
    assert render_piped_text("{{pay}}", spec=SPEC, answers=answers, language="en") == "Cash"


def test_unanswered_or_unknown_recall_is_blank():
    assert render_piped_text("[{{name}}][{{ghost}}]", spec=SPEC, answers={}, language="vi") == "[][]"


def test_recalled_text_is_returned_verbatim_for_the_template_to_escape():
    rendered = render_piped_text("Chào {{name}}", spec=SPEC, answers={"name": "<b>x</b>"}, language="vi")
    assert rendered == "Chào <b>x</b>"


def test_whole_numbers_are_recalled_without_decimals():
    assert render_piped_text("{{n}}", spec=SPEC, answers={"n": 3.0}, language="vi") == "3"
