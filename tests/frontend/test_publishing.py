import pytest
from django.urls import reverse

from surveys import services
from surveys.models import SurveyVersion

pytestmark = pytest.mark.django_db


def post(client, name, survey, **headers):
    return client.post(reverse(f"frontend:{name}", kwargs={"slug": survey.slug}), follow=True, **headers)


def test_publish_success_says_which_version_is_live(signed_in, survey, page):
    services.create_question(page=page, type="nps", text={"vi": "NPS"})

    response = post(signed_in, "survey-publish", survey)

    survey.refresh_from_db()
    assert "Version 1 is published and the survey is open." in response.content.decode()
    assert survey.status == "open"
    assert SurveyVersion.objects.filter(survey=survey).count() == 1


def test_publish_failure_lists_every_problem_and_publishes_nothing(signed_in, survey, page):
    question = services.create_question(page=page, type="single_choice", text={})

    response = signed_in.post(reverse("frontend:survey-publish", kwargs={"slug": survey.slug}))

    content = response.content.decode()
    assert response.status_code == 400
    assert "The survey cannot be published yet. Fix these problems first:" in content
    assert f'<a href="#q-{question.id}">Question “q1” has no text.</a>' in content
    assert "Question “q1” needs at least two options." in content
    assert not SurveyVersion.objects.exists()


def test_publishing_without_changes_is_a_conflict(signed_in, survey, page):
    services.create_question(page=page, type="nps", text={"vi": "NPS"})
    services.publish_survey(survey=survey, published_by=None)

    response = signed_in.post(reverse("frontend:survey-publish", kwargs={"slug": survey.slug}))

    assert response.status_code == 409
    assert "Nothing has changed since version 1." in response.content.decode()


def test_unpublished_changes_badge_appears_after_an_edit(signed_in, survey, page):
    question = services.create_question(page=page, type="nps", text={"vi": "NPS"})
    services.publish_survey(survey=survey, published_by=None)
    builder = reverse("frontend:survey-builder", kwargs={"slug": survey.slug})
    assert "Unpublished changes" not in signed_in.get(builder).content.decode()

    services.update_question(question=question, required=True)

    content = signed_in.get(builder).content.decode()
    assert "Unpublished changes" in content
    assert "Version 1" in content


def test_close_reopen_and_archive(signed_in, survey, page):
    services.create_question(page=page, type="nps", text={"vi": "NPS"})
    services.publish_survey(survey=survey, published_by=None)

    post(signed_in, "survey-close", survey)
    survey.refresh_from_db()
    assert survey.status == "closed"
    post(signed_in, "survey-reopen", survey)
    survey.refresh_from_db()
    assert survey.status == "open"
    post(signed_in, "survey-archive", survey)
    survey.refresh_from_db()
    assert survey.status == "archived"


def test_closing_a_draft_is_refused(signed_in, survey):
    response = signed_in.post(reverse("frontend:survey-close", kwargs={"slug": survey.slug}))

    assert response.status_code == 409
    assert "Only an open survey can be closed." in response.content.decode()


def test_versions_list_and_diff_between_two_versions(signed_in, survey, page):
    question = services.create_question(page=page, type="nps", text={"vi": "NPS", "en": "Recommend?"})
    services.publish_survey(survey=survey, published_by=None)
    services.update_question(question=question, text={"vi": "NPS", "en": "Would you recommend us?"})
    services.create_question(page=page, type="short_text", text={"vi": "Tên?"})
    services.publish_survey(survey=survey, published_by=None)

    versions = signed_in.get(reverse("frontend:survey-versions", kwargs={"slug": survey.slug})).content.decode()
    diff = signed_in.get(
        reverse("frontend:survey-diff", kwargs={"slug": survey.slug}), {"before": "1", "after": "2"}
    ).content.decode()

    assert "Compare with version 1" in versions
    assert "Recommend?" in diff
    assert "Would you recommend us?" in diff
    assert "added" in diff


def test_diff_of_an_unknown_version_is_not_found(signed_in, survey, page):
    services.create_question(page=page, type="nps", text={"vi": "NPS"})
    services.publish_survey(survey=survey, published_by=None)

    response = signed_in.get(
        reverse("frontend:survey-diff", kwargs={"slug": survey.slug}), {"before": "1", "after": "7"}
    )

    assert response.status_code == 404
