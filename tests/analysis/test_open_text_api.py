"""The open-answer API: start a run, poll it, read and edit themes, answers, overrides, segments."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from analysis import services_open_text as services
from analysis.models import OpenTextRun
from surveys.core.roles import Role
from tests.analysis.open_text_world import build_open_text_world, synthetic_answers
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_open_text_world()


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.owner)
    return client


def _url(name: str, world, **kwargs) -> str:
    return reverse(f"analysis:{name}", kwargs={"slug": world.survey.slug, "question_key": "improve", **kwargs})


def _analysed(world, n: int = 100):
    responses = world.add(synthetic_answers(n))
    run = services.start_open_text_run(survey=world.survey, question_key="improve")
    services.run_open_text_analysis(run_id=run.id)
    return responses


def test_start_run_and_poll_it(world, api, django_capture_on_commit_callbacks):
    world.add(synthetic_answers(80))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(_url("open-text-run-list", world), {"themes": 4}, format="json")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["mode"] == "discover" and body["settings"] == {"themes": 4, "lang": None}
    detail = api.get(reverse("analysis:open-text-run-detail", kwargs={"run_id": body["id"]})).json()
    assert detail["status"] == "succeeded" and detail["progress"] == 100 and detail["counts"]["answers"] == 80
    listing = api.get(_url("open-text-run-list", world)).json()
    assert listing["count"] == 1


def test_bad_run_requests_are_refused(world, api):
    assert api.post(_url("open-text-run-list", world), {"themes": 1}, format="json").status_code == 400
    assert api.post(_url("open-text-run-list", world), {"language": "fr"}, format="json").status_code == 400
    url = reverse("analysis:open-text-run-list", kwargs={"slug": world.survey.slug, "question_key": "area"})
    assert api.post(url, {}, format="json").status_code == 404
    OpenTextRun.objects.create(survey=world.survey, question_key="improve", status=OpenTextRun.Status.QUEUED)
    response = api.post(_url("open-text-run-list", world), {}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "run_in_progress"


def test_themes_list_detail_and_edit(world, api):
    _analysed(world)
    body = api.get(_url("open-text-theme-list", world)).json()
    assert body["n_answers"] == 100 and body["codebook_version"] == 1
    themes = [t for t in body["themes"] if not t["is_other"]]
    assert body["themes"][-1]["id"] == "other" and len(themes) >= 3
    first = themes[0]
    assert first["quotes"] and first["keywords"] and sum(first["sentiment"].values()) == first["n_answers"]
    detail = api.get(_url("open-text-theme-detail", world, theme_id=first["id"])).json()
    assert detail["label"] == first["label"]
    assert api.get(_url("open-text-theme-detail", world, theme_id="T999")).status_code == 404
    edit = api.post(
        _url("open-text-edit", world), {"op": "rename", "theme": first["id"], "label": "Giao hàng"}, format="json"
    )
    assert edit.status_code == 200, edit.json()
    assert edit.json()["codebook_version"] > 1 and edit.json()["reassign_run"] is None
    assert any(t["label"] == "Giao hàng" for t in edit.json()["themes"])
    missing = api.post(_url("open-text-edit", world), {"op": "rename", "theme": first["id"]}, format="json")
    assert missing.status_code == 400 and "label" in missing.json()["error"]["fields"]
    unknown = api.post(_url("open-text-edit", world), {"op": "delete", "theme": "T999"}, format="json")
    assert unknown.status_code == 400
    split = api.post(
        _url("open-text-edit", world),
        {
            "op": "split",
            "theme": first["id"],
            "parts": [{"label": "Chậm", "rules": ["chậm"]}, {"label": "Shipper", "rules": ["shipper"]}],
        },
        format="json",
    )
    assert split.status_code == 200, split.json()
    labels = {t["label"] for t in split.json()["themes"]}
    assert {"Chậm", "Shipper"} <= labels


def test_answers_paginated_filtered_and_overridden(world, api):
    responses = _analysed(world)
    page = api.get(_url("open-text-answer-list", world), {"sentiment": "negative"}).json()
    assert page["count"] > 0 and all(a["sentiment"] == "negative" for a in page["results"])
    answer = next(a for a in page["results"] if a["themes"] and a["themes"] != ["other"])
    assert answer["mentions"][0]["theme"] == answer["themes"][0]
    by_theme = api.get(_url("open-text-answer-list", world), {"theme": answer["themes"][0]}).json()
    assert all(answer["themes"][0] in a["themes"] for a in by_theme["results"])
    assert api.get(_url("open-text-answer-list", world), {"sentiment": "angry"}).status_code == 400
    url = _url("open-text-sentiment", world, response_id=answer["response"])
    put = api.put(url, {"sentiment": "positive"}, format="json")
    assert (
        put.status_code == 200 and put.json()["sentiment"] == "positive" and put.json()["sentiment_source"] == "analyst"
    )
    assert api.put(url, {"sentiment": "angry"}, format="json").status_code == 400
    assert api.delete(url).json()["sentiment_source"] == "model"
    other = _url("open-text-sentiment", world, response_id=responses[-1].id + 1000)
    assert api.put(other, {"sentiment": "positive"}, format="json").status_code == 404


def test_segments(world, api):
    world.add(synthetic_answers(200))
    run = services.start_open_text_run(survey=world.survey, question_key="improve")
    services.run_open_text_analysis(run_id=run.id)
    body = api.get(_url("open-text-segments", world)).json()
    by_variable = {c["variable"]: c for c in body}
    assert set(by_variable) == {"area", "nps"}
    area = by_variable["area"]
    assert area["family_size"] == sum(1 for c in area["cells"] if c["is_tested"]) and area["min_n"] == 30
    assert any(c["is_significant"] and c["segment"] == "rural" for c in area["cells"])
    assert api.get(_url("open-text-segments", world), {"min_n": "x"}).status_code == 400
    assert api.get(_url("open-text-segments", world), {"min_n": "2"}).status_code == 400


def test_viewer_reads_but_cannot_edit(world):
    _analysed(world, 40)
    viewer = UserFactory()
    MembershipFactory(workspace=world.survey.workspace, user=viewer, role=Role.VIEWER)
    client = APIClient()
    client.force_authenticate(viewer)
    assert client.get(_url("open-text-theme-list", world)).status_code == 200
    assert client.post(_url("open-text-edit", world), {"op": "delete", "theme": "T1"}, format="json").status_code == 403
    assert client.post(_url("open-text-run-list", world), {}, format="json").status_code == 403
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    assert stranger.get(_url("open-text-theme-list", world)).status_code == 404
