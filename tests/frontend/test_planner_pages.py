"""The sample-size planner pages: the builder panel, the survey's plan page and the calculators."""

import pytest
from django.urls import reverse

from surveys import services
from surveys.core.roles import Role
from tests.factories import MembershipFactory, UserFactory
from tests.frontend.conftest import HTMX

pytestmark = pytest.mark.django_db

PLAN = {"population": "1000", "margin": "5", "confidence": "0.95", "response_rate": "20", "eligibility_rate": "80"}


def plan_url(survey) -> str:
    return reverse("frontend:survey-plan", kwargs={"slug": survey.slug})


def preview_url(survey) -> str:
    return reverse("frontend:survey-plan-preview", kwargs={"slug": survey.slug})


def builder_url(survey) -> str:
    return reverse("frontend:survey-builder", kwargs={"slug": survey.slug})


@pytest.fixture
def analyst_client(english_client, workspace):
    analyst = UserFactory()
    MembershipFactory(workspace=workspace, user=analyst, role=Role.ANALYST)
    english_client.force_login(analyst)
    return english_client


def test_the_builder_shows_the_planner_form_with_the_stored_plan(signed_in, survey):
    services.update_survey_plan(survey=survey, target_population=1000, target_margin_of_error=0.05)
    html = signed_in.get(builder_url(survey)).content.decode()
    assert 'id="planner"' in html
    assert f'action="{plan_url(survey)}"' in html and f'hx-get="{preview_url(survey)}"' in html
    assert 'name="margin"' in html and 'value="5"' in html  # stored as 0.05, typed as 5 %
    assert '<option value="0.95" selected>' in html  # no stored confidence: 95 %
    assert "278" in html  # Krejcie & Morgan (1970): N = 1000 at ±5 %, 95 %


def test_members_who_cannot_edit_see_the_plan_read_only(analyst_client, survey):
    services.update_survey_plan(survey=survey, target_margin_of_error=0.05, target_response_rate=0.25)
    html = analyst_client.get(builder_url(survey)).content.decode()
    assert 'id="planner"' in html
    assert f'action="{plan_url(survey)}"' not in html
    assert "385" in html and "1,540" in html  # ⌈384.15⌉ answers; 385 / 0.25 invitations
    assert analyst_client.post(plan_url(survey), PLAN).status_code == 403
    survey.refresh_from_db()
    assert survey.target_population is None


def test_the_preview_recalculates_without_saving(signed_in, survey):
    response = signed_in.get(preview_url(survey), PLAN, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "278" in html and "1,738" in html  # 278 / (0.2 × 0.8) = 1737.5
    assert "invite 1,738 people" in html
    assert "n0 = z²·p(1−p)/e²" in html
    survey.refresh_from_db()
    assert survey.target_margin_of_error is None


def test_the_preview_explains_a_bad_value(signed_in, survey):
    html = signed_in.get(preview_url(survey), {**PLAN, "margin": "150"}, **HTMX).content.decode()
    assert "Enter a percentage above 0 and below 100." in html
    assert "answers needed" not in html


def test_saving_without_javascript_stores_the_targets_and_redirects_to_the_builder(signed_in, survey):
    response = signed_in.post(plan_url(survey), PLAN)
    assert response.status_code == 302
    assert response["Location"] == builder_url(survey) + "#planner"
    survey.refresh_from_db()
    assert (survey.target_population, survey.target_margin_of_error, survey.target_response_rate) == (1000, 0.05, 0.2)
    assert (survey.target_eligibility_rate, survey.target_sample_size) == (0.8, 278)


def test_saving_with_htmx_answers_the_panel(signed_in, survey):
    response = signed_in.post(plan_url(survey), PLAN, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="panel planner" id="planner"')
    assert "Targets saved." in html and "1,738" in html


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("margin", "0", "Enter a percentage above 0 and below 100."),
        ("response_rate", "120", "Enter a percentage above 0 and at most 100."),
        ("population", "0", "Ensure this value is greater than or equal to 1."),
        ("confidence", "0.5", "Select a valid choice."),
    ],
)
def test_a_refused_save_shows_the_error_by_its_field_and_changes_nothing(signed_in, survey, field, value, text):
    services.update_survey_plan(survey=survey, target_margin_of_error=0.03)
    response = signed_in.post(plan_url(survey), {**PLAN, field: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert text in html
    assert 'class="field has-error"' in html
    survey.refresh_from_db()
    assert (survey.target_margin_of_error, survey.target_population) == (0.03, None)


def test_the_plan_page_stands_alone_for_browsers_without_javascript(signed_in, survey):
    response = signed_in.get(plan_url(survey))
    assert response.status_code == 200
    assert 'id="planner"' in response.content.decode()


def test_outsiders_and_anonymous_visitors_cannot_see_the_plan(english_client, survey):
    assert english_client.get(plan_url(survey)).status_code == 302  # to the sign-in page
    english_client.force_login(UserFactory())
    assert english_client.get(plan_url(survey)).status_code == 404
    assert english_client.get(preview_url(survey), PLAN).status_code == 404


# --- the calculators page -----------------------------------------------------------------------

CALCULATORS = reverse("frontend:planner")


def test_the_calculators_page_has_a_section_for_every_calculation(signed_in):
    html = signed_in.get(CALCULATORS).content.decode()
    for kind in ("proportion", "margin", "mean", "invitations", "two-proportions", "two-means", "chi-square"):
        assert f'id="calc-{kind}"' in html
    assert 'id="calc-segments"' in html and 'id="calc-segment-margins"' in html


def test_a_calculation_without_javascript_returns_the_page_with_its_answer(signed_in):
    query = {"kind": "proportion", "margin": "5", "confidence": "0.95", "population": "1000", "rounding": "nearest"}
    response = signed_in.get(CALCULATORS, query)
    html = response.content.decode()
    assert response.status_code == 200
    assert "You need 278 completed answers to know a percentage within ±5%." in html
    assert 'id="calc-two-means"' in html


def test_an_htmx_calculation_returns_only_its_answer(signed_in):
    # R: power.prop.test(p1 = .50, p2 = .75, power = .90) -> n = 76.7 -> 77 per group.
    query = {"kind": "two-proportions", "solve": "size", "p1": "50", "p2": "75", "power": "90", "alpha": "5"}
    query |= {"ratio": "1", "alternative": "two-sided", "method": "pooled"}
    html = signed_in.get(CALCULATORS, query, **HTMX).content.decode()
    assert "You need 77 answers in group 1 and 77 in group 2 (154 in total)." in html
    assert "<html" not in html


def test_solving_for_power_leaves_the_target_power_out(signed_in):
    # R: power.t.test(n = 20, delta = 1) -> power = 0.8689528.
    query = {
        "kind": "two-means",
        "solve": "power",
        "effect_size": "1",
        "n": "20",
        "power": "80",
        "alternative": "two-sided",
    }
    html = signed_in.get(CALCULATORS, query, **HTMX).content.decode()
    assert "The test has a 86.9% chance of detecting this effect." in html


def test_a_refusal_of_the_core_is_shown_by_the_field_it_names(signed_in):
    query = {"kind": "two-proportions", "solve": "size", "p1": "30", "p2": "30", "alternative": "two-sided"}
    query |= {"method": "pooled"}
    response = signed_in.get(CALCULATORS, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The two proportions must differ." in html
    assert 'class="field has-error"' in html


def test_the_segment_margins_demo_marks_segments_with_too_few_answers(signed_in):
    query = {"kind": "segment-margins", "counts": "Hà Nội: 400\nHuế: 12", "confidence": "0.95", "min_n": "30"}
    html = signed_in.get(CALCULATORS, query, **HTMX).content.decode()
    assert "n = 400" in html and "±4.9%" in html
    assert html.count("too few answers") == 1
    assert "Only 12 answers: at least 30 are needed" in html


def test_a_malformed_segment_line_is_refused(signed_in):
    response = signed_in.get(CALCULATORS, {"kind": "segment-margins", "counts": "Hà Nội 400", "confidence": "0.95"})
    assert response.status_code == 400
    assert "Line 1 is not “name: number”." in response.content.decode()


def test_the_calculators_need_an_account(english_client):
    assert english_client.get(CALCULATORS).status_code == 302


def test_the_calculators_page_renders_in_vietnamese(client, researcher):
    client.force_login(researcher)
    response = client.get(CALCULATORS, {"kind": "margin", "n": "400", "confidence": "0.95"})
    assert response.status_code == 200
    assert "±4,9%" in response.content.decode()  # Vietnamese decimal comma
