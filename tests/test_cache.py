"""The Redis cache when Redis cannot be reached: it answers like an empty cache, and respondents still submit.

"Down" is real: the cache points at a port where nothing listens, so every connection is refused.
Redis stopped under gunicorn is tests/faults/test_redis_down.py (``make test-faults``).
"""

import time
import uuid

import pytest
from django.core.cache import caches
from django.urls import reverse
from rest_framework.test import APIClient

from config.cache import ResilientRedisCache
from responses import services as response_services
from responses.models import Response
from surveys import services as survey_services
from tests.analysis.insights_world import create_insight_survey, synthetic_answers
from tests.factories import UserFactory

DOWN = {
    "default": {
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1: connections are refused
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def down(settings) -> ResilientRedisCache:
    settings.CACHES = DOWN
    return caches["default"]


def test_every_operation_answers_like_an_empty_cache(down):
    assert isinstance(down, ResilientRedisCache)
    assert down.add("k", 1, timeout=10) is True
    assert down.get("k", "default") == "default"
    assert down.set("k", 1) is None
    assert down.get_many(["k"]) == {}
    assert down.has_key("k") is False
    assert down.delete("k") is False
    with pytest.raises(ValueError):
        down.incr("k")  # what a cache without the key answers: callers already handle it
    assert down.set_many({"a": 1}) == ["a"]


def test_after_a_failure_it_leaves_redis_alone_for_a_pause(down):
    assert down.get("k") is None
    assert down._down_until > time.monotonic() + down.PAUSE_SECONDS - 1
    started = time.monotonic()
    for _ in range(100):
        down.add("k", 1)
    assert time.monotonic() - started < 0.5  # no connection attempt per operation


def test_a_respondent_submits_while_the_cache_is_down(db, down):
    owner = UserFactory()
    survey = create_insight_survey(survey_services.create_workspace(name="Cửa hàng", owner=owner), owner)
    collector = response_services.create_collector(survey=survey, created_by=owner)
    (answers,) = synthetic_answers(1, seed=3, planted=False)
    body = {"submission_key": str(uuid.uuid4()), "answers": answers}
    url = reverse("responses:public-response-create", kwargs={"slug": collector.slug})
    response = APIClient().post(url, body, format="json")
    assert response.status_code == 201, response.content
    stored = Response.objects.get(id=response.json()["id"])
    assert stored.answers == answers and stored.status == Response.Status.COMPLETE
