"""Publishing runs the linter: errors block unless a reason is recorded, warnings need confirmation."""

import pytest

from surveys import linting, selectors, services
from surveys.errors import Conflict
from surveys.models import SurveyVersion
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OVERLAPPING = [{"value": "1", "label": {"vi": "16–22"}}, {"value": "2", "label": {"vi": "22–28"}}]


@pytest.fixture
def survey():
    owner = UserFactory()
    workspace = services.create_workspace(name="Nhà sách", owner=owner)
    return services.create_survey(workspace=workspace, created_by=owner, title={"vi": "Khảo sát"}, languages=["vi"])


@pytest.fixture
def page(survey):
    return survey.pages.get()


def test_a_clean_survey_publishes_without_confirmation(survey, page):
    services.create_question(
        page=page, type="long_text", text={"vi": "Bạn đánh giá thế nào về cửa hàng của chúng tôi?"}
    )

    version = services.publish_survey(survey=survey, published_by=None)

    assert version.number == 1
    assert version.lint_override_reason == ""


def test_warnings_need_confirmation(survey, page):
    services.create_question(
        page=page, type="long_text", key="site", text={"vi": "Bạn có thích cửa hàng tuyệt vời của chúng tôi không?"}
    )

    with pytest.raises(services.LintWarningsUnconfirmed) as refused:
        services.publish_survey(survey=survey, published_by=None)

    assert isinstance(refused.value, Conflict)
    assert refused.value.code == "lint_warnings_unconfirmed"
    assert refused.value.http_status == 409
    assert [item.finding.rule for item in refused.value.findings] == ["leading_evaluative_word"]
    assert list(refused.value.fields) == ["questions.site"]
    assert not SurveyVersion.objects.exists()
    assert services.publish_survey(survey=survey, published_by=None, confirm_warnings=True).number == 1


def test_errors_block_even_with_confirmed_warnings_until_a_reason_is_given(survey, page):
    services.create_question(
        page=page, type="single_choice", key="age", text={"vi": "Bạn bao nhiêu tuổi?"}, choices=OVERLAPPING
    )

    with pytest.raises(services.LintBlocksPublish) as refused:
        services.publish_survey(survey=survey, published_by=None, confirm_warnings=True, override_reason="   ")

    assert refused.value.code == "lint_errors"
    assert "overlapping_ranges" in {item.finding.rule for item in refused.value.findings}
    assert not SurveyVersion.objects.exists()
    version = services.publish_survey(
        survey=survey, published_by=None, confirm_warnings=True, override_reason="  Same bands as the 2023 wave  "
    )
    assert version.lint_override_reason == "Same bands as the 2023 wave"


def test_the_error_refusal_also_lists_unconfirmed_warnings(survey, page):
    services.create_question(page=page, type="single_choice", text={"vi": "Bạn bao nhiêu tuổi?"}, choices=OVERLAPPING)

    with pytest.raises(services.LintBlocksPublish) as refused:
        services.publish_survey(survey=survey, published_by=None)

    severities = [item.finding.severity for item in refused.value.findings]
    assert severities[0] == "error"
    assert "warning" in severities  # age without "prefer not to say"
    # A reason overrides the errors; the warnings still need their own confirmation.
    with pytest.raises(services.LintWarningsUnconfirmed):
        services.publish_survey(survey=survey, published_by=None, override_reason="Legacy bands")


def test_structural_problems_are_reported_before_the_linter(survey, page):
    services.create_question(page=page, type="single_choice", text={})

    with pytest.raises(services.SurveyNotPublishable):
        services.publish_survey(survey=survey, published_by=None, confirm_warnings=True, override_reason="x")


def test_translations_are_linted_only_where_they_exist(survey, page):
    services.update_survey(survey=survey, languages=["vi", "en"])
    services.create_question(
        page=page, type="long_text", key="site", text={"vi": "Bạn có thích cửa hàng tuyệt vời của chúng tôi không?"}
    )
    services.create_question(
        page=page,
        type="long_text",
        key="app",
        text={"vi": "Bạn đánh giá thế nào về ứng dụng?", "en": "How would you rate our amazing app?"},
    )

    lint = linting.lint_survey_spec(selectors.get_survey_spec(survey=survey))

    leading = [
        (item.question_key, item.lang) for item in lint.findings if item.finding.rule == "leading_evaluative_word"
    ]
    assert sorted(leading) == [("app", "en"), ("site", "vi")]
    app = next(
        item for item in lint.findings if item.question_key == "app" and item.finding.rule == "leading_evaluative_word"
    )
    assert app.target_text[app.finding.start : app.finding.end] == "amazing"
