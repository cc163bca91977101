from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from surveys import selectors
from surveys.core import linter
from surveys.core.linter import Severity
from surveys.core.questionnaire import Condition, Logic, Operator, QuestionType, validate_survey
from surveys.core.roles import Role
from surveys.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_WORKSPACE_NAME
from surveys.models import Survey, SurveyVersion, Workspace

pytestmark = pytest.mark.django_db

GSO_REGIONS = [
    "northern_midlands_mountains",
    "red_river_delta",
    "north_central_central_coast",
    "central_highlands",
    "southeast",
    "mekong_river_delta",
]


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_survey() -> Survey:
    seed()
    user = get_user_model().objects.get(username=DEMO_EMAIL)
    workspace = selectors.get_workspace_by_name(name=DEMO_WORKSPACE_NAME, user=user)
    return selectors.list_surveys_for_user(user=user, workspace=workspace).get()


def test_seed_demo_prints_a_login_that_signs_in_as_the_workspace_owner():
    output = seed()
    user = authenticate(username=DEMO_EMAIL, password=DEMO_PASSWORD)
    assert user is not None
    assert DEMO_EMAIL in output
    assert DEMO_PASSWORD in output
    workspace = selectors.get_workspace_by_name(name="Cửa hàng Demo", user=user)
    assert selectors.get_role(workspace=workspace, user=user) == Role.OWNER


def test_demo_survey_is_published_as_version_one_and_open(demo_survey):
    version = selectors.get_latest_version(survey=demo_survey)
    assert version.number == 1
    assert demo_survey.status == Survey.Status.OPEN
    assert demo_survey.languages == ["vi", "en"]
    assert not selectors.has_unpublished_changes(survey=demo_survey)


def test_demo_survey_passes_validation_for_publishing(demo_survey):
    assert validate_survey(selectors.get_survey_spec(survey=demo_survey), for_publish=True) == []


def test_demo_survey_tags_demographics_and_kpis_with_roles(demo_survey):
    spec = selectors.get_survey_spec(survey=demo_survey)
    roles = {question.key: question.role.to_string() for question in spec.questions() if question.role}
    assert roles == {
        "satisfaction": "kpi:satisfaction",
        "nps": "kpi:nps",
        "gender": "demographic:gender",
        "age_band": "demographic:age",
        "income_band": "demographic:income",
        "region": "demographic:region",
        "area": "demographic:area",
    }


def test_demo_survey_demographic_bands_match_the_documented_codes(demo_survey):
    spec = selectors.get_survey_spec(survey=demo_survey)
    assert spec.question("region").choice_values() == tuple(GSO_REGIONS)
    assert spec.question("age_band").choice_values() == (
        "18-24",
        "25-34",
        "35-44",
        "45-54",
        "55_plus",
        "prefer_not_to_say",
    )
    assert spec.question("income_band").choice_values() == (
        "under_5m",
        "5m_to_10m",
        "10m_to_20m",
        "20m_plus",
        "prefer_not_to_say",
    )
    assert "prefer_not_to_say" in spec.question("gender").choice_values()
    assert spec.question("area").choice_values() == ("urban", "rural")


def test_demo_survey_asks_the_nps_reason_only_of_detractors(demo_survey):
    spec = selectors.get_survey_spec(survey=demo_survey)
    assert spec.question("nps").type == QuestionType.NPS
    assert spec.question("nps_reason").type == QuestionType.LONG_TEXT
    assert spec.question("nps_reason").logic == Logic((Condition("nps", Operator.LTE, 6),))


def test_demo_survey_rates_four_aspects_on_a_labelled_five_point_scale(demo_survey):
    spec = selectors.get_survey_spec(survey=demo_survey)
    satisfaction, aspects = spec.question("satisfaction"), spec.question("aspects")
    assert satisfaction.choice_values() == ("1", "2", "3", "4", "5")
    assert all(choice.label.vi and choice.label.en for choice in satisfaction.choices)
    assert aspects.type == QuestionType.MATRIX
    assert [row.value for row in aspects.rows] == ["delivery_speed", "product_quality", "price", "customer_service"]


def test_demo_survey_channels_offer_an_exclusive_none_and_payment_an_other(demo_survey):
    spec = selectors.get_survey_spec(survey=demo_survey)
    channels = {choice.value: choice for choice in spec.question("channels").choices}
    assert {"website", "app", "shopee", "lazada", "tiktok_shop", "facebook"} <= channels.keys()
    assert channels["none"].is_exclusive
    payment = spec.question("payment_method")
    assert payment.type == QuestionType.SINGLE_CHOICE
    assert payment.choice_values() == ("cod", "bank_transfer", "e_wallet", "card", "other")
    assert payment.choices[-1].is_other
    assert spec.question("improvement").text.vi == "Chúng tôi nên cải thiện điều gì?"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_demo_survey_wording_draws_no_linter_warning(demo_survey, language):
    spec = selectors.get_survey_spec(survey=demo_survey)
    report = linter.lint_survey(linter.survey_input_from_spec(spec, language=language))
    assert [f.rule for f in report.findings if f.severity in (Severity.WARNING, Severity.ERROR)] == []


def test_running_seed_demo_again_duplicates_nothing(demo_survey):
    counts = (
        get_user_model().objects.count(),
        Workspace.objects.count(),
        Survey.objects.count(),
        SurveyVersion.objects.count(),
    )
    output = seed()
    assert (
        get_user_model().objects.count(),
        Workspace.objects.count(),
        Survey.objects.count(),
        SurveyVersion.objects.count(),
    ) == counts
    assert DEMO_PASSWORD in output


def test_seed_demo_restores_a_changed_demo_password(demo_survey):
    user = get_user_model().objects.get(username=DEMO_EMAIL)
    user.set_password("changed-by-someone")
    user.save()
    seed()
    assert authenticate(username=DEMO_EMAIL, password=DEMO_PASSWORD) is not None


def test_seed_demo_refuses_to_run_with_debug_off_and_creates_nothing(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        seed()
    assert not get_user_model().objects.filter(username=DEMO_EMAIL).exists()
    assert not Workspace.objects.exists()
