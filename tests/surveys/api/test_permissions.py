"""Who may call which endpoint: one table of every endpoint, checked for every kind of caller.

Adding an endpoint means adding one row to ENDPOINTS; test_every_api_route_is_in_the_table
fails until it is there.
"""

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.response import Response
from rest_framework.test import APIClient

from analysis import export as analysis_export
from analysis import services as analysis_services
from analysis import services_insights as insight_services
from analysis.models import Insight
from responses import services as response_services
from responses.models import Invitation
from surveys import selectors, services
from surveys.core.roles import Capability, Role, has_capability
from surveys.models import Survey
from tests.analysis.conftest import add_responses as add_finished_responses
from tests.analysis.insights_world import add_responses as add_insight_responses
from tests.analysis.insights_world import create_insight_survey, synthetic_answers
from tests.analysis.open_text_world import OpenTextWorld, create_open_text_survey
from tests.analysis.open_text_world import synthetic_answers as open_text_answers
from tests.factories import MembershipFactory, UserFactory
from tests.surveys.api.conftest import World

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Endpoint:
    name: str  # URL name in the "surveys" namespace, or "namespace:name" for another app's API
    method: str
    needs: Capability | None  # None: any signed-in user may call it
    kwargs: Callable[[World], dict[str, Any]] = lambda world: {}
    query: Callable[[World], str] | None = None
    body: Callable[[World], dict[str, Any]] | None = None
    multipart: bool = False

    def url(self, world: World) -> str:
        query = self.query(world) if self.query else ""
        return reverse(self.qualified_name, kwargs=self.kwargs(world)) + query

    @property
    def qualified_name(self) -> str:
        return self.name if ":" in self.name else f"surveys:{self.name}"

    def __str__(self) -> str:
        return f"{self.method} {self.name}{'?…' if self.query else ''}"


def _workspace(world: World) -> dict[str, Any]:
    return {"slug": world.workspace.slug}


def _survey(world: World) -> dict[str, Any]:
    return {"slug": world.survey.slug}


def _published(world: World) -> dict[str, Any]:
    return {"slug": world.published.slug}


def _import_body(world: World) -> dict[str, Any]:
    workbook = selectors.render_survey_xlsform(survey=world.survey)
    return {"workspace": world.workspace.slug, "file": SimpleUploadedFile("survey.xlsx", workbook, XLSX)}


def _collector(world: World) -> dict[str, Any]:
    return {"collector_id": response_services.create_collector(survey=world.published).id}


def _quota(world: World) -> dict[str, Any]:
    quota = response_services.create_quota(survey=world.published, name="Có", question_key="q1", values=["a"], limit=10)
    return {"quota_id": quota.id}


def _invitation_collector(world: World) -> dict[str, Any]:
    collector = response_services.create_collector(survey=world.published, kind="invitation")
    response_services.import_contacts(collector=collector, file=io.BytesIO(b"email\nan@example.vn\n"))
    return {"collector_id": collector.id}


def _invited_collector(world: World) -> dict[str, Any]:
    kwargs = _invitation_collector(world)
    ids = list(Invitation.objects.filter(collector_id=kwargs["collector_id"]).values_list("id", flat=True))
    response_services.send_invitations(
        collector_id=kwargs["collector_id"], invitation_ids=ids, base_url="http://testserver"
    )
    return kwargs


def _contacts_body(world: World) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("contacts.csv", b"email,name\nbinh@example.vn,Binh\n", "text/csv")}


def _responses_body(world: World) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("kobo.csv", b"q1,q2\na,Lan\n", "text/csv")}


TARGETS = [{"name": "satisfied", "categories": [{"code": "yes", "value": 0.6}, {"code": "no", "value": 0.4}]}]


def _target_set(world: World) -> dict[str, Any]:
    target_set = analysis_services.create_target_set(workspace=world.workspace, name="Khách", variables=TARGETS)
    return {"target_set_id": target_set.id}


def _mapping_body(world: World) -> dict[str, Any]:
    target_set = analysis_services.create_target_set(workspace=world.workspace, name="Khách 2", variables=TARGETS)
    recoding = {"a": "yes", "b": "no"}
    return {"target_set": target_set.id, "variables": {"satisfied": {"question_key": "q1", "recoding": recoding}}}


def _mapped(world: World) -> dict[str, Any]:
    target_set = analysis_services.create_target_set(workspace=world.workspace, name="Khách 3", variables=TARGETS)
    variables = {"satisfied": {"question_key": "q1", "recoding": {"a": "yes", "b": "no"}}}
    analysis_services.save_target_mapping(survey=world.published, target_set=target_set, variables=variables)
    return _published(world)


def _run(world: World) -> dict[str, Any]:
    _mapped(world)
    return {"run_id": analysis_services.create_weighting_run(survey=world.published).id}


def _weighted(world: World) -> dict[str, Any]:
    """The published survey with finished responses and current weights."""
    _mapped(world)
    add_finished_responses(world.published, [{"q1": "a"}] * 3 + [{"q1": "b"}])
    analysis_services.run_weighting(run_id=analysis_services.create_weighting_run(survey=world.published).id)
    return _published(world)


def _export_job(world: World) -> dict[str, Any]:
    job = analysis_export.start_export(survey=world.published, request=analysis_export.ExportRequest())
    analysis_export.run_export_job(job_id=job.id)
    return {"job_id": job.id}


@pytest.fixture(autouse=True)
def _exports_in_a_temporary_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _targets_file(world: World) -> dict[str, Any]:
    data = b"variable,category,share\nsex,female,0.5\nsex,male,0.5\n"
    return {"name": "Tệp", "file": SimpleUploadedFile("targets.csv", data, "text/csv")}


def _insight_survey(world: World) -> dict[str, Any]:
    survey = create_insight_survey(world.workspace, world.founder)
    add_insight_responses(survey, synthetic_answers(40, seed=3, planted=True))
    return {"slug": survey.slug}


def _insight(world: World) -> dict[str, Any]:
    survey = Survey.objects.get(slug=_insight_survey(world)["slug"])
    insight = Insight.objects.create(
        survey=survey,
        fingerprint="segment:aspects.delivery_speed:mean:age_band:0",
        kind="segment_difference",
        question_key="aspects.delivery_speed",
        segment_variable="age_band",
        segment=0,
        direction="lower",
        statement_vi="Khách 18–24 tuổi chấm tốc độ giao hàng thấp hơn.",
        statement_en="Customers aged 18–24 rate delivery speed lower.",
        evidence={"estimate": "mean", "effect_size_name": "cohens_d", "effect_size": -0.8},
    )
    return {"insight_id": insight.id}


def _benchmark(world: World) -> dict[str, Any]:
    from analysis.models import Benchmark

    survey = Survey.objects.get(slug=_insight_survey(world)["slug"])
    benchmark = Benchmark.objects.create(survey=survey, variable="aspects.delivery_speed", estimate="mean", value=3.5)
    return {"benchmark_id": benchmark.id}


def _analysis_run(world: World) -> dict[str, Any]:
    survey = Survey.objects.get(slug=_insight_survey(world)["slug"])
    return {"run_id": insight_services.create_analysis_run(survey=survey).id}


def _open_question(world: World) -> dict[str, Any]:
    survey = create_open_text_survey(world.workspace, world.founder)
    return {"slug": survey.slug, "question_key": "improve"}


def _open_text_analysed(world: World) -> dict[str, Any]:
    from analysis import services_open_text

    kwargs = _open_question(world)
    survey = Survey.objects.get(slug=kwargs["slug"])
    OpenTextWorld(world.founder, survey).add(open_text_answers(40))
    services_open_text.analyse_question(survey=survey, question_key="improve", mode="discover")
    return kwargs


def _open_text_run(world: World) -> dict[str, Any]:
    from analysis import services_open_text

    kwargs = _open_question(world)
    survey = Survey.objects.get(slug=kwargs["slug"])
    return {"run_id": services_open_text.start_open_text_run(survey=survey, question_key="improve").id}


def _open_text_theme(world: World) -> dict[str, Any]:
    from analysis.models import OpenTextCodebook

    kwargs = _open_text_analysed(world)
    codebook = OpenTextCodebook.objects.get(survey__slug=kwargs["slug"])
    return {**kwargs, "theme_id": codebook.data["themes"][0]["id"]}


def _open_text_answer(world: World) -> dict[str, Any]:
    from analysis.models import AnswerAnalysis

    kwargs = _open_text_analysed(world)
    answer = AnswerAnalysis.objects.filter(survey__slug=kwargs["slug"], is_non_answer=False).first()
    return {**kwargs, "response_id": answer.response_id}


VIEW, EDIT, MANAGE, ANALYSE = Capability.VIEW, Capability.EDIT, Capability.MANAGE, Capability.ANALYSE

ENDPOINTS = [
    Endpoint("workspace-list", "GET", None),
    Endpoint("workspace-list", "POST", None, body=lambda w: {"name": "Tiệm bánh"}),
    Endpoint("workspace-detail", "GET", VIEW, _workspace),
    Endpoint("workspace-detail", "PATCH", MANAGE, _workspace, body=lambda w: {"name": "Quán mới"}),
    Endpoint("workspace-detail", "DELETE", MANAGE, _workspace),
    Endpoint("member-list", "GET", VIEW, _workspace),
    Endpoint("member-list", "POST", MANAGE, _workspace, body=lambda w: {"email": w.newcomer.email, "role": "viewer"}),
    Endpoint("member-detail", "GET", VIEW, lambda w: {**_workspace(w), "member_id": w.colleague_membership.id}),
    Endpoint(
        "member-detail",
        "PATCH",
        MANAGE,
        lambda w: {**_workspace(w), "member_id": w.colleague_membership.id},
        body=lambda w: {"role": "analyst"},
    ),
    Endpoint("member-detail", "DELETE", MANAGE, lambda w: {**_workspace(w), "member_id": w.colleague_membership.id}),
    Endpoint("audit-log", "GET", MANAGE, _workspace),
    Endpoint("audit-log", "GET", MANAGE, _workspace, query=lambda w: "?action=created&since=2020-01-01&page_size=5"),
    Endpoint("survey-list", "GET", None),
    Endpoint("survey-list", "GET", VIEW, query=lambda w: f"?workspace={w.workspace.slug}"),
    Endpoint(
        "survey-list", "POST", EDIT, body=lambda w: {"workspace": w.workspace.slug, "title": {"vi": "Khảo sát mới"}}
    ),
    Endpoint("survey-import", "POST", EDIT, body=_import_body, multipart=True),
    Endpoint("survey-detail", "GET", VIEW, _survey),
    Endpoint("survey-detail", "PATCH", EDIT, _survey, body=lambda w: {"target_margin_of_error": 0.05}),
    Endpoint("survey-detail", "DELETE", EDIT, _survey),
    Endpoint("survey-questionnaire", "GET", VIEW, _survey),
    Endpoint("survey-export", "GET", VIEW, _survey),
    Endpoint("survey-publish", "POST", EDIT, _survey, body=lambda w: {}),
    Endpoint("survey-lint", "GET", VIEW, _survey),
    Endpoint("lint-question", "POST", None, body=lambda w: {"text": "Bạn có thích website mới tuyệt vời không?"}),
    Endpoint("lint-rule-list", "GET", None),
    Endpoint("survey-close", "POST", EDIT, _published),
    Endpoint("survey-reopen", "POST", EDIT, lambda w: {"slug": w.closed.slug}),
    Endpoint("survey-archive", "POST", EDIT, _survey),
    Endpoint("page-list", "GET", VIEW, _survey),
    Endpoint("page-list", "POST", EDIT, _survey, body=lambda w: {"title": {"vi": "Trang 3"}}),
    Endpoint("page-detail", "GET", VIEW, lambda w: {"page_id": w.page.id}),
    Endpoint(
        "page-detail", "PATCH", EDIT, lambda w: {"page_id": w.page.id}, body=lambda w: {"title": {"vi": "Mở đầu"}}
    ),
    Endpoint("page-detail", "DELETE", EDIT, lambda w: {"page_id": w.spare_page.id}),
    Endpoint("question-list", "GET", VIEW, _survey),
    Endpoint(
        "question-list",
        "POST",
        EDIT,
        _survey,
        body=lambda w: {"page": w.page.id, "type": "long_text", "text": {"vi": "Góp ý?"}},
    ),
    Endpoint("question-detail", "GET", VIEW, lambda w: {"question_id": w.question.id}),
    Endpoint(
        "question-detail",
        "PATCH",
        EDIT,
        lambda w: {"question_id": w.question.id},
        body=lambda w: {"required": True},
    ),
    Endpoint("question-detail", "DELETE", EDIT, lambda w: {"question_id": w.spare_question.id}),
    Endpoint(
        "question-move", "POST", EDIT, lambda w: {"question_id": w.spare_question.id}, body=lambda w: {"position": 0}
    ),
    Endpoint("choice-list", "GET", VIEW, lambda w: {"question_id": w.question.id}),
    Endpoint(
        "choice-list", "POST", EDIT, lambda w: {"question_id": w.question.id}, body=lambda w: {"label": {"vi": "Tạm"}}
    ),
    Endpoint("choice-detail", "GET", VIEW, lambda w: {"choice_id": w.choice.id}),
    Endpoint(
        "choice-detail", "PATCH", EDIT, lambda w: {"choice_id": w.choice.id}, body=lambda w: {"label": {"vi": "Rất có"}}
    ),
    Endpoint("choice-detail", "DELETE", EDIT, lambda w: {"choice_id": w.choice.id}),
    Endpoint("survey-plan", "GET", VIEW, _survey),
    Endpoint(
        "survey-plan",
        "PUT",
        EDIT,
        _survey,
        body=lambda w: {"target_population": 1000, "target_margin_of_error": 0.05, "target_response_rate": 0.2},
    ),
    Endpoint("sample-size-proportion", "POST", None, body=lambda w: {"margin": 0.05}),
    Endpoint("sample-size-margin", "POST", None, body=lambda w: {"n": 400}),
    Endpoint("sample-size-mean", "POST", None, body=lambda w: {"sd": 1.2, "margin": 0.1}),
    Endpoint("sample-size-invitations", "POST", None, body=lambda w: {"n": 278, "response_rate": 0.2}),
    Endpoint("sample-size-two-proportions", "POST", None, body=lambda w: {"p1": 0.2, "p2": 0.25}),
    Endpoint("sample-size-two-means", "POST", None, body=lambda w: {"effect_size": 0.5}),
    Endpoint("sample-size-chi-square", "POST", None, body=lambda w: {"effect_size": 0.3, "df": 3}),
    Endpoint("sample-size-segments", "POST", None, body=lambda w: {"segments": 3, "difference": 0.1}),
    Endpoint("sample-size-segment-margins", "POST", None, body=lambda w: {"counts": {"Hà Nội": 120}}),
    Endpoint("version-list", "GET", VIEW, _published),
    Endpoint("version-detail", "GET", VIEW, lambda w: {**_published(w), "number": 1}),
    Endpoint("version-diff", "GET", VIEW, _published, query=lambda w: "?from=1&to=2"),
    Endpoint("responses:collector-list", "GET", VIEW, _published),
    Endpoint("responses:collector-list", "POST", EDIT, _published, body=lambda w: {"max_responses": 300}),
    Endpoint("responses:collector-detail", "GET", VIEW, _collector),
    Endpoint("responses:collector-detail", "PATCH", EDIT, _collector, body=lambda w: {"anonymous": True}),
    Endpoint("responses:quota-list", "GET", VIEW, _published),
    Endpoint(
        "responses:quota-list",
        "POST",
        EDIT,
        _published,
        body=lambda w: {"name": "Có", "question_key": "q1", "values": ["a"], "limit": 5},
    ),
    Endpoint("responses:quota-detail", "GET", VIEW, _quota),
    Endpoint("responses:quota-detail", "DELETE", EDIT, _quota),
    Endpoint("responses:response-list", "GET", ANALYSE, _published),
    Endpoint("results:survey-results", "GET", VIEW, _published),
    Endpoint("results:survey-results", "GET", VIEW, _published, query=lambda w: "?breakdown=q1&include_partial=true"),
    Endpoint("responses:response-import", "POST", ANALYSE, _published, body=_responses_body, multipart=True),
    Endpoint("responses:contact-upload", "POST", EDIT, _invitation_collector, body=_contacts_body, multipart=True),
    Endpoint("responses:invitation-list", "GET", EDIT, _invitation_collector),
    Endpoint("responses:invitation-send", "POST", EDIT, _invitation_collector, body=lambda w: {}),
    Endpoint("responses:invitation-remind", "POST", EDIT, _invited_collector, body=lambda w: {}),
    Endpoint(
        "responses:invitation-progress",
        "GET",
        EDIT,
        lambda w: {**_invitation_collector(w), "task_id": "5b0f8d5e-3c1a-4f49-9a51-7f0c2f6d1e21"},
    ),
    Endpoint("responses:collector-qr", "GET", VIEW, lambda w: {**_collector(w), "image_format": "svg"}),
    Endpoint("analysis:target-set-list", "GET", VIEW, _workspace),
    Endpoint(
        "analysis:target-set-list", "POST", ANALYSE, _workspace, body=lambda w: {"name": "Mới", "variables": TARGETS}
    ),
    Endpoint("analysis:target-set-upload", "POST", ANALYSE, _workspace, body=_targets_file, multipart=True),
    Endpoint(
        "analysis:target-set-preset", "POST", ANALYSE, _workspace, body=lambda w: {"preset": "vietnam_census_2019"}
    ),
    Endpoint("analysis:target-set-detail", "GET", VIEW, _target_set),
    Endpoint(
        "analysis:target-set-detail", "PUT", ANALYSE, _target_set, body=lambda w: {"name": "Đổi", "variables": TARGETS}
    ),
    Endpoint("analysis:target-set-detail", "DELETE", ANALYSE, _target_set),
    Endpoint("analysis:target-mapping", "GET", VIEW, _mapped),
    Endpoint("analysis:target-mapping", "PUT", ANALYSE, _published, body=_mapping_body),
    Endpoint("analysis:target-mapping", "DELETE", ANALYSE, _mapped),
    Endpoint("analysis:representativeness", "GET", VIEW, _mapped),
    Endpoint("analysis:weighting-run-list", "GET", VIEW, _published),
    Endpoint("analysis:weighting-run-list", "POST", ANALYSE, _mapped, body=lambda w: {"upper_bound": 5}),
    Endpoint("analysis:survey-weights", "DELETE", ANALYSE, _weighted),
    Endpoint("analysis:weighting-run-detail", "GET", VIEW, _run),
    Endpoint("analysis:weighting-run-weights", "GET", VIEW, _run),
    Endpoint("analysis:analysis-run-list", "GET", VIEW, _insight_survey),
    Endpoint("analysis:analysis-run-list", "POST", ANALYSE, _insight_survey, body=lambda w: {"alpha": 0.05}),
    Endpoint("analysis:analysis-run-detail", "GET", VIEW, _analysis_run),
    Endpoint("analysis:insight-list", "GET", VIEW, _insight_survey, query=lambda w: "?status=candidate"),
    Endpoint("analysis:insight-detail", "GET", VIEW, _insight),
    Endpoint("analysis:insight-transition", "POST", ANALYSE, _insight, body=lambda w: {"status": "accepted"}),
    Endpoint("analysis:insight-tracking", "POST", ANALYSE, _insight, body=lambda w: {"metric": "CSAT"}),
    Endpoint("analysis:insight-crosstab", "GET", VIEW, _insight),
    Endpoint("analysis:benchmark-list", "GET", VIEW, _insight_survey),
    Endpoint(
        "analysis:benchmark-list",
        "POST",
        ANALYSE,
        _insight_survey,
        body=lambda w: {"target": "aspects.delivery_speed|", "value": 3.5},
    ),
    Endpoint("analysis:benchmark-detail", "DELETE", ANALYSE, _benchmark),
    Endpoint("analysis:previous-wave", "GET", VIEW, _insight_survey),
    Endpoint("analysis:previous-wave", "PUT", ANALYSE, _insight_survey, body=lambda w: {"previous": None}),
    Endpoint("analysis:open-text-run-list", "GET", VIEW, _open_question),
    Endpoint("analysis:open-text-run-list", "POST", ANALYSE, _open_question, body=lambda w: {"themes": 3}),
    Endpoint("analysis:open-text-run-detail", "GET", VIEW, _open_text_run),
    Endpoint("analysis:open-text-theme-list", "GET", VIEW, _open_text_analysed),
    Endpoint("analysis:open-text-theme-detail", "GET", VIEW, _open_text_theme),
    Endpoint(
        "analysis:open-text-edit", "POST", ANALYSE, _open_text_analysed, body=lambda w: {"op": "add", "label": "Mới"}
    ),
    Endpoint("analysis:open-text-answer-list", "GET", VIEW, _open_text_analysed, query=lambda w: "?sentiment=negative"),
    Endpoint("analysis:open-text-sentiment", "PUT", ANALYSE, _open_text_answer, body=lambda w: {"sentiment": "mixed"}),
    Endpoint("analysis:open-text-sentiment", "DELETE", ANALYSE, _open_text_answer),
    Endpoint("analysis:open-text-segments", "GET", VIEW, _open_text_analysed),
    Endpoint("analysis:export-list", "GET", ANALYSE, _published),
    Endpoint("analysis:export-list", "POST", ANALYSE, _published, body=lambda w: {"format": "csv", "codes": True}),
    Endpoint("analysis:export-detail", "GET", ANALYSE, _export_job),
    Endpoint("analysis:export-download", "GET", ANALYSE, _export_job),
]

# Reachable without signing in; their behaviour is tested in test_auth.py and tests/test_openapi.py.
PUBLIC = {("surveys:token-obtain", "POST"), ("api-schema", "GET"), ("api-docs", "GET"), ("api-redoc", "GET")}
# Respondents submit without an account (tests/responses/test_api.py).
PUBLIC |= {("responses:public-response-create", "POST")}

ACTORS = ["anonymous", "outsider", *[role.value for role in Role]]


def expected_status(endpoint: Endpoint, actor: str) -> int:
    """Return the status the actor must get, with 200 standing for any 2xx."""
    if actor == "anonymous":
        return 401
    if endpoint.needs is None:
        return 200
    if actor == "outsider":
        return 404
    return 200 if has_capability(actor, endpoint.needs) else 403


def client_for(actor: str, world: World) -> APIClient:
    client = APIClient()
    if actor == "anonymous":
        return client
    user = UserFactory()
    if actor == "outsider":
        # An owner of another workspace must not even learn that this one's objects exist.
        services.create_workspace(name="Đối thủ", owner=user)
    else:
        MembershipFactory(workspace=world.workspace, user=user, role=actor)
    client.force_authenticate(user)
    return client


def call(endpoint: Endpoint, client: APIClient, world: World) -> Response:
    url = endpoint.url(world)
    if endpoint.body is None:
        return client.generic(endpoint.method, url)
    send = getattr(client, endpoint.method.lower())
    return send(url, endpoint.body(world), format="multipart" if endpoint.multipart else "json")


def outcome(response: Response) -> int:
    """Return 200 for any success, else the status code."""
    return 200 if 200 <= response.status_code < 300 else response.status_code


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_endpoint_answers_each_caller_by_role(endpoint, actor, world):
    response = call(endpoint, client_for(actor, world), world)
    assert outcome(response) == expected_status(endpoint, actor), response.content
    assert response.status_code < 300 or set(response.json()["error"]) == {"code", "message", "fields"}


def _api_routes(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, set[str]]]:
    """Yield (route, URL name, HTTP methods) for every URL the project serves."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _api_routes(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "view_class", None)
            # A function view may answer any method, so it can only match the table as "ANY".
            methods = {m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m)}
            yield route, f"{namespace}{pattern.name}", methods if view_class else {"ANY"}


def test_every_api_route_is_in_the_table():
    served = {
        (name, method)
        for route, name, methods in _api_routes(get_resolver().url_patterns)
        if route.startswith("api/")
        for method in methods
    }
    listed = {(endpoint.qualified_name, endpoint.method) for endpoint in ENDPOINTS} | PUBLIC
    assert served == listed


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("name", ["version-list", "version-detail", "version-diff"])
def test_published_versions_cannot_be_changed_through_the_api(name, method, world, owner_client):
    kwargs = {**_published(world), "number": 1} if name == "version-detail" else _published(world)
    response = owner_client.generic(method, reverse(f"surveys:{name}", kwargs=kwargs))
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
