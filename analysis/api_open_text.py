"""The open-answer API: runs, themes, codebook edits, answers with their sentiment, theme × segment.

Permissions come from ``services_open_text.get_open_question_for_user`` (not a member: 404, lacking
the capability: 403): reading needs ``view``; starting runs, editing the codebook and overriding
sentiment need ``analyse``. A key that is not an open question of the survey is 404.
"""

from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse

from analysis import services_open_text as services
from analysis.models import SentimentLabel, ThemeAssignment
from analysis.serializers_open_text import (
    AnswerOutputSerializer,
    CodebookEditInputSerializer,
    CodebookEditOutputSerializer,
    OpenTextRunInputSerializer,
    OpenTextRunOutputSerializer,
    SegmentComparisonOutputSerializer,
    SentimentOverrideInputSerializer,
    ThemeListOutputSerializer,
    ThemeOutputSerializer,
)
from surveys.api import SURVEY_SLUG, JsonApi, PaginatedApi, errors, validated
from surveys.core.roles import Capability
from surveys.errors import InvalidInput

TAG = "open answers"
QUESTION_KEY = OpenApiParameter(
    "question_key", str, OpenApiParameter.PATH, description="The key of an open (short or long text) question."
)
RUN_ID = OpenApiParameter("run_id", int, OpenApiParameter.PATH, description="The open-text run's id.")
THEME_ID = OpenApiParameter("theme_id", str, OpenApiParameter.PATH, description="T1, T2, … or “other”.")
RESPONSE_ID = OpenApiParameter("response_id", int, OpenApiParameter.PATH, description="The response's id.")


def _language() -> str:
    return (translation.get_language() or "vi")[:2]


class OpenTextRunListApi(PaginatedApi):
    @extend_schema(
        tags=[TAG],
        summary="List the analysis runs of an open question, newest first",
        parameters=[SURVEY_SLUG, QUESTION_KEY],
        responses={200: OpenTextRunOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, slug: str, question_key: str) -> ApiResponse:
        survey, question = services.get_open_question_for_user(slug=slug, question_key=question_key, user=request.user)
        runs = services.list_runs(survey=survey, question_key=question.key).select_related("survey")
        return self.paginated(request, runs, OpenTextRunOutputSerializer)

    @extend_schema(
        tags=[TAG],
        summary="Analyse an open question (a background task; poll the run)",
        description="The first run discovers themes; later runs apply the codebook to new answers and look for "
        "new themes among the answers in “Other”. `rediscover` starts over (the analyst's edits are lost).",
        parameters=[SURVEY_SLUG, QUESTION_KEY],
        request=OpenTextRunInputSerializer,
        responses={202: OpenTextRunOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str, question_key: str) -> ApiResponse:
        survey, question = services.get_open_question_for_user(
            slug=slug, question_key=question_key, user=request.user, capability=Capability.ANALYSE
        )
        data = validated(OpenTextRunInputSerializer, request.data)
        run = services.start_open_text_run(
            survey=survey,
            question_key=question.key,
            created_by=request.user,
            themes=data.get("themes"),
            lang=data.get("language"),
            rediscover=data.get("rediscover", False),
        )
        run = services.get_run_of_question(survey=survey, question_key=question.key, run_id=run.id)
        return ApiResponse(OpenTextRunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class OpenTextRunDetailApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Show an open-text run: status, progress, settings, counts",
        parameters=[RUN_ID],
        responses={200: OpenTextRunOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, run_id: int) -> ApiResponse:
        run = services.get_run_for_user(run_id=run_id, user=request.user)
        return ApiResponse(OpenTextRunOutputSerializer(run).data)


class ThemeListApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="The themes of an open question: volume, sentiment mix, keywords, quotes",
        parameters=[SURVEY_SLUG, QUESTION_KEY],
        responses={200: ThemeListOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str, question_key: str) -> ApiResponse:
        survey, question = services.get_open_question_for_user(slug=slug, question_key=question_key, user=request.user)
        overview = services.get_theme_overview(survey=survey, question=question)
        return ApiResponse(ThemeListOutputSerializer(overview).data)


class ThemeDetailApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="One theme: label, keywords, rules, pinned examples, quotes, sentiment mix",
        operation_id="surveys_open_text_theme_detail",
        parameters=[SURVEY_SLUG, QUESTION_KEY, THEME_ID],
        responses={200: ThemeOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str, question_key: str, theme_id: str) -> ApiResponse:
        survey, question = services.get_open_question_for_user(slug=slug, question_key=question_key, user=request.user)
        overview = services.get_theme_overview(survey=survey, question=question)
        return ApiResponse(ThemeOutputSerializer(services.get_theme(overview=overview, theme_id=theme_id)).data)


class CodebookEditApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Edit the codebook (rename, merge, split, delete, add, pin, unpin, keyword rules); answers follow",
        description='One edit per call, e.g. `{"op": "rename", "theme": "T2", "label": "Giá"}`. Every '
        "answer is then assigned again by the codebook; with many answers this is a queued run (`reassign_run`). "
        "Edits are kept by later runs.",
        parameters=[SURVEY_SLUG, QUESTION_KEY],
        request=CodebookEditInputSerializer,
        responses={200: CodebookEditOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str, question_key: str) -> ApiResponse:
        survey, question = services.get_open_question_for_user(
            slug=slug, question_key=question_key, user=request.user, capability=Capability.ANALYSE
        )
        edit = validated(CodebookEditInputSerializer, request.data)
        if "parts" in edit:
            edit["parts"] = [dict(part) for part in edit["parts"]]
        outcome = services.edit_codebook(survey=survey, question_key=question.key, edit=edit, edited_by=request.user)
        overview = services.get_theme_overview(survey=survey, question=question)
        body = {
            "codebook_version": outcome.codebook.version,
            "reassign_run": outcome.run.id if outcome.run else None,
            "themes": overview.themes,
        }
        return ApiResponse(CodebookEditOutputSerializer(body).data)


class AnswerListApi(PaginatedApi):
    @extend_schema(
        tags=[TAG],
        summary="The analysed answers with their language, sentiment and themes",
        parameters=[
            SURVEY_SLUG,
            QUESTION_KEY,
            OpenApiParameter("theme", str, description="Only answers with this theme (T1, … or other)."),
            OpenApiParameter("sentiment", str, enum=SentimentLabel.values, description="Only this sentiment."),
        ],
        responses={200: AnswerOutputSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, slug: str, question_key: str) -> ApiResponse:
        survey, question = services.get_open_question_for_user(slug=slug, question_key=question_key, user=request.user)
        answers = services.list_answers(
            survey=survey,
            question_key=question.key,
            theme_id=request.query_params.get("theme", "")[:16],
            sentiment=request.query_params.get("sentiment", ""),
        ).prefetch_related(
            Prefetch(
                "response__theme_assignments",
                queryset=ThemeAssignment.objects.filter(question_key=question.key).order_by("position"),
            )
        )
        return self.paginated(request, answers, AnswerOutputSerializer)


class SentimentOverrideApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Set the analyst's sentiment of one answer (kept by every later run)",
        parameters=[SURVEY_SLUG, QUESTION_KEY, RESPONSE_ID],
        request=SentimentOverrideInputSerializer,
        responses={200: AnswerOutputSerializer, **errors(400, 403, 404)},
    )
    def put(self, request: Request, slug: str, question_key: str, response_id: int) -> ApiResponse:
        survey, question = services.get_open_question_for_user(
            slug=slug, question_key=question_key, user=request.user, capability=Capability.ANALYSE
        )
        data = validated(SentimentOverrideInputSerializer, request.data)
        services.set_sentiment_override(
            survey=survey, question_key=question.key, response_id=response_id, label=data["sentiment"], by=request.user
        )
        return ApiResponse(AnswerOutputSerializer(self._answer(survey, question.key, response_id)).data)

    @extend_schema(
        tags=[TAG],
        summary="Remove the analyst's sentiment of one answer (the model's comes back)",
        parameters=[SURVEY_SLUG, QUESTION_KEY, RESPONSE_ID],
        responses={200: AnswerOutputSerializer, **errors(403, 404)},
    )
    def delete(self, request: Request, slug: str, question_key: str, response_id: int) -> ApiResponse:
        survey, question = services.get_open_question_for_user(
            slug=slug, question_key=question_key, user=request.user, capability=Capability.ANALYSE
        )
        services.clear_sentiment_override(survey=survey, question_key=question.key, response_id=response_id)
        return ApiResponse(AnswerOutputSerializer(self._answer(survey, question.key, response_id)).data)

    @staticmethod
    def _answer(survey, question_key: str, response_id: int):
        return (
            services.list_answers(survey=survey, question_key=question_key)
            .filter(response_id=response_id)
            .prefetch_related(
                Prefetch(
                    "response__theme_assignments",
                    queryset=ThemeAssignment.objects.filter(question_key=question_key).order_by("position"),
                )
            )
            .get()
        )


class SegmentComparisonApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Theme × segment: each theme's share per demographic group and NPS group, tested",
        description="Per segment variable: share against the rest, lift, a pooled two-proportion z-test and "
        "Benjamini–Hochberg q-values over the variable's family (`family_size`); pairs where a side has fewer "
        "than `min_n` answers are shown but not tested.",
        parameters=[
            SURVEY_SLUG,
            QUESTION_KEY,
            OpenApiParameter("min_n", int, description="Minimum answers on each side of a test (5–1000, default 30)."),
        ],
        responses={200: SegmentComparisonOutputSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, slug: str, question_key: str) -> ApiResponse:
        survey, question = services.get_open_question_for_user(slug=slug, question_key=question_key, user=request.user)
        raw = request.query_params.get("min_n", "")
        if raw and not raw.isdigit():
            text = _("The minimum group size must be from 5 to 1000.")
            raise InvalidInput(text, fields={"min_n": [text]})
        comparisons = services.compare_segments(
            survey=survey,
            question_key=question.key,
            min_n=int(raw) if raw else services.core_segments.MIN_N,
            language=_language(),
        )
        return ApiResponse(SegmentComparisonOutputSerializer(comparisons, many=True).data)
