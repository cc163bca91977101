import pytest
from django.urls import reverse

from surveys import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def piped_survey(survey, page):
    services.create_question(page=page, type="short_text", text={"vi": "Tên bạn?", "en": "Your name?"})
    services.create_question(
        page=page, type="long_text", text={"vi": "Chào {{q1}}, bạn thấy sao?", "en": "Hello {{q1}}, how was it?"}
    )
    return survey


def preview(client, survey, **params):
    return client.get(reverse("frontend:survey-preview", kwargs={"slug": survey.slug}), params)


def test_preview_escapes_a_piped_answer(signed_in, piped_survey):
    response = preview(signed_in, piped_survey, lang="en", **{"a-q1": "<script>alert(1)</script>"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt;, how was it?" in content
    assert "<script>alert(1)</script>" not in content


def test_preview_renders_the_chosen_survey_language(signed_in, piped_survey):
    vietnamese = preview(signed_in, piped_survey, lang="vi", **{"a-q1": "Lan"}).content.decode()
    english = preview(signed_in, piped_survey, lang="en", **{"a-q1": "Lan"}).content.decode()

    assert "Chào Lan, bạn thấy sao?" in vietnamese
    assert "Hello Lan, how was it?" in english


def test_preview_follows_display_logic_and_pages(signed_in, survey, page):
    nps = services.create_question(page=page, type="nps", text={"en": "Recommend us?"})
    second = services.create_page(survey=survey)
    services.create_question(
        page=second,
        type="long_text",
        text={"en": "What should we fix?"},
        logic={"conditions": [{"question": nps.key, "operator": "lte", "value": 6}]},
    )
    services.create_question(page=second, type="short_text", text={"en": "Anything else?"})

    promoter = preview(signed_in, survey, lang="en", page="1", **{f"a-{nps.key}": "9"}).content.decode()
    detractor = preview(signed_in, survey, lang="en", page="1", **{f"a-{nps.key}": "3"}).content.decode()

    assert "What should we fix?" not in promoter
    assert "1 question on this page is hidden by display logic" in promoter
    assert "What should we fix?" in detractor
    assert f'name="a-{nps.key}" value="3"' in detractor  # earlier answers travel with the form


def test_preview_is_a_form_that_never_posts(signed_in, piped_survey):
    content = preview(signed_in, piped_survey).content.decode()

    assert 'class="respondent-form"' in content
    assert '<form method="get"' in content
    assert "Answers typed here are never saved" in content


def test_preview_end_page(signed_in, piped_survey):
    response = preview(signed_in, piped_survey, lang="en", page="end")

    assert "This is the end of the survey." in response.content.decode()
