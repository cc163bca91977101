"""The insight API: analysis runs, candidate insights, the analyst's workflow and an insight's crosstab.

Permissions come from the selectors (not a member: 404, lacking the capability: 403): reading
needs ``view``; starting a run, deciding about insights and recording their tracking need
``analyse``.
"""

from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse

from analysis import selectors_insights, services_insights
from analysis.models import Insight
from analysis.serializers_insights import (
    AnalysisRunInputSerializer,
    AnalysisRunOutputSerializer,
    BenchmarkInputSerializer,
    BenchmarkListOutputSerializer,
    BenchmarkOutputSerializer,
    CrosstabOutputSerializer,
    InsightDetailOutputSerializer,
    InsightOutputSerializer,
    InsightTrackingInputSerializer,
    InsightTransitionInputSerializer,
    PreviousWaveInputSerializer,
    PreviousWaveOutputSerializer,
)
from surveys import selectors as survey_selectors
from surveys.api import SURVEY_SLUG, JsonApi, PaginatedApi, errors, validated
from surveys.core.roles import Capability
from surveys.errors import NotFound

TAG = "insights"
RUN_ID = OpenApiParameter("run_id", int, OpenApiParameter.PATH, description="The analysis run's id.")
INSIGHT_ID = OpenApiParameter("insight_id", int, OpenApiParameter.PATH, description="The insight's id.")
FILTERS = [
    OpenApiParameter(
        "status", str, description="Only insights with this status: " + ", ".join(Insight.Status.values) + "."
    ),
    OpenApiParameter("kind", str, description="Only insights of this kind: " + ", ".join(Insight.Kind.values) + "."),
    OpenApiParameter("question", str, description="Only insights about this question (or theme, or rating) key."),
    OpenApiParameter("current", bool, description="Only insights found by the latest run."),
]


class AnalysisRunListApi(PaginatedApi):
    @extend_schema(
        tags=[TAG],
        summary="List the survey's analysis runs, newest first",
        parameters=[SURVEY_SLUG],
        responses={200: AnalysisRunOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
        runs = selectors_insights.list_runs(survey=survey).select_related("survey")
        return self.paginated(request, runs, AnalysisRunOutputSerializer)

    @extend_schema(
        tags=[TAG],
        summary="Start the candidate-insight analysis of the survey (a background task; poll the run)",
        parameters=[SURVEY_SLUG],
        request=AnalysisRunInputSerializer,
        responses={202: AnalysisRunOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
        data = validated(AnalysisRunInputSerializer, request.data)
        run = services_insights.start_analysis(survey=survey, created_by=request.user, options=data)
        run = selectors_insights.get_run_of_survey(survey=survey, run_id=run.id)
        return ApiResponse(AnalysisRunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class AnalysisRunDetailApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Show an analysis run: status, progress, settings, family sizes, warnings",
        parameters=[RUN_ID],
        responses={200: AnalysisRunOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, run_id: int) -> ApiResponse:
        run = selectors_insights.get_run_for_user(run_id=run_id, user=request.user)
        return ApiResponse(AnalysisRunOutputSerializer(run).data)


class InsightListApi(PaginatedApi):
    @extend_schema(
        tags=[TAG],
        summary="List the survey's insights, current first and by rank",
        parameters=[SURVEY_SLUG, *FILTERS],
        responses={200: InsightOutputSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
        current = request.query_params.get("current", "").lower() in ("true", "1")
        insights = selectors_insights.list_insights(
            survey=survey,
            status=request.query_params.get("status", ""),
            kind=request.query_params.get("kind", ""),
            question=request.query_params.get("question", ""),
            current_only=current,
        )
        return self.paginated(request, insights, InsightOutputSerializer)


class InsightDetailApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Show an insight with its evidence, criteria, validation plans and history",
        parameters=[INSIGHT_ID],
        responses={200: InsightDetailOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, insight_id: int) -> ApiResponse:
        insight = selectors_insights.get_insight_for_user(insight_id=insight_id, user=request.user)
        return ApiResponse(InsightDetailOutputSerializer(insight).data)


class InsightTransitionApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Move an insight along the workflow: accept, reject, validate with a plan, confirm, refute",
        description="candidate → accepted | rejected (reason required); accepted → validating (plan_kind "
        "required; the plan is sized from the evidence unless p1/p2 or effect_size are given) | rejected; "
        "validating → confirmed | refuted; rejected → candidate (reopen).",
        parameters=[INSIGHT_ID],
        request=InsightTransitionInputSerializer,
        responses={200: InsightDetailOutputSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, insight_id: int) -> ApiResponse:
        insight = selectors_insights.get_insight_for_user(
            insight_id=insight_id, user=request.user, capability=Capability.ANALYSE
        )
        data = validated(InsightTransitionInputSerializer, request.data)
        plan_parameters = {k: data[k] for k in ("p1", "p2", "effect_size", "alpha", "power") if k in data}
        services_insights.transition_insight(
            insight=insight,
            to_status=data["status"],
            actor=request.user,
            reason=data.get("reason", ""),
            plan_kind=data.get("plan_kind"),
            plan_parameters=plan_parameters,
            plan_notes=data.get("plan_notes", ""),
        )
        insight = selectors_insights.get_insight_of_survey(survey=insight.survey, insight_id=insight.id)
        return ApiResponse(InsightDetailOutputSerializer(insight).data)


class InsightTrackingApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Record the Insight → Metric → Action → Expected result → Actual result record, impact and effort",
        parameters=[INSIGHT_ID],
        request=InsightTrackingInputSerializer,
        responses={200: InsightDetailOutputSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, insight_id: int) -> ApiResponse:
        insight = selectors_insights.get_insight_for_user(
            insight_id=insight_id, user=request.user, capability=Capability.ANALYSE
        )
        data = validated(InsightTrackingInputSerializer, request.data)
        services_insights.update_tracking(insight=insight, actor=request.user, **data)
        insight = selectors_insights.get_insight_of_survey(survey=insight.survey, insight_id=insight.id)
        return ApiResponse(InsightDetailOutputSerializer(insight).data)


class InsightCrosstabApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="The insight's question × segment table from the current answers, with its tests",
        parameters=[INSIGHT_ID],
        responses={200: CrosstabOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, insight_id: int) -> ApiResponse:
        insight = selectors_insights.get_insight_for_user(insight_id=insight_id, user=request.user)
        crosstab = selectors_insights.crosstab_for_insight(insight=insight)
        if crosstab is None:
            raise NotFound(
                _("This insight has no crosstab: KPI drivers and themes are not a question × segment table."),
                code="no_crosstab",
            )
        language = (translation.get_language() or "vi")[:2]
        body = selectors_insights.crosstab_as_dict(insight=insight, crosstab=crosstab, language=language)
        return ApiResponse(CrosstabOutputSerializer(body).data)


BENCHMARK_ID = OpenApiParameter("benchmark_id", int, OpenApiParameter.PATH, description="The benchmark's id.")


def _benchmark_list(survey) -> dict:
    language = (translation.get_language() or "vi")[:2]
    page = selectors_insights.benchmark_page(survey=survey, language=language)
    return {"benchmarks": page["benchmarks"], "targets": page["targets"], "segments": page["segments"]}


class BenchmarkListApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="List the benchmarks entered for the survey and what a benchmark can be entered for",
        parameters=[SURVEY_SLUG],
        responses={200: BenchmarkListOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
        return ApiResponse(BenchmarkListOutputSerializer(_benchmark_list(survey)).data)

    @extend_schema(
        tags=[TAG],
        summary="Enter an expected value (a share in percent or a mean), for everyone or one segment group",
        description="Replaces the benchmark already entered for the same target and segment group. The next "
        "analysis run tests the current estimate against it and judges the 'surprising' criterion by it.",
        parameters=[SURVEY_SLUG],
        request=BenchmarkInputSerializer,
        responses={201: BenchmarkOutputSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
        data = validated(BenchmarkInputSerializer, request.data)
        benchmark = services_insights.create_benchmark(survey=survey, actor=request.user, **data)
        return ApiResponse(BenchmarkOutputSerializer(benchmark).data, status=status.HTTP_201_CREATED)


class BenchmarkDetailApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Delete a benchmark",
        parameters=[BENCHMARK_ID],
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request: Request, benchmark_id: int) -> ApiResponse:
        benchmark = selectors_insights.get_benchmark_for_user(
            benchmark_id=benchmark_id, user=request.user, capability=Capability.ANALYSE
        )
        services_insights.delete_benchmark(benchmark=benchmark)
        return ApiResponse(status=status.HTTP_204_NO_CONTENT)


def _previous_wave(survey) -> dict:
    previous = selectors_insights.get_previous_wave(survey=survey)
    return {
        "survey": survey.slug,
        "previous": previous.slug if previous else None,
        "previous_title": previous.display_title() if previous else None,
        "choices": [
            {"slug": choice.slug, "title": choice.display_title()}
            for choice in selectors_insights.previous_wave_choices(survey=survey)
        ],
    }


class PreviousWaveApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Show which earlier survey this survey is compared with (the previous wave)",
        parameters=[SURVEY_SLUG],
        responses={200: PreviousWaveOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
        return ApiResponse(PreviousWaveOutputSerializer(_previous_wave(survey)).data)

    @extend_schema(
        tags=[TAG],
        summary="Link the survey to an earlier survey of the same workspace with the same question keys (or unlink)",
        parameters=[SURVEY_SLUG],
        request=PreviousWaveInputSerializer,
        responses={200: PreviousWaveOutputSerializer, **errors(400, 403, 404)},
    )
    def put(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
        data = validated(PreviousWaveInputSerializer, request.data)
        previous = None
        if data.get("previous"):
            previous = selectors_insights.get_previous_wave_choice(survey=survey, slug=data["previous"])
        services_insights.set_previous_wave(survey=survey, previous=previous, actor=request.user)
        return ApiResponse(PreviousWaveOutputSerializer(_previous_wave(survey)).data)
