"""The sample-size API: one endpoint per calculation, and each survey's stored plan.

Who may call which endpoint is in tests/surveys/api/test_permissions.py; here, what they answer.
"""

import dataclasses
import re

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from surveys import services
from surveys.core import sample_size as ss
from surveys.core.roles import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(UserFactory())
    return client


def calculate(client: APIClient, kind: str, body: dict, **headers):
    return client.post(reverse(f"surveys:sample-size-{kind}"), body, format="json", **headers)


def fields_of(result: object) -> dict:
    """Return a core result as the API shows it (enums as their values)."""
    return {
        name: (value.value if hasattr(value, "value") else value)
        for name, value in dataclasses.asdict(result).items()
        if not isinstance(value, dict)
    }


def test_proportion_reproduces_krejcie_morgan_1000_with_its_formula(client):
    # Krejcie & Morgan (1970), Table 1: N = 1000 -> S = 278 at ±5 points, 95 % confidence.
    response = calculate(
        client, "proportion", {"margin": 0.05, "confidence": 0.95, "population": 1000, "rounding": "nearest"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["kind"], body["result"], body["required_responses"]) == ("proportion", "proportion_sample_size", 278)
    assert body["formula"].startswith("n0 = z²·p(1−p)/e²")
    assert body["n0"] == pytest.approx(384.146, abs=1e-3)  # Cochran's 1.96²·.25/.05²
    assert body["n_corrected"] == pytest.approx(277.733, abs=1e-3)


CASES = [
    (
        "proportion",
        {"margin": 0.03, "deff": 1.5},
        lambda: ss.estimate_proportion_sample_size(margin_of_error=0.03, design_effect=1.5),
    ),
    ("margin", {"n": 400, "population": 5000}, lambda: ss.estimate_margin_of_error(n=400, population_size=5000)),
    ("margin", {"n": 100, "sd": 2.0}, lambda: ss.estimate_mean_margin_of_error(n=100, standard_deviation=2.0)),
    (
        "mean",
        {"sd": 1.2, "margin": 0.1},
        lambda: ss.estimate_mean_sample_size(standard_deviation=1.2, margin_of_error=0.1),
    ),
    (
        "invitations",
        {"n": 278, "response_rate": 0.2},
        lambda: ss.estimate_invitations(required_responses=278, response_rate=0.2),
    ),
    # R: power.prop.test(p1 = .50, p2 = .75, power = .90) -> n = 76.7 per group.
    (
        "two-proportions",
        {"p1": 0.5, "p2": 0.75, "power": 0.9},
        lambda: ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.75, power=0.9),
    ),
    # R: power.prop.test(n = 50, p1 = .50, p2 = .75) -> power = 0.7401659.
    (
        "two-proportions",
        {"p1": 0.5, "p2": 0.75, "n": 50},
        lambda: ss.compute_two_proportions_power(p1=0.5, p2=0.75, n=50),
    ),
    (
        "two-proportions",
        {"p1": 0.5, "n": 50, "power": 0.9},
        lambda: ss.estimate_two_proportions_detectable_effect(p1=0.5, n=50, power=0.9),
    ),
    # R: power.t.test(power = .90, delta = 1) -> n = 22.02.
    (
        "two-means",
        {"effect_size": 1, "power": 0.9},
        lambda: ss.estimate_two_means_sample_size(effect_size=1, power=0.9),
    ),
    ("two-means", {"effect_size": 1, "n": 20}, lambda: ss.compute_two_means_power(effect_size=1, n=20)),
    (
        "chi-square",
        {"effect_size": 0.3, "df": 1, "n": 100},
        lambda: ss.compute_chi_square_power(effect_size=0.3, df=1, n=100),
    ),
    ("chi-square", {"effect_size": 0.3, "df": 3}, lambda: ss.estimate_chi_square_sample_size(effect_size=0.3, df=3)),
    (
        "segments",
        {"segments": 4, "difference": 0.1, "adjust_alpha": True},
        lambda: ss.estimate_segment_sample_size(segments=4, difference=0.1, adjust_alpha=True),
    ),
]


@pytest.mark.parametrize(("kind", "body", "expected"), CASES, ids=[f"{c[0]}-{'-'.join(c[1])}" for c in CASES])
def test_every_calculation_answers_the_cores_result_field_for_field(client, kind, body, expected):
    response = calculate(client, kind, body)
    assert response.status_code == 200, response.content
    answer = expected()
    body = response.json()
    assert body["result"] == ss_result_name(answer)
    assert {name: body[name] for name in fields_of(answer)} == pytest.approx(fields_of(answer))


def ss_result_name(result: object) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(result).__name__).lower()


def test_published_power_values_come_through_the_api(client):
    # R: power.prop.test(p1 = .50, p2 = .75, power = .90) -> n = 76.7; power.t.test(n = 20, delta = 1) -> 0.8689528.
    assert calculate(client, "two-proportions", {"p1": 0.5, "p2": 0.75, "power": 0.9}).json()["n_group1_exact"] == (
        pytest.approx(76.7, abs=0.05)
    )
    assert calculate(client, "two-means", {"effect_size": 1, "n": 20}).json()["power"] == pytest.approx(
        0.8689528, abs=1e-6
    )


def test_invitations_from_a_margin_include_the_sample_size_they_start_from(client):
    body = calculate(
        client, "invitations", {"margin": 0.05, "population": 1000, "response_rate": 0.2, "eligibility_rate": 0.8}
    ).json()
    assert body["sample_size"]["required_responses"] == 278
    assert (body["required_responses"], body["invitations"], body["exceeds_population"]) == (278, 1738, True)


def test_segment_margins_mark_segments_with_too_few_answers_and_say_why(client):
    body = calculate(client, "segment-margins", {"counts": {"Hà Nội": 400, "Đà Nẵng": 12, "Huế": 0}}).json()
    rows = {row["segment"]: row for row in body["segments"]}
    assert rows["Hà Nội"]["margin_of_error"] == pytest.approx(0.049, abs=1e-3)  # 1.96·√(.25/400)
    assert (rows["Hà Nội"]["is_too_small"], rows["Hà Nội"]["reason"]) == (False, None)
    assert rows["Đà Nẵng"]["is_too_small"] and "12" in rows["Đà Nẵng"]["reason"] and "30" in rows["Đà Nẵng"]["reason"]
    assert rows["Huế"]["margin_of_error"] is None and rows["Huế"]["is_too_small"]


@pytest.mark.parametrize(
    ("kind", "body", "field", "text"),
    [
        ("proportion", {"margin": 0}, "margin", "The margin of error must be greater than 0 and less than 1."),
        ("proportion", {"margin": 0.05, "proportion": 1.2}, "proportion", "The expected proportion must be"),
        ("proportion", {"margin": 0.05, "population": 0}, "population", "The population size must be"),
        ("invitations", {"n": 100, "response_rate": 0}, "response_rate", "The response rate must be"),
        ("two-proportions", {"p1": 0.3, "p2": 0.3}, "p2", "The two proportions must differ."),
        ("chi-square", {"effect_size": 0.3, "df": 0}, "df", "The degrees of freedom must be"),
        ("margin", {"n": 50, "population": 20}, "n", "The number of answers cannot exceed the population size."),
        ("segment-margins", {"counts": {"a": -1}}, "counts", "Each segment count must be"),
        ("proportion", {}, "margin", "margin: This field is required."),
        ("proportion", {"margin": "năm"}, "margin", "margin: A valid number is required."),
        ("proportion", {"margin": 0.05, "sd": 1}, "sd", "sd: This calculation does not take this parameter."),
        (
            "two-means",
            {"effect_size": 0.5, "n": 20, "power": 0.8},
            "power",
            "Leave one of effect_size, n and power out",
        ),
    ],
)
def test_a_bad_parameter_answers_400_naming_it(client, kind, body, field, text):
    response = calculate(client, kind, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"].startswith(text)
    assert list(error["fields"]) == [field]
    assert error["fields"][field][0] in error["message"]


def test_the_error_message_is_in_the_requests_language(client):
    template = "The margin of error must be greater than 0 and less than 1."
    with translation.override("vi"):
        vietnamese = translation.gettext(template)
    response = calculate(client, "proportion", {"margin": 2}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.json()["error"]["message"] == vietnamese
    assert calculate(client, "proportion", {"margin": 2}).json()["error"]["message"] == template


# --- a survey's plan ------------------------------------------------------------------------


@pytest.fixture
def researcher_client_and_survey():
    owner = UserFactory()
    workspace = services.create_workspace(name="Tiệm trà", owner=owner)
    survey = services.create_survey(workspace=workspace, created_by=owner, title={"vi": "Khảo sát"})
    researcher = UserFactory()
    MembershipFactory(workspace=workspace, user=researcher, role=Role.RESEARCHER)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(researcher)
    return client, survey


def plan_url(survey) -> str:
    return reverse("surveys:survey-plan", kwargs={"slug": survey.slug})


def test_an_empty_plan_says_what_to_enter(researcher_client_and_survey):
    client, survey = researcher_client_and_survey
    body = client.get(plan_url(survey)).json()
    assert (body["required_responses"], body["invitations"], body["confidence_level"]) == (None, None, 0.95)
    assert "margin of error" in body["explanation"]


def test_put_stores_the_targets_and_answers_the_answers_and_invitations_needed(researcher_client_and_survey):
    client, survey = researcher_client_and_survey
    targets = {
        "target_population": 1000,
        "target_margin_of_error": 0.05,
        "target_confidence_level": 0.95,
        "target_response_rate": 0.2,
        "target_eligibility_rate": 0.8,
    }
    response = client.put(plan_url(survey), targets, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["required_responses"], body["invitations"], body["target_sample_size"]) == (278, 1738, 278)
    assert body["sample_size"]["n_corrected"] == pytest.approx(277.733, abs=1e-3)
    assert "278" in body["explanation"] and "1,738" in body["explanation"]
    survey.refresh_from_db()
    assert (survey.target_population, survey.target_eligibility_rate, survey.target_sample_size) == (1000, 0.8, 278)
    assert client.get(plan_url(survey)).json() == body


def test_put_replaces_the_plan_clearing_targets_left_out(researcher_client_and_survey):
    client, survey = researcher_client_and_survey
    client.put(plan_url(survey), {"target_margin_of_error": 0.05, "target_response_rate": 0.5}, format="json")
    body = client.put(plan_url(survey), {"target_sample_size": 400}, format="json").json()
    assert (body["target_margin_of_error"], body["target_response_rate"], body["invitations"]) == (None, None, None)
    assert body["margin"]["margin_of_error"] == pytest.approx(0.049, abs=1e-3)


@pytest.mark.parametrize(
    ("targets", "field"),
    [
        ({"target_margin_of_error": 0}, "target_margin_of_error"),
        ({"target_margin_of_error": 0.05, "target_response_rate": 0}, "target_response_rate"),
        ({"target_margin_of_error": 0.05, "target_population": 0}, "target_population"),
        ({"target_margin_of_error": 0.05, "target_confidence_level": 1}, "target_confidence_level"),
        ({"target_margin_of_error": 0.05, "target_sample_size": 300}, "target_sample_size"),
        ({"target_sample_size": 300, "target_population": 200}, "target_sample_size"),
        ({"target_margin": 0.05}, "target_margin"),
    ],
)
def test_a_bad_target_is_refused_and_nothing_changes(researcher_client_and_survey, targets, field):
    client, survey = researcher_client_and_survey
    client.put(plan_url(survey), {"target_margin_of_error": 0.04, "target_response_rate": 0.3}, format="json")
    before = client.get(plan_url(survey)).json()
    response = client.put(plan_url(survey), targets, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert client.get(plan_url(survey)).json() == before
