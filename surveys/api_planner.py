"""The sample-size planner API: one endpoint per calculation, and each survey's stored plan.

``POST /api/sample-size/<kind>/`` takes parameters named as the ``sample_size`` command's options
and answers with the core's result (formula and intermediate values included). A refused
parameter answers 400 in the one error format, its message naming the parameter and
``fields`` keyed by it. ``GET``/``PUT /api/surveys/{slug}/plan/`` read and store a survey's targets.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from surveys import planner, selectors, services
from surveys.api import SURVEY_SLUG, JsonApi, errors
from surveys.core.roles import Capability
from surveys.core.survey_plan import SurveyPlan
from surveys.errors import InvalidInput
from surveys.models import Survey
from surveys.serializers_planner import (
    INPUT_SERIALIZERS,
    SurveyPlanInputSerializer,
    SurveyPlanOutputSerializer,
    response_schema,
    serialize_results,
)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat |= _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return flat
    return {prefix or "non_field_errors": [str(item) for item in detail]}


def validated_parameters(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """Return ``data`` checked by ``serializer_class``; refuse it with a message naming the first bad parameter."""
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return dict(serializer.validated_data)
    fields = _flatten(serializer.errors)
    name, texts = next(iter(fields.items()))
    message = (
        texts[0] if name == "non_field_errors" else _("{parameter}: {message}").format(parameter=name, message=texts[0])
    )
    raise InvalidInput(message, fields=fields)


SUMMARIES = {
    "proportion": "Answers needed to estimate a proportion (Cochran, finite-population correction, design effect)",
    "margin": "Margin of error of a proportion (or, with `sd`, a mean) for n answers",
    "mean": "Answers needed to estimate a mean within a margin",
    "invitations": "People to invite for the answers needed, from the response and eligibility rates",
    "two-proportions": "A/B test of two proportions: n per group, power, or minimum detectable effect",
    "two-means": "Two-sample t-test: n per group, power, or minimum detectable effect (Cohen's d)",
    "chi-square": "Chi-square test: n, power, or minimum detectable effect (Cohen's w)",
    "segments": "Minimum answers per segment so that two segments can be compared",
    "segment-margins": "Margin of error per segment for the answers so far, too-small segments marked",
}
EXAMPLES = {
    "proportion": {"margin": 0.05, "confidence": 0.95, "population": 1000, "rounding": "nearest"},
    "margin": {"n": 400, "confidence": 0.95},
    "mean": {"sd": 1.2, "margin": 0.1},
    "invitations": {"margin": 0.05, "population": 1000, "response_rate": 0.2, "eligibility_rate": 0.8},
    "two-proportions": {"p1": 0.2, "p2": 0.25, "power": 0.8},
    "two-means": {"effect_size": 0.5, "power": 0.8},
    "chi-square": {"effect_size": 0.3, "df": 3, "power": 0.8},
    "segments": {"segments": 4, "difference": 0.1, "adjust_alpha": True},
    "segment-margins": {"counts": {"Hà Nội": 120, "Đà Nẵng": 18}},
}


class SampleSizeApi(JsonApi):
    """A calculation of the planner; subclasses name the kind (see ``calculation_view``)."""

    kind = ""

    def post(self, request: Request) -> Response:
        parameters = validated_parameters(INPUT_SERIALIZERS[self.kind], request.data)
        return Response(serialize_results(self.kind, planner.calculate(self.kind, parameters)))


def calculation_view(kind: str) -> Any:
    """Return the view of calculation ``kind``, with its own request and response schema."""
    name = "".join(part.capitalize() for part in kind.split("-")) + "SampleSizeApi"

    @extend_schema(
        tags=["sample size"],
        summary=SUMMARIES[kind],
        request=INPUT_SERIALIZERS[kind],
        responses={200: response_schema(kind), **errors(400)},
        examples=[OpenApiExample(kind, value=EXAMPLES[kind], request_only=True)],
        operation_id=f"sample_size_{kind.replace('-', '_')}",
    )
    def post(self: SampleSizeApi, request: Request) -> Response:
        return SampleSizeApi.post(self, request)

    return type(name, (SampleSizeApi,), {"kind": kind, "post": post, "__doc__": SUMMARIES[kind]}).as_view()


def plan_body(survey: Survey, plan: SurveyPlan) -> dict[str, Any]:
    """Return the plan response: the stored targets, the values used and what they imply."""
    return SurveyPlanOutputSerializer(
        {
            **planner.stored_targets(survey),
            "confidence_level": plan.confidence_level,
            "proportion": plan.proportion,
            "eligibility_rate": plan.eligibility_rate,
            "required_responses": plan.required_responses,
            "invitations": plan.invitations_needed,
            "sample_size": plan.sample_size,
            "margin": plan.margin,
            "invitation_estimate": plan.invitations,
            "explanation": planner.explain_plan(plan),
        }
    ).data


class SurveyPlanApi(JsonApi):
    @extend_schema(
        tags=["surveys"],
        summary="Show the survey's sample-size targets with the answers and invitations they imply",
        parameters=[SURVEY_SLUG],
        responses={200: SurveyPlanOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user)
        return Response(plan_body(survey, planner.plan_for_survey(survey)))

    @extend_schema(
        tags=["surveys"],
        summary="Replace the survey's sample-size targets",
        description="Targets left out or null are cleared. A refused target changes nothing.",
        parameters=[SURVEY_SLUG],
        request=SurveyPlanInputSerializer,
        responses={200: SurveyPlanOutputSerializer, **errors(400, 403, 404)},
    )
    def put(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
        targets = validated_parameters(SurveyPlanInputSerializer, request.data)
        plan = services.update_survey_plan(survey=survey, **targets)
        return Response(plan_body(survey, plan))
