"""Schemathesis fuzzes every operation of the OpenAPI schema against the app, in-process over WSGI.

Each operation gets ``EXAMPLES_PER_OPERATION`` generated requests (valid and invalid bodies and query
strings), sent with an owner's token and aimed at real seeded objects, so that most requests reach the
views instead of stopping at a 404. Every response must: not be a server error, use a documented
status code and content type, match the documented body schema, and, when it is an error, use the one
error format. Each request runs in a savepoint that is rolled back, so a DELETE in one example does
not starve the next of its object. Generation is derandomized: CI sees the same requests every run.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from analysis import services as analysis_services
from responses import services as response_services
from responses.models import Collector
from surveys import services as survey_services
from surveys.core.roles import Role
from tests.factories import UserFactory
from tests.responses.specs import COMPLETE_ANSWERS, build_spec
from tests.security import figures

# 89 operations today x 12 generated examples = 1,068, plus schemathesis's coverage phase (boundary values,
# missing fields, other methods): about 5,000 requests in under two minutes on two cores.
EXAMPLES_PER_OPERATION = 12
MIN_REQUESTS = 1000
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

pytestmark = pytest.mark.django_db

RAW_SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
schema = schemathesis.openapi.from_dict(RAW_SCHEMA)
APPLICATION = WSGIHandler()
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in RAW_SCHEMA["paths"].items()
    for method in item
    if method in {"get", "post", "put", "patch", "delete"}
)


@pytest.fixture(autouse=True)
def _requests_keep_the_test_transaction():
    # As Django's test client does: neither the start nor the end of a request may close the test's
    # connection (on PostgreSQL, request_started drops a connection that is inside a transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    cache.clear()  # the token endpoint's throttle counts in the cache
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    cache.clear()


@pytest.fixture
def world() -> dict:
    """An owner's workspace with a published survey of every question type, its objects and answers."""
    owner = UserFactory(email="owner@example.com")
    workspace = survey_services.create_workspace(name="Cửa hàng", owner=owner)
    member = survey_services.add_member(
        workspace=workspace, email=UserFactory(email="analyst@example.com").email, role=Role.ANALYST
    )
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=build_spec(), created_by=owner)
    survey_services.publish_survey(
        survey=survey, published_by=owner, override_reason="Fuzzed questionnaire", confirm_warnings=True
    )
    survey.refresh_from_db()
    public = response_services.create_collector(survey=survey, created_by=owner)
    invitations = response_services.create_collector(survey=survey, created_by=owner, kind=Collector.Kind.INVITATION)
    quota = response_services.create_quota(
        survey=survey, name="Nữ", question_key="gender", values=["female"], limit=100
    )
    for _ in range(3):
        response_services.submit_response(collector=public, submission_key=uuid.uuid4(), answers=COMPLETE_ANSWERS)
    target_set = analysis_services.create_target_set_from_preset(workspace=workspace, created_by=owner)
    page = survey.pages.order_by("position").first()
    question = survey.questions.filter(type="single_choice").order_by("id").first()
    return {
        "token": Token.objects.create(user=owner).key,
        "slug": {"workspace": workspace.slug, "survey": survey.slug, "public": public.slug},
        "member_id": member.id,
        "page_id": page.id,
        "question_id": question.id,
        "choice_id": question.choices.order_by("id").first().id,
        "number": 1,
        "public_collector_id": public.id,
        "invitation_collector_id": invitations.id,
        "quota_id": quota.id,
        "target_set_id": target_set.id,
        "image_format": "svg",
    }


def seeded_path_parameters(path: str, generated: dict, world: dict) -> dict:
    """Replace generated ids and slugs with the seeded objects' (other parameters stay generated)."""
    parameters = dict(generated)
    for name in parameters:
        if name == "slug":
            kind = "workspace" if path.startswith("/api/workspaces/") else "survey"
            parameters[name] = world["slug"]["public" if path.startswith("/api/public/") else kind]
        elif name == "collector_id":
            uses_invitations = "/invitations/" in path or "/contacts/" in path
            parameters[name] = world["invitation_collector_id" if uses_invitations else "public_collector_id"]
        elif name in world:
            parameters[name] = world[name]
    return parameters


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def assert_error_format(response) -> None:
    if response.status_code < 400:
        return
    # schemathesis keeps header names lowercased; every API error is JSON in the one format.
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), response.headers
    body = response.json()
    assert "error" in body, body  # some refusals add documented detail beside it (a publish's lint findings)
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"], body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    assert isinstance(body["error"]["fields"], dict), body


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(case, world):
    if case.path_parameters:
        case.path_parameters = seeded_path_parameters(case.path, case.path_parameters, world)
    headers = {"Authorization": f"Token {world['token']}"}
    with rolled_back():
        response = case.call(app=APPLICATION, headers=headers)
    # Counted per documented operation (the coverage phase also tries undocumented methods on its path).
    figures.api_requests[(case.operation.method.upper(), case.operation.path)] += 1
    if response.status_code >= 500:
        figures.api_server_errors.append(f"{case.method} {case.formatted_path}")
    case.validate_response(response, checks=CHECKS, headers=headers)
    assert_error_format(response)


def test_the_fuzzing_covered_every_operation_with_enough_requests():
    # Runs after the fuzzing, in the same process (pytest keeps a module's order; run it without xdist).
    if not figures.api_requests:
        pytest.fail("Run this module whole and in one process: the fuzzing did not run before this test.")
    missing = [operation for operation in OPERATIONS if operation not in figures.api_requests]
    assert missing == []
    assert sum(figures.api_requests.values()) >= MIN_REQUESTS
    assert figures.api_server_errors == []
