import io
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.core.questionnaire import (
    OPERATORS_BY_TYPE,
    VALUELESS_OPERATORS,
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
from surveys.core.xlsform import (
    MAX_SURVEY_ROWS,
    RelevantError,
    XLSFormError,
    format_relevant,
    parse_relevant,
    read_xlsform,
    write_xlsform,
)
from tests.data.xlsform.make_fixtures import build_workbook

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "xlsform"
CHOICES_HEADER = ["list_name", "name", "label"]
YES_NO = [CHOICES_HEADER, ["yn", "yes", "Có"], ["yn", "no", "Không"]]


def workbook(survey: Sequence[Sequence[object]] | None, choices=None, settings_rows=None) -> io.BytesIO:
    sheets = {}
    if survey is not None:
        sheets["survey"] = survey
    if choices is not None:
        sheets["choices"] = choices
    if settings_rows is not None:
        sheets["settings"] = settings_rows
    return io.BytesIO(build_workbook(sheets or {"other": [["x"]]}))


def problems(file: io.BytesIO) -> list[tuple[str | None, int | None, str | None]]:
    with pytest.raises(XLSFormError) as caught:
        read_xlsform(file)
    return [(problem.sheet, problem.row, problem.column) for problem in caught.value.problems]


def messages(file: io.BytesIO) -> list[str]:
    with pytest.raises(XLSFormError) as caught:
        read_xlsform(file)
    return [problem.message.render() for problem in caught.value.problems]


def round_trip(spec: SurveySpec) -> SurveySpec:
    buffer = io.BytesIO()
    write_xlsform(spec, buffer)
    buffer.seek(0)
    return read_xlsform(buffer)


def only_question(file: io.BytesIO) -> QuestionSpec:
    (question,) = read_xlsform(file).questions()
    return question


# --- a realistic KoBoToolbox form ---------------------------------------------------------


@pytest.fixture(scope="module")
def cafe() -> SurveySpec:
    with (FIXTURES / "kobo_cafe_survey.xlsx").open("rb") as file:
        return read_xlsform(file)


def test_a_kobo_form_keeps_its_vietnamese_and_english_texts(cafe):
    assert (cafe.languages, cafe.default_language) == (("vi", "en"), "vi")
    assert cafe.title == Text(vi="Khảo sát khách hàng quán cà phê")
    age = cafe.question("age")
    assert age.text == Text(vi="Bạn bao nhiêu tuổi?", en="How old are you?")
    assert age.help_text == Text(vi="Tính theo năm", en="In years")
    assert cafe.question("gender").choices[0] == ChoiceSpec("female", Text(vi="Nữ", en="Female"))


def test_a_kobo_form_maps_groups_to_pages_and_skips_metadata_rows(cafe):
    assert [(page.key, [q.key for q in page.questions]) for page in cafe.pages] == [
        ("about_you", ["gender", "age", "region"]),
        ("visit", ["visit_date", "drinks", "satisfaction", "recommend", "why_low", "favourite_barista"]),
        ("p1", ["comments"]),
    ]
    assert cafe.pages[0].title == Text(vi="Về bạn", en="About you")
    assert cafe.pages[1].logic == Logic((Condition("age", Operator.GTE, 18),))


def test_a_kobo_form_maps_question_types_and_settings(cafe):
    types = {question.key: question.type for question in cafe.questions()}
    assert types == {
        "gender": QuestionType.SINGLE_CHOICE,
        "age": QuestionType.NUMBER,
        "region": QuestionType.SINGLE_CHOICE,
        "visit_date": QuestionType.DATE,
        "drinks": QuestionType.MULTIPLE_CHOICE,
        "satisfaction": QuestionType.RATING,
        "recommend": QuestionType.NPS,
        "why_low": QuestionType.LONG_TEXT,
        "favourite_barista": QuestionType.SHORT_TEXT,
        "comments": QuestionType.LONG_TEXT,
    }
    age, drinks = cafe.question("age"), cafe.question("drinks")
    assert (age.required, age.min_value, age.max_value, age.role) == (
        True,
        15,
        99,
        RoleSpec(RoleKind.DEMOGRAPHIC, "age"),
    )
    assert cafe.question("region").required is False
    assert drinks.randomize_choices is True
    assert drinks.choices[-1] == ChoiceSpec("other", Text(vi="Khác", en="Other"), is_other=True)
    assert cafe.question("satisfaction").choice_values() == ("1", "2", "3", "4", "5")


def test_a_kobo_form_turns_recalls_and_relevant_into_piping_and_logic(cafe):
    why_low = cafe.question("why_low")
    assert why_low.text == Text(vi="Vì sao bạn cho {{recommend}} điểm?", en="Why {{recommend}} points?")
    assert why_low.logic == Logic((Condition("recommend", Operator.LTE, 6),))
    assert cafe.question("favourite_barista").logic == Logic(
        (Condition("drinks", Operator.INCLUDES, "coffee"), Condition("region", Operator.NOT_EQUALS, "north"))
    )


# --- types --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["integer", "q"], QuestionType.NUMBER),
        (["decimal", "q"], QuestionType.NUMBER),
        (["text", "q"], QuestionType.SHORT_TEXT),
        (["text", "q", "multiline"], QuestionType.LONG_TEXT),
        (["date", "q"], QuestionType.DATE),
        (["select_one yn", "q"], QuestionType.SINGLE_CHOICE),
        (["select one yn", "q"], QuestionType.SINGLE_CHOICE),
        (["select_multiple yn", "q"], QuestionType.MULTIPLE_CHOICE),
        (["rank yn", "q"], QuestionType.RANKING),
        (["select_one yn", "q", "likert"], QuestionType.SINGLE_CHOICE),
    ],
)
def test_xlsform_types_map_to_question_types(row, expected):
    survey = [["type", "name", "appearance"], row]
    assert only_question(workbook(survey, YES_NO)).type == expected


@pytest.mark.parametrize(
    ("parameters", "sowhat_type", "role", "expected_type", "points"),
    [
        ("start=1 end=5 step=1", "", "", QuestionType.RATING, ("1", "2", "3", "4", "5")),
        ("start=1 end=3 step=0.5", "", "", QuestionType.RATING, ("1", "1.5", "2", "2.5", "3")),
        ("start = 0 ; end = 2", "", "", QuestionType.RATING, ("0", "1", "2")),
        ("start=0 end=10 step=1", "", "kpi:nps", QuestionType.NPS, ()),
        ("start=0 end=10 step=1", "nps", "", QuestionType.NPS, ()),
        ("start=0 end=10 step=1", "rating", "kpi:nps", QuestionType.RATING, tuple(str(i) for i in range(11))),
        ("start=0 end=10 step=1", "", "kpi:satisfaction", QuestionType.RATING, tuple(str(i) for i in range(11))),
    ],
)
def test_a_range_is_nps_only_from_0_to_10_marked_nps_and_otherwise_a_rating_scale(
    parameters, sowhat_type, role, expected_type, points
):
    survey = [["type", "name", "parameters", "sowhat_type", "role"], ["range", "q", parameters, sowhat_type, role]]
    question = only_question(workbook(survey))
    assert (question.type, question.choice_values()) == (expected_type, points)


def test_a_select_one_marked_rating_is_a_labelled_scale():
    choices = [CHOICES_HEADER, ["scale", "1", "Tệ"], ["scale", "2", "Tốt"]]
    survey = [["type", "name", "sowhat_type"], ["select_one scale", "q", "rating"]]
    question = only_question(workbook(survey, choices))
    assert question.type == QuestionType.RATING
    assert question.choices == (ChoiceSpec("1", Text(vi="Tệ")), ChoiceSpec("2", Text(vi="Tốt")))


def test_or_other_adds_an_other_option_labelled_in_each_survey_language():
    choices = [["list_name", "name", "label::English (en)"], ["c", "a", "A"], ["c", "b", "B"]]
    survey = [["type", "name", "label::English (en)"], ["select_multiple c or_other", "q", "Pick"]]
    spec = read_xlsform(workbook(survey, choices))
    assert spec.languages == ("en",)
    assert spec.question("q").choices[-1] == ChoiceSpec("other", Text(en="Other"), is_other=True)


def test_exclusive_and_other_columns_mark_none_of_these_and_other():
    choices = [
        ["list_name", "name", "label", "exclusive", "other"],
        ["c", "a", "A", "", ""],
        ["c", "none", "Không cái nào", "yes", ""],
        ["c", "else", "Khác", "", "TRUE"],
    ]
    question = only_question(workbook([["type", "name"], ["select_multiple c", "q"]], choices))
    assert [(c.value, c.is_exclusive, c.is_other) for c in question.choices] == [
        ("a", False, False),
        ("none", True, False),
        ("else", False, True),
    ]


def test_a_kobo_score_block_is_a_matrix_of_rows_by_scale():
    survey = [
        ["type", "name", "label", "kobo--score-choices", "not_applicable"],
        ["begin_score", "service", "Đánh giá dịch vụ", "scale", "yes"],
        ["score__row", "speed", "Tốc độ", "", ""],
        ["score__row", "taste", "Hương vị", "", ""],
        ["end_score", "", "", "", ""],
    ]
    choices = [CHOICES_HEADER, ["scale", "bad", "Tệ"], ["scale", "good", "Tốt"]]
    question = only_question(workbook(survey, choices))
    assert question.type == QuestionType.MATRIX
    assert question.rows == (ChoiceSpec("speed", Text(vi="Tốc độ")), ChoiceSpec("taste", Text(vi="Hương vị")))
    assert question.choice_values() == ("bad", "good")
    assert question.allow_not_applicable is True


def test_a_kobo_rank_block_is_a_ranking_of_its_items():
    survey = [
        ["type", "name", "label", "kobo--rank-items"],
        ["begin_rank", "fav", "Xếp hạng", "yn"],
        ["rank__level", "first", "Thứ nhất", ""],
        ["rank__level", "second", "Thứ hai", ""],
        ["end_rank", "", "", ""],
    ]
    question = only_question(workbook(survey, YES_NO))
    assert (question.type, question.choice_values()) == (QuestionType.RANKING, ("yes", "no"))


def test_a_plain_label_column_is_in_the_declared_default_language():
    survey = [["type", "name", "label", "label::Tiếng Việt (vi)"], ["text", "q", "Name?", "Tên?"]]
    settings_rows = [["form_title", "default_language"], ["Survey", "English (en)"]]
    spec = read_xlsform(workbook(survey, settings_rows=settings_rows))
    assert (spec.languages, spec.default_language) == (("en", "vi"), "en")
    assert spec.question("q").text == Text(vi="Tên?", en="Name?")
    assert spec.title == Text(en="Survey")


def test_without_settings_a_plain_label_is_vietnamese():
    spec = read_xlsform(workbook([["type", "name", "label"], ["text", "q", "Tên?"]]))
    assert (spec.languages, spec.default_language, spec.question("q").text) == (("vi",), "vi", Text(vi="Tên?"))


def test_questions_outside_groups_form_pages_of_their_own_in_order():
    survey = [
        ["type", "name", "label"],
        ["text", "a", "A"],
        ["begin group", "p1", "Trang"],
        ["text", "b", "B"],
        ["end group", "", ""],
        ["text", "c", "C"],
    ]
    spec = read_xlsform(workbook(survey))
    assert [(page.key, [q.key for q in page.questions]) for page in spec.pages] == [
        ("p2", ["a"]),
        ("p1", ["b"]),
        ("p3", ["c"]),
    ]


def test_a_group_with_relevant_and_randomize_is_a_page_with_logic_and_shuffled_questions():
    survey = [
        ["type", "name", "relevant", "parameters"],
        ["select_one yn", "buys", "", ""],
        ["begin_group", "buyers", "${buys} = 'yes'", "randomize=true"],
        ["text", "why", "", ""],
        ["end_group", "", "", ""],
    ]
    page = read_xlsform(workbook(survey, YES_NO)).pages[1]
    assert page.logic == Logic((Condition("buys", Operator.EQUALS, "yes"),))
    assert page.randomize_questions is True


# --- relevant -----------------------------------------------------------------------------

TYPES = {
    "one": QuestionType.SINGLE_CHOICE,
    "many": QuestionType.MULTIPLE_CHOICE,
    "n": QuestionType.NUMBER,
    "d": QuestionType.DATE,
    "t": QuestionType.SHORT_TEXT,
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("${one} = 'a'", Logic((Condition("one", Operator.EQUALS, "a"),))),
        ('${one}="a"', Logic((Condition("one", Operator.EQUALS, "a"),))),
        ("${one} != 'a'", Logic((Condition("one", Operator.NOT_EQUALS, "a"),))),
        ("selected(${one}, 'a')", Logic((Condition("one", Operator.EQUALS, "a"),))),
        ("not(selected(${one}, 'a'))", Logic((Condition("one", Operator.NOT_EQUALS, "a"),))),
        ("selected(${many}, 'a')", Logic((Condition("many", Operator.INCLUDES, "a"),))),
        ("not(selected(${many},'a'))", Logic((Condition("many", Operator.EXCLUDES, "a"),))),
        ("${n} > 3", Logic((Condition("n", Operator.GT, 3),))),
        ("${n} >= 2.5", Logic((Condition("n", Operator.GTE, 2.5),))),
        ("${n} < -1", Logic((Condition("n", Operator.LT, -1),))),
        ("${n} <= '7'", Logic((Condition("n", Operator.LTE, "7"),))),
        ("${n} = 4", Logic((Condition("n", Operator.EQUALS, 4),))),
        ("${d} > date('2024-01-31')", Logic((Condition("d", Operator.GT, "2024-01-31"),))),
        ("${t} != ''", Logic((Condition("t", Operator.ANSWERED),))),
        ("${t} = ''", Logic((Condition("t", Operator.NOT_ANSWERED),))),
        ("(${one} = 'a' or ${one} = 'b')", Logic((Condition("one", Operator.ANY_OF, ("a", "b")),))),
        ("not(${one} = 'a' or ${one} = 'b')", Logic((Condition("one", Operator.NONE_OF, ("a", "b")),))),
        (
            "${one} = 'a' and ${n} > 3",
            Logic((Condition("one", Operator.EQUALS, "a"), Condition("n", Operator.GT, 3)), "all"),
        ),
        (
            "${one} = 'a' or selected(${many}, 'b') or ${t} != ''",
            Logic(
                (
                    Condition("one", Operator.EQUALS, "a"),
                    Condition("many", Operator.INCLUDES, "b"),
                    Condition("t", Operator.ANSWERED),
                ),
                "any",
            ),
        ),
        (
            "${t} = concat('it', \"'\", 's')",
            Logic((Condition("t", Operator.EQUALS, "it's"),)),
        ),
    ],
)
def test_simple_relevant_expressions_become_display_logic(expression, expected):
    assert parse_relevant(expression, TYPES) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "${one} = 'a' and ${n} > 3 or ${t} != ''",  # mixed and / or
        "(${one} = 'a' and ${n} > 3)",  # a parenthesised group
        "${n} + 1 > 3",  # arithmetic
        "count-selected(${many}) > 1",  # a function
        "string-length(${t}) > 0",
        "${one} = ${n}",  # comparing two answers
        "'a' = ${one}",  # operands reversed
        "(${one} = 'a' or ${n} = 2)",  # "any of" across two questions
        "${n} > ''",
        "${one} = 'a",  # an unclosed string
        "${one} = 'a' and",
        "",
        "${n} > " + "9" * 5000,  # a number too long to convert
    ],
)
def test_other_relevant_expressions_are_refused(expression):
    with pytest.raises(RelevantError):
        parse_relevant(expression, TYPES)


def test_a_relevant_naming_no_question_is_refused_at_its_cell():
    survey = [["type", "name", "relevant"], ["text", "a", ""], ["text", "b", "${ghost} = 'x'"]]
    assert problems(workbook(survey)) == [("survey", 3, "relevant")]
    assert "${ghost}" in messages(workbook(survey))[0]


# --- refusals, each at its sheet, row and column ------------------------------------------


@pytest.mark.parametrize(
    ("survey", "choices", "expected"),
    [
        pytest.param([["name", "label"], ["q", "Q"]], None, [("survey", 1, "type")], id="no type column"),
        pytest.param([["type", "label"], ["text", "Q"]], None, [("survey", 1, "name")], id="no name column"),
        pytest.param([["type", "name"], ["colour_wheel", "q"]], None, [("survey", 2, "type")], id="unknown type"),
        pytest.param([["type", "name"], ["note", "q"]], None, [("survey", 2, "type")], id="note"),
        pytest.param([["type", "name"], ["calculate", "q"]], None, [("survey", 2, "type")], id="calculate"),
        pytest.param([["type", "name"], ["geopoint", "q"]], None, [("survey", 2, "type")], id="geopoint"),
        pytest.param(
            [["type", "name"], ["begin_repeat", "r"], ["text", "q"], ["end_repeat", ""]],
            None,
            [("survey", 2, "type")],
            id="repeat",
        ),
        pytest.param([["type", "name"], ["select_one", "q"]], YES_NO, [("survey", 2, "type")], id="select no list"),
        pytest.param([["type", "name"], ["select_one nope", "q"]], YES_NO, [("survey", 2, "type")], id="no such list"),
        pytest.param([["type", "name"], ["select_one yn", "q"]], None, [("survey", 2, "type")], id="no choices sheet"),
        pytest.param(
            [["type", "name"], ["select_one yn maybe", "q"]], YES_NO, [("survey", 2, "type")], id="junk after list"
        ),
        pytest.param(
            [["type", "name"], ["select_one yn", "q"]],
            [CHOICES_HEADER, ["yn", "", "Trống"]],
            [("survey", 2, "type"), ("choices", 2, "name")],
            id="list of nameless choices",
        ),
        pytest.param(
            [["type", "name"], ["select_one yn", "q"]],
            [*YES_NO, ["yn", "yes", "Có nữa"]],
            [("choices", 4, "name")],
            id="duplicate choice",
        ),
        pytest.param(
            [["type", "name"], ["select_one yn", "q"]],
            [CHOICES_HEADER, ["yn", "có rồi", "Có"], ["yn", "no", "Không"]],
            [("choices", 2, "name")],
            id="choice code with spaces",
        ),
        pytest.param(
            [["type", "name"], ["select_one yn", "q"]],
            [["list_name", "label"], ["yn", "Có"]],
            [("survey", 2, "type"), ("choices", 1, "name")],
            id="choices without name column",
        ),
        pytest.param([["type", "name"], ["text", "q"], ["text", "q"]], None, [("survey", 3, "name")], id="duplicate"),
        pytest.param([["type", "name"], ["text", "my-q"]], None, [("survey", 2, "name")], id="invalid name"),
        pytest.param([["type", "name"], ["text", ""]], None, [("survey", 2, "name")], id="missing name"),
        pytest.param([["type", "name"], ["", "q"]], None, [("survey", 2, "type")], id="missing type"),
        pytest.param([["type", "name"], ["text", "q"], ["end_group", ""]], None, [("survey", 3, "type")], id="end"),
        pytest.param([["type", "name"], ["begin_group", "g"], ["text", "q"]], None, [("survey", 2, "type")], id="open"),
        pytest.param(
            [["type", "name"], ["begin_group", "g"], ["begin_group", "h"], ["end_group", ""], ["end_group", ""]],
            None,
            [("survey", 3, "type")],
            id="nested group",
        ),
        pytest.param(
            [["type", "name"], ["begin_group", "g"], ["end_group", ""], ["begin_group", "g"], ["end_group", ""]],
            None,
            [("survey", 4, "name")],
            id="duplicate group",
        ),
        pytest.param([["type", "name"], ["score__row", "r"]], None, [("survey", 2, "type")], id="stray score row"),
        pytest.param(
            [["type", "name", "kobo--score-choices"], ["begin_score", "m", "yn"], ["text", "q", ""]],
            YES_NO,
            [("survey", 2, "type"), ("survey", 3, "type")],
            id="unclosed score block with a stray question",
        ),
        pytest.param([["type", "name", "role"], ["text", "q", "boss:yes"]], None, [("survey", 2, "role")], id="role"),
        pytest.param(
            [["type", "name", "required"], ["text", "q", "maybe"]], None, [("survey", 2, "required")], id="required"
        ),
        pytest.param(
            [["type", "name", "constraint"], ["integer", "q", ". > 3"]],
            None,
            [("survey", 2, "constraint")],
            id="strict bound",
        ),
        pytest.param(
            [["type", "name", "constraint"], ["text", "q", "string-length(.) < 10"]],
            None,
            [("survey", 2, "constraint")],
            id="text constraint",
        ),
        pytest.param(
            [["type", "name", "parameters"], ["range", "q", "start=5 end=1"]],
            None,
            [("survey", 2, "parameters")],
            id="backwards range",
        ),
        pytest.param(
            [["type", "name", "parameters"], ["range", "q", "start=0 end=1000 step=1"]],
            None,
            [("survey", 2, "parameters")],
            id="huge range",
        ),
        pytest.param(
            [["type", "name", "parameters"], ["range", "q", "start=a end=b"]],
            None,
            [("survey", 2, "parameters")],
            id="range words",
        ),
        pytest.param(
            [["type", "name", "parameters"], ["range", "q", "start=1e9"]],
            None,
            [("survey", 2, "parameters")],
            id="range magnitude",
        ),
        pytest.param(
            [["type", "name", "parameters"], ["range", "q", "start"]],
            None,
            [("survey", 2, "parameters")],
            id="parameters without values",
        ),
        pytest.param(
            [["type", "name", "parameters", "sowhat_type"], ["range", "q", "start=1 end=5", "nps"]],
            None,
            [("survey", 2, "parameters")],
            id="nps not 0 to 10",
        ),
        pytest.param(
            [["type", "name", "sowhat_type"], ["text", "q", "matrix"]],
            None,
            [("survey", 2, "sowhat_type")],
            id="unknown sowhat type",
        ),
        pytest.param(
            [["type", "name", "sowhat_type"], ["date", "q", "nps"]],
            None,
            [("survey", 2, "sowhat_type")],
            id="sowhat type on a date",
        ),
        pytest.param(
            [["type", "name", "label::Français (fr)"], ["text", "q", "Nom?"]],
            None,
            [("survey", 1, "label::Français (fr)")],
            id="unsupported language",
        ),
        pytest.param(
            [["type", "name", "name"], ["text", "q", "q"]], None, [("survey", 1, "name")], id="duplicate column"
        ),
        pytest.param(
            [["type", "name", "choice_filter"], ["select_one yn", "q", "name = 'yes'"]],
            YES_NO,
            [("survey", 2, "choice_filter")],
            id="cascading select",
        ),
        pytest.param(
            [["type", "name", "relevant"], ["text", "a", "${b} != ''"], ["text", "b", ""]],
            None,
            [("survey", 2, "relevant")],
            id="logic on a later question",
        ),
        pytest.param(
            [["type", "name", "relevant"], ["select_one yn", "a", ""], ["text", "b", "${a} = 'maybe'"]],
            YES_NO,
            [("survey", 3, "relevant")],
            id="logic on a missing option",
        ),
        pytest.param(
            [["type", "name", "relevant"], ["text", "a", ""], ["text", "b", "${a} > 3"]],
            None,
            [("survey", 3, "relevant")],
            id="operator the question cannot take",
        ),
        pytest.param(
            [
                ["type", "name", "relevant"],
                ["begin_group", "g", "${a} != ''"],
                ["text", "a", ""],
                ["end_group", "", ""],
            ],
            None,
            [("survey", 2, "relevant")],
            id="page logic on its own question",
        ),
        pytest.param(
            [["type", "name", "constraint"], ["decimal", "a", ". >= 10 and . <= 1"]],
            None,
            [("survey", 2, "constraint")],
            id="minimum above maximum",
        ),
        pytest.param(
            [["type", "name", "not_applicable"], ["text", "a", "yes"]],
            None,
            [("survey", 2, "not_applicable")],
            id="not applicable on text",
        ),
        pytest.param(
            [["type", "name", "label"], ["text", "a", "Bạn tên {{b}}?"], ["text", "b", "B"]],
            None,
            [("survey", 2, "label")],
            id="recall of a later question",
        ),
        pytest.param(
            [["type", "name", "label"], ["text", "a", "x" * 2001]],
            None,
            [("survey", 2, "label")],
            id="question text too long",
        ),
        pytest.param(
            [["type", "name"], ["select_one yn", "a"]],
            [CHOICES_HEADER, ["yn", "yes", "Có" * 300], ["yn", "no", "Không"]],
            [("choices", 2, "label")],
            id="choice label too long",
        ),
        pytest.param(
            [["type", "name"], ["select_one yn", "a"]],
            [["list_name", "name", "label", "exclusive"], ["yn", "yes", "Có", "sometimes"], ["yn", "no", "K", ""]],
            [("choices", 2, "exclusive")],
            id="exclusive not yes or no",
        ),
        pytest.param(
            [["type", "name"], ["select_one yn or_other", "a"]],
            [CHOICES_HEADER, ["yn", "yes", "Có"], ["yn", "other", "Khác"]],
            [("survey", 2, "type")],
            id="or_other on a list with an other",
        ),
        pytest.param(
            [["type", "name"], ["rank yn", "a"]],
            [["list_name", "name", "label", "other"], ["yn", "yes", "Có", "yes"], ["yn", "no", "Không", ""]],
            [("survey", 2, "type")],
            id="other option on a ranking",
        ),
    ],
)
def test_a_malformed_form_is_refused_at_the_cell_at_fault(survey, choices, expected):
    assert problems(workbook(survey, choices)) == expected


def test_a_workbook_without_a_survey_sheet_is_refused():
    assert problems(workbook(None, YES_NO)) == [("survey", None, None)]
    assert messages(workbook(None, YES_NO)) == ["The workbook has no “survey” sheet."]


def test_a_bad_default_language_is_refused_at_its_setting():
    settings_rows = [["form_title", "default_language"], ["Khảo sát", "Klingon (tlh)"]]
    assert problems(workbook([["type", "name"], ["text", "q"]], settings_rows=settings_rows)) == [
        ("settings", 2, "default_language")
    ]


def test_a_default_language_without_texts_in_it_is_refused():
    settings_rows = [["form_title::Tiếng Việt (vi)", "default_language"], ["Khảo sát", "English (en)"]]
    survey = [["type", "name", "label::Tiếng Việt (vi)"], ["text", "q", "Tên?"]]
    assert problems(workbook(survey, settings_rows=settings_rows)) == [("settings", 2, "default_language")]


def test_every_problem_of_a_broken_form_is_reported_together_in_reading_order():
    with (FIXTURES / "broken_survey.xlsx").open("rb") as file:
        found = problems(io.BytesIO(file.read()))
    assert found == [
        ("survey", 3, "type"),  # a list that does not exist
        ("survey", 4, "type"),  # an unknown type
        ("survey", 5, "type"),  # a note
        ("survey", 6, "name"),  # an invalid name
        ("survey", 7, "name"),  # a duplicate name
        ("survey", 8, "relevant"),  # "and" mixed with "or"
        ("survey", 9, "type"),  # end_group without begin_group
        ("survey", 10, "type"),  # begin_group never closed
        ("choices", 2, "name"),  # a choice without a name
    ]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"type,name,label\ntext,q,Q\n",
        (FIXTURES / "not_a_workbook.xlsx").read_bytes(),
        build_workbook({"survey": [["type"]]})[:200],  # a truncated download
    ],
    ids=["empty", "csv", "fixture", "truncated"],
)
def test_a_file_that_is_not_an_xlsx_workbook_is_refused_as_a_whole(content):
    assert problems(io.BytesIO(content)) == [(None, None, None)]
    assert "not an Excel workbook" in messages(io.BytesIO(content))[0]


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    assert problems(io.BytesIO(buffer.getvalue())) == [(None, None, None)]


def test_a_workbook_that_unpacks_into_something_huge_is_refused_before_reading():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    assert messages(io.BytesIO(buffer.getvalue())) == ["The workbook is too large once unpacked."]


def test_a_survey_sheet_with_too_many_rows_is_refused():
    survey = [["type", "name"], *(["text", f"q{i}"] for i in range(MAX_SURVEY_ROWS + 1))]
    assert problems(workbook(survey)) == [("survey", MAX_SURVEY_ROWS + 2, None)]


def test_formulas_are_read_as_saved_values_and_never_evaluated():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    sheet.append(["text", "q", "=1+1"])  # openpyxl stores a formula with no saved value
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    assert only_question(buffer).text == Text()


def test_numbers_and_booleans_in_cells_are_read_as_text():
    survey = [["type", "name", "label", "required"], ["select_one 7", "q", 42, True], ["text", "r", 1.5, 1]]
    choices = [CHOICES_HEADER, [7, 1, 10], [7, 2.0, 20]]
    spec = read_xlsform(workbook(survey, choices))
    q, r = spec.question("q"), spec.question("r")
    assert (q.text, q.required, q.choices) == (
        Text(vi="42"),
        True,
        (ChoiceSpec("1", Text(vi="10")), ChoiceSpec("2", Text(vi="20"))),
    )
    assert (r.text, r.required) == (Text(vi="1.5"), True)


def test_a_number_used_as_a_question_name_is_refused():
    assert problems(workbook([["type", "name"], ["text", 123]])) == [("survey", 2, "name")]


# --- writing ------------------------------------------------------------------------------


def test_a_written_workbook_has_the_sheets_and_language_columns_kobo_expects():
    spec = SurveySpec(
        title=Text(vi="Khảo sát", en="Survey"),
        languages=("vi", "en"),
        pages=(PageSpec("p1", questions=(QuestionSpec("q", QuestionType.SHORT_TEXT, Text(vi="Tên?")),)),),
    )
    buffer = io.BytesIO()
    write_xlsform(spec, buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == ["survey", "choices", "settings"]
    header = [cell.value for cell in book["survey"][1]]
    assert header[:6] == [
        "type",
        "name",
        "label::Tiếng Việt (vi)",
        "label::English (en)",
        "hint::Tiếng Việt (vi)",
        "hint::English (en)",
    ]
    settings_row = {key.value: value.value for key, value in zip(*book["settings"].iter_rows(), strict=True)}
    assert settings_row["default_language"] == "Tiếng Việt (vi)"
    assert settings_row["form_id"] == "khao_sat"


def test_a_text_that_looks_like_a_formula_is_written_as_text_and_reads_back():
    question = QuestionSpec("q", QuestionType.SHORT_TEXT, Text(vi="=1+1"), help_text=Text(vi='=HYPERLINK("x")'))
    spec = SurveySpec(title=Text(vi="=SUM(A1:A2)"), pages=(PageSpec("p1", questions=(question,)),))
    buffer = io.BytesIO()
    write_xlsform(spec, buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    label = book["survey"]["C3"]
    assert (label.value, label.data_type) == ("=1+1", "s")
    assert round_trip(spec) == spec


def test_recalls_are_written_the_kobo_way_and_read_back():
    questions = (
        QuestionSpec("name", QuestionType.SHORT_TEXT, Text(vi="Tên?")),
        QuestionSpec("hi", QuestionType.SHORT_TEXT, Text(vi="Chào {{name}}!"), help_text=Text(vi="{{name}} ơi")),
    )
    spec = SurveySpec(title=Text(vi="K"), pages=(PageSpec("p1", questions=questions),))
    buffer = io.BytesIO()
    write_xlsform(spec, buffer)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert book["survey"]["C4"].value == "Chào ${name}!"
    assert round_trip(spec) == spec


def test_a_rating_with_labelled_points_is_written_as_a_likert_select_and_a_plain_one_as_a_range():
    plain = QuestionSpec(
        "plain", QuestionType.RATING, Text(vi="A"), choices=tuple(ChoiceSpec(str(i)) for i in (1, 2, 3))
    )
    labelled = QuestionSpec(
        "labelled", QuestionType.RATING, Text(vi="B"), choices=(ChoiceSpec("1", Text(vi="Tệ")), ChoiceSpec("2"))
    )
    spec = SurveySpec(title=Text(vi="K"), pages=(PageSpec("p1", questions=(plain, labelled)),))
    buffer = io.BytesIO()
    write_xlsform(spec, buffer)
    rows = list(openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["survey"].iter_rows(values_only=True))
    header = rows[0]
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert (by_name["plain"]["type"], by_name["plain"]["parameters"]) == ("range", "start=1 end=3 step=1")
    assert (by_name["labelled"]["type"], by_name["labelled"]["appearance"]) == ("select_one labelled", "likert")
    assert round_trip(spec) == spec


# --- round trips --------------------------------------------------------------------------


def T(vi: str, en: str = "") -> Text:
    return Text(vi=vi, en=en)


EVERYTHING = SurveySpec(
    title=T("Khảo sát khách hàng", "Customer survey"),
    description=T("Cảm ơn bạn!", "Thank you!"),
    languages=("vi", "en"),
    default_language="vi",
    pages=(
        PageSpec(
            "about",
            T("Về bạn", "About you"),
            questions=(
                QuestionSpec(
                    "gender",
                    QuestionType.SINGLE_CHOICE,
                    T("Giới tính?", "Gender?"),
                    help_text=T("Chọn một", "Pick one"),
                    required=True,
                    choices=(
                        ChoiceSpec("m", T("Nam", "Male")),
                        ChoiceSpec("f", T("Nữ", "Female")),
                        ChoiceSpec("o", T("Khác", "Other"), is_other=True),
                    ),
                    role=RoleSpec(RoleKind.DEMOGRAPHIC, "gender"),
                    randomize_choices=True,
                ),
                QuestionSpec(
                    "channels",
                    QuestionType.MULTIPLE_CHOICE,
                    T("Kênh?", "Channels?"),
                    choices=(
                        ChoiceSpec("fb", T("Facebook")),
                        ChoiceSpec("zalo", T("Zalo")),
                        ChoiceSpec("none", T("Không", "None"), is_exclusive=True),
                    ),
                ),
                QuestionSpec(
                    "age",
                    QuestionType.NUMBER,
                    T("Tuổi?", "Age?"),
                    min_value=0.0,
                    max_value=120.5,
                    role=RoleSpec(RoleKind.DEMOGRAPHIC, "age"),
                ),
                QuestionSpec(
                    "sat",
                    QuestionType.RATING,
                    T("Hài lòng?", "Satisfied?"),
                    choices=tuple(ChoiceSpec(str(i)) for i in range(1, 6)),
                    allow_not_applicable=True,
                    role=RoleSpec(RoleKind.KPI, "satisfaction"),
                ),
                QuestionSpec(
                    "nps", QuestionType.NPS, T("Giới thiệu?", "Recommend?"), role=RoleSpec(RoleKind.KPI, "nps")
                ),
            ),
        ),
        PageSpec(
            "more",
            T("Thêm", "More"),
            logic=Logic((Condition("gender", Operator.EQUALS, "m"), Condition("age", Operator.GTE, 18)), "any"),
            randomize_questions=True,
            questions=(
                QuestionSpec(
                    "why",
                    QuestionType.LONG_TEXT,
                    T("Vì sao bạn cho {{nps}} điểm?", "Why {{nps}}?"),
                    logic=Logic((Condition("nps", Operator.LTE, 6),)),
                ),
                QuestionSpec(
                    "nick",
                    QuestionType.SHORT_TEXT,
                    T("Biệt danh?"),
                    logic=Logic(
                        (
                            Condition("channels", Operator.INCLUDES, "fb"),
                            Condition("channels", Operator.EXCLUDES, "zalo"),
                            Condition("gender", Operator.ANY_OF, ("m", "f")),
                            Condition("gender", Operator.NONE_OF, ("o",)),
                            Condition("gender", Operator.NOT_EQUALS, "f"),
                            Condition("sat", Operator.GT, 2),
                            Condition("sat", Operator.LT, 4.5),
                        )
                    ),
                ),
                QuestionSpec(
                    "visit",
                    QuestionType.DATE,
                    T("Ngày?"),
                    logic=Logic(
                        (
                            Condition("nick", Operator.EQUALS, 'it\'s "x"'),
                            Condition("sat", Operator.ANSWERED),
                            Condition("why", Operator.NOT_ANSWERED),
                        ),
                        "any",
                    ),
                ),
                QuestionSpec(
                    "grid",
                    QuestionType.MATRIX,
                    T("Đánh giá", "Rate"),
                    choices=(ChoiceSpec("1", T("Tệ", "Bad")), ChoiceSpec("2", T("Tốt", "Good"))),
                    rows=(ChoiceSpec("food", T("Đồ ăn", "Food")), ChoiceSpec("service", T("Phục vụ"))),
                    allow_not_applicable=True,
                    randomize_choices=True,
                ),
                QuestionSpec(
                    "ranked",
                    QuestionType.RANKING,
                    T("Xếp hạng"),
                    choices=(ChoiceSpec("a", T("A")), ChoiceSpec("b", T("B"))),
                    randomize_choices=True,
                ),
                QuestionSpec(
                    "after",
                    QuestionType.SHORT_TEXT,
                    T("Sau"),
                    logic=Logic(
                        (
                            Condition("visit", Operator.GT, "2024-01-01"),
                            Condition("visit", Operator.LTE, "2025-12-31"),
                            Condition("age", Operator.LT, -1.5),
                            Condition("age", Operator.EQUALS, "30"),
                            Condition("grid", Operator.ANSWERED),
                            Condition("ranked", Operator.NOT_ANSWERED),
                        )
                    ),
                ),
            ),
        ),
        PageSpec("empty", T("Trang trống")),
    ),
)


def test_every_question_type_operator_role_and_page_setting_round_trips():
    assert validate_survey(EVERYTHING, for_publish=False) == []
    assert round_trip(EVERYTHING) == EVERYTHING


def test_an_english_only_survey_round_trips():
    spec = SurveySpec(
        title=Text(en="Survey"),
        languages=("en",),
        default_language="en",
        pages=(PageSpec("p1", questions=(QuestionSpec("q", QuestionType.SHORT_TEXT, Text(en="Name?")),)),),
    )
    assert round_trip(spec) == spec


def test_an_empty_survey_round_trips():
    spec = SurveySpec(title=Text(vi="Trống"), languages=("en", "vi"), default_language="en")
    assert round_trip(spec) == spec


def test_written_relevant_reads_back_as_the_same_logic():
    logic = EVERYTHING.pages[1].questions[1].logic
    types = {question.key: question.type for question in EVERYTHING.questions()}
    assert parse_relevant(format_relevant(logic, types), types) == logic


# A generator of valid questionnaires: every type, flag, role and logic operator it can hold.

KEYS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
CODES = st.from_regex(r"[A-Za-z0-9_.\-]{1,8}", fullmatch=True)
# Cells hold XML text: no control characters; no "${…}" or "{{…}}" so texts recall nothing.
WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cn"), blacklist_characters="${}"), max_size=25
).map(str.strip)
NUMBERS = st.one_of(
    st.integers(-10_000, 10_000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-100, 100).map(str),
)
ROLES = st.none() | st.builds(RoleSpec, st.sampled_from(list(RoleKind)), KEYS)


def texts(languages: Sequence[str]) -> st.SearchStrategy[Text]:
    return st.fixed_dictionaries(dict.fromkeys(languages, WORDS)).map(Text.from_value)


def decimal_text(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")


@st.composite
def labelled_choices(draw, languages: Sequence[str], *, flags: bool) -> tuple[ChoiceSpec, ...]:
    codes = draw(st.lists(CODES, min_size=2, max_size=5, unique=True))
    other = draw(st.none() | st.integers(0, len(codes) - 1)) if flags else None
    return tuple(
        ChoiceSpec(
            code,
            draw(texts(languages)),
            is_exclusive=flags and index != other and draw(st.booleans()),
            is_other=index == other,
        )
        for index, code in enumerate(codes)
    )


@st.composite
def scale_points(draw, languages: Sequence[str]) -> tuple[ChoiceSpec, ...]:
    if draw(st.booleans()):
        start = Decimal(draw(st.integers(-5, 5)))
        step = draw(st.sampled_from([Decimal(1), Decimal("0.5"), Decimal(2)]))
        values = [decimal_text(start + index * step) for index in range(draw(st.integers(2, 11)))]
    else:
        values = draw(
            st.lists(
                st.integers(-50, 50).map(str) | st.sampled_from(["1.5", "2.25"]), min_size=2, max_size=6, unique=True
            )
        )
    labelled = draw(st.booleans())
    return tuple(ChoiceSpec(value, draw(texts(languages)) if labelled else Text()) for value in values)


@st.composite
def conditions(draw, target: QuestionSpec) -> Condition:
    operator = draw(st.sampled_from(sorted(OPERATORS_BY_TYPE[target.type])))
    if operator in VALUELESS_OPERATORS:
        return Condition(target.key, operator)
    codes = target.choice_values()
    if operator in (Operator.ANY_OF, Operator.NONE_OF):
        return Condition(target.key, operator, tuple(draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3))))
    if target.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        value = draw(st.sampled_from(codes))
    elif target.type == QuestionType.DATE:
        value = draw(st.dates()).isoformat()
    elif target.type == QuestionType.SHORT_TEXT:
        value = draw(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cn")), min_size=1, max_size=15))
    else:
        value = draw(NUMBERS)
    return Condition(target.key, operator, value)


@st.composite
def logic_on(draw, earlier: Sequence[QuestionSpec]) -> Logic | None:
    if not earlier or draw(st.booleans()):
        return None
    count = draw(st.integers(1, 3))
    found = tuple(draw(conditions(draw(st.sampled_from(earlier)))) for _ in range(count))
    return Logic(found, draw(st.sampled_from(["all", "any"])) if count > 1 else "all")


@st.composite
def questions(draw, key: str, languages: Sequence[str], earlier: Sequence[QuestionSpec]) -> QuestionSpec:
    kind = draw(st.sampled_from(list(QuestionType)))
    choices: tuple[ChoiceSpec, ...] = ()
    rows: tuple[ChoiceSpec, ...] = ()
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        choices = draw(labelled_choices(languages, flags=True))
    elif kind in (QuestionType.RANKING, QuestionType.MATRIX):
        choices = draw(labelled_choices(languages, flags=False))
    elif kind == QuestionType.RATING:
        choices = draw(scale_points(languages))
    if kind == QuestionType.MATRIX:
        rows = draw(labelled_choices(languages, flags=False))
    bounds = sorted(draw(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=2, max_size=2)))
    has_bounds = kind == QuestionType.NUMBER
    return QuestionSpec(
        key=key,
        type=kind,
        text=draw(texts(languages)),
        help_text=draw(texts(languages)),
        required=draw(st.booleans()),
        choices=choices,
        rows=rows,
        min_value=bounds[0] if has_bounds and draw(st.booleans()) else None,
        max_value=bounds[1] if has_bounds and draw(st.booleans()) else None,
        allow_not_applicable=kind in (QuestionType.RATING, QuestionType.MATRIX) and draw(st.booleans()),
        randomize_choices=bool(choices) and draw(st.booleans()),
        role=draw(ROLES),
        logic=draw(logic_on(earlier)),
    )


@st.composite
def surveys(draw) -> SurveySpec:
    languages = draw(st.sampled_from([("vi",), ("en",), ("vi", "en"), ("en", "vi")]))
    page_keys = draw(st.lists(KEYS, min_size=1, max_size=3, unique=True))
    keys = draw(st.lists(KEYS, max_size=7, unique=True))
    earlier: list[QuestionSpec] = []
    pages = []
    for index, page_key in enumerate(page_keys):
        share = keys[index :: len(page_keys)]
        logic = draw(logic_on(earlier))
        page_questions = []
        for key in share:
            question = draw(questions(key, languages, earlier))
            page_questions.append(question)
            earlier.append(question)
        pages.append(
            PageSpec(
                page_key, draw(texts(languages)), tuple(page_questions), logic, randomize_questions=draw(st.booleans())
            )
        )
    return SurveySpec(
        title=draw(texts(languages)),
        description=draw(texts(languages)),
        languages=languages,
        default_language=draw(st.sampled_from(languages)),
        pages=tuple(pages),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(surveys())
def test_any_valid_questionnaire_reads_back_from_its_workbook_unchanged(spec):
    assert validate_survey(spec, for_publish=False) == []
    assert round_trip(spec) == spec
