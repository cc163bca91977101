"""GET /api/surveys/{slug}/results/: every question's results for the dashboard's filters.

Members with the ``view`` capability may read results (not a member: 404); the filters and the
weighted switch are the dashboard's (``analysis.results``).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse

from analysis import results
from analysis.serializers_results import (
    ResultsFilterInputSerializer,
    SurveyResultsOutputSerializer,
    results_data,
)
from surveys.api import SURVEY_SLUG, JsonApi, errors


def _query(name: str, type_: type, description: str, *, many: bool = False) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, required=False, description=description, many=many)


class SurveyResultsApi(JsonApi):
    @extend_schema(
        tags=["results"],
        summary="Per-question results: counts, shares, means, NPS, with margins of error",
        description=(
            "Finished responses by default. Intervals use Kish's effective sample size; `weighted=true` "
            "uses the survey's current weighting run (400 when there is none) and leaves out responses "
            "without a weight, counting them in `weighting.unweighted_count`."
        ),
        parameters=[
            SURVEY_SLUG,
            _query("date_from", str, "First submission date (YYYY-MM-DD)."),
            _query("date_to", str, "Last submission date (YYYY-MM-DD)."),
            _query("collector", int, "A collector id of this survey."),
            _query("segment", str, "`question_key:code`, repeatable for several codes of one question.", many=True),
            _query("breakdown", str, "A single-choice question key to break every result down by."),
            _query("include_partial", bool, "Include partial responses (default false)."),
            _query("weighted", bool, "Apply the current weights (default false)."),
        ],
        responses={200: SurveyResultsOutputSerializer, **errors(400, 404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        survey = results.get_survey_for_results(slug=slug, user=request.user)
        serializer = ResultsFilterInputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        summary = results.get_results(survey=survey, filters=serializer.to_filters())
        return ApiResponse(results_data(summary))
