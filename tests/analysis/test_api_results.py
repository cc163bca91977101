"""GET /api/surveys/{slug}/results/: the dashboard's figures as JSON."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.analysis.results_world import build_results_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_results_world()
    world.submit({"gender": "female", "nps": 10}, on=dt.date(2026, 3, 1))
    world.submit({"gender": "male", "nps": 2, "reason": "Chậm"}, collector=world.shop, on=dt.date(2026, 3, 2))
    world.submit({"gender": "female", "nps": 8}, on=dt.date(2026, 3, 3))
    return world


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.owner)
    return client


def url(world):
    return reverse("results:survey-results", kwargs={"slug": world.survey.slug})


def question(data, key):
    return next(q for q in data["questions"] if q["key"] == key)


def test_results_json_has_every_question_with_margins(world, api):
    response = api.get(url(world))
    assert response.status_code == 200
    data = response.json()
    assert data["response_count"] == 3 and data["version"] == 1
    assert data["weighting"] == {
        "is_available": False,
        "is_applied": False,
        "is_discarded": False,
        "run_finished_at": None,
        "unweighted_count": 0,
        "excluded_count": 0,
    }
    nps = question(data, "nps")
    assert nps["nps"]["score"] == pytest.approx(0)
    assert nps["nps"]["promoters"]["count"] == 1 and nps["method"] == "nps_wald_effective_n"
    gender = question(data, "gender")
    female = next(s for s in gender["shares"] if s["code"] == "female")
    assert female["share"] == pytest.approx(2 / 3) and female["label"]["en"] == "Pick female"
    assert female["margin_of_error"] > 0 and gender["breakdown"] is None


def test_filters_and_breakdown(world, api):
    data = api.get(url(world), {"segment": "gender:female", "breakdown": "gender", "collector": world.web.id}).json()
    assert data["response_count"] == 2
    segments = question(data, "nps")["breakdown"]["segments"]
    assert [(s["code"], s["n"], s["is_too_small"]) for s in segments] == [
        ("female", 2, True),
        ("male", 0, True),
        ("other", 0, True),
    ]
    assert "30" in segments[0]["reason"]  # the reason, in the active language


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"segment": "gender"}, "segment"),
        ({"segment": ["gender:female", "age_band:18-24"]}, "segment"),
        ({"segment": "gender:robot"}, "segment_value"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"weighted": "true"}, "weighted"),
    ],
)
def test_bad_filters_answer_400_with_the_field(world, api, query, field):
    response = api.get(url(world), query)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
