"""The surveys REST API: each view parses input, calls one selector or service, serializes.

Permissions come from the ``get_…_for_user`` selectors (not a member: 404, a role without the
capability: 403); domain errors become the one error format in ``config.api``.
"""

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from config import ratelimit
from surveys import selectors, services
from surveys.core.roles import Capability
from surveys.errors import InvalidInput
from surveys.serializers import (
    ChoiceCreateInputSerializer,
    ChoiceFilterInputSerializer,
    ChoiceOutputSerializer,
    ChoiceUpdateInputSerializer,
    ErrorOutputSerializer,
    MemberCreateInputSerializer,
    MemberOutputSerializer,
    MemberUpdateInputSerializer,
    PageInputSerializer,
    PageOutputSerializer,
    QuestionCreateInputSerializer,
    QuestionMoveInputSerializer,
    QuestionnaireOutputSerializer,
    QuestionOutputSerializer,
    QuestionUpdateInputSerializer,
    SurveyCreateInputSerializer,
    SurveyFilterInputSerializer,
    SurveyImportInputSerializer,
    SurveyOutputSerializer,
    SurveyPublishInputSerializer,
    SurveyUpdateInputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
    VersionDetailOutputSerializer,
    VersionDiffInputSerializer,
    VersionDiffOutputSerializer,
    VersionOutputSerializer,
    WorkspaceInputSerializer,
    WorkspaceOutputSerializer,
)
from surveys.serializers_lint import LintRefusalOutputSerializer, lint_refusal_response

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_ERROR_DESCRIPTIONS = {
    400: "Invalid input; `error.fields` maps each field or questionnaire path to its messages. Nothing changed.",
    401: "Not signed in: send `Authorization: Token <token>` or a session cookie.",
    403: "Your role in the workspace does not allow this.",
    404: "Not found in your workspaces (or a page number past the end of a list).",
    409: "Refused in the current state (e.g. a published survey cannot be deleted).",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Return schema responses for the error ``codes``, always including 401."""
    return {
        code: OpenApiResponse(ErrorOutputSerializer, description=_ERROR_DESCRIPTIONS[code])
        for code in sorted({401, *codes})
    }


def _path(name: str, type_: type | OpenApiTypes, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.PATH, description=description)


WORKSPACE_SLUG = _path("slug", str, "The workspace's slug.")
SURVEY_SLUG = _path("slug", str, "The survey's slug.")
MEMBER_ID = _path("member_id", int, "The membership's id.")
PAGE_ID = _path("page_id", int, "The page's id.")
QUESTION_ID = _path("question_id", int, "The question's id.")
CHOICE_ID = _path("choice_id", int, "The option's or row's id.")
VERSION_NUMBER = _path("number", int, "The version number (1, 2, …).")


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """Return ``data`` checked by ``serializer_class``; invalid data raises a 400."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class JsonApi(APIView):
    # Texts and display logic are nested objects, which form encodings cannot carry.
    parser_classes = (JSONParser,)


class PaginatedApi(JsonApi):
    # A GET that returns one page of a list; the schema generator reads pagination_class too.
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    def paginated(self, request: Request, queryset: Any, serializer_class: type[serializers.Serializer]) -> Response:
        """Return one page of ``queryset`` as {count, next, previous, results}."""
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)


# --- authentication ------------------------------------------------------------------------


class TokenObtainThrottle(AnonRateThrottle):
    # Slows password guessing; the rate lives here because only this endpoint is throttled.
    rate = "20/minute"


class TokenObtainApi(JsonApi):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (TokenObtainThrottle,)

    @extend_schema(
        tags=["auth"],
        summary="Exchange an email address and password for an API token",
        request=TokenInputSerializer,
        responses={
            200: TokenOutputSerializer,
            400: OpenApiResponse(ErrorOutputSerializer, description="Wrong email address or password."),
            429: OpenApiResponse(
                ErrorOutputSerializer,
                description="Too many attempts from this address, or too many failed ones for this email address "
                "from it; `Retry-After` gives the seconds to wait.",
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        credentials = validated(TokenInputSerializer, request.data)
        # Shares the sign-in page's count of failures per email and address (config/ratelimit.py).
        attempt = ratelimit.LoginAttempt.from_request(request, email=credentials["email"])
        if ratelimit.is_login_blocked(attempt):
            raise exceptions.Throttled(wait=ratelimit.retry_after_seconds(), detail=ratelimit.blocked_message())
        try:
            token = services.issue_api_token(**credentials)
        except InvalidInput:
            ratelimit.record_failed_login(attempt)
            raise
        ratelimit.clear_failed_logins(attempt)
        return Response(TokenOutputSerializer(token).data)


# --- workspaces and members ----------------------------------------------------------------


class WorkspaceListApi(PaginatedApi):
    @extend_schema(
        tags=["workspaces"],
        summary="List your workspaces",
        responses={200: WorkspaceOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request) -> Response:
        workspaces = selectors.list_workspaces_for_user(user=request.user)
        return self.paginated(request, workspaces, WorkspaceOutputSerializer)

    @extend_schema(
        tags=["workspaces"],
        summary="Create a workspace with you as its owner",
        request=WorkspaceInputSerializer,
        responses={201: WorkspaceOutputSerializer, **errors(400)},
    )
    def post(self, request: Request) -> Response:
        data = validated(WorkspaceInputSerializer, request.data)
        workspace = services.create_workspace(name=data["name"], owner=request.user)
        return Response(WorkspaceOutputSerializer(workspace).data, status=status.HTTP_201_CREATED)


class WorkspaceDetailApi(JsonApi):
    @extend_schema(
        tags=["workspaces"],
        summary="Show a workspace",
        parameters=[WORKSPACE_SLUG],
        responses={200: WorkspaceOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        workspace = selectors.get_workspace_for_user(slug=slug, user=request.user)
        return Response(WorkspaceOutputSerializer(workspace).data)

    @extend_schema(
        tags=["workspaces"],
        summary="Rename a workspace (owners)",
        parameters=[WORKSPACE_SLUG],
        request=WorkspaceInputSerializer,
        responses={200: WorkspaceOutputSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, slug: str) -> Response:
        workspace = selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.MANAGE)
        data = validated(WorkspaceInputSerializer, request.data)
        workspace = services.rename_workspace(workspace=workspace, name=data["name"])
        return Response(WorkspaceOutputSerializer(workspace).data)

    @extend_schema(
        tags=["workspaces"],
        summary="Delete a workspace that has no published survey (owners)",
        parameters=[WORKSPACE_SLUG],
        responses={204: None, **errors(403, 404, 409)},
    )
    def delete(self, request: Request, slug: str) -> Response:
        workspace = selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.MANAGE)
        services.delete_workspace(workspace=workspace)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListApi(PaginatedApi):
    @extend_schema(
        tags=["members"],
        summary="List a workspace's members",
        parameters=[WORKSPACE_SLUG],
        responses={200: MemberOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        workspace = selectors.get_workspace_for_user(slug=slug, user=request.user)
        return self.paginated(request, selectors.list_members(workspace=workspace), MemberOutputSerializer)

    @extend_schema(
        tags=["members"],
        summary="Add an existing account to a workspace (owners)",
        parameters=[WORKSPACE_SLUG],
        request=MemberCreateInputSerializer,
        responses={201: MemberOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> Response:
        workspace = selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.MANAGE)
        data = validated(MemberCreateInputSerializer, request.data)
        membership = services.add_member(workspace=workspace, email=data["email"], role=data["role"])
        return Response(MemberOutputSerializer(membership).data, status=status.HTTP_201_CREATED)


class MemberDetailApi(JsonApi):
    @extend_schema(
        tags=["members"],
        summary="Show a member",
        parameters=[WORKSPACE_SLUG, MEMBER_ID],
        responses={200: MemberOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str, member_id: int) -> Response:
        workspace = selectors.get_workspace_for_user(slug=slug, user=request.user)
        membership = selectors.get_member_for_user(membership_id=member_id, workspace=workspace)
        return Response(MemberOutputSerializer(membership).data)

    @extend_schema(
        tags=["members"],
        summary="Change a member's role (owners)",
        parameters=[WORKSPACE_SLUG, MEMBER_ID],
        request=MemberUpdateInputSerializer,
        responses={200: MemberOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def patch(self, request: Request, slug: str, member_id: int) -> Response:
        workspace = selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.MANAGE)
        membership = selectors.get_member_for_user(membership_id=member_id, workspace=workspace)
        data = validated(MemberUpdateInputSerializer, request.data)
        membership = services.change_member_role(membership=membership, role=data["role"])
        return Response(MemberOutputSerializer(membership).data)

    @extend_schema(
        tags=["members"],
        summary="Remove a member; the last owner stays (owners)",
        parameters=[WORKSPACE_SLUG, MEMBER_ID],
        responses={204: None, **errors(403, 404, 409)},
    )
    def delete(self, request: Request, slug: str, member_id: int) -> Response:
        workspace = selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.MANAGE)
        membership = selectors.get_member_for_user(membership_id=member_id, workspace=workspace)
        services.remove_member(membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- surveys -------------------------------------------------------------------------------


class SurveyListApi(PaginatedApi):
    @extend_schema(
        tags=["surveys"],
        summary="List the surveys of your workspaces (or of one)",
        parameters=[SurveyFilterInputSerializer],
        responses={200: SurveyOutputSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        filters = validated(SurveyFilterInputSerializer, request.query_params)
        workspace = (
            selectors.get_workspace_for_user(slug=filters["workspace"], user=request.user)
            if "workspace" in filters
            else None
        )
        surveys = selectors.list_surveys_for_user(user=request.user, workspace=workspace)
        return self.paginated(request, surveys, SurveyOutputSerializer)

    @extend_schema(
        tags=["surveys"],
        summary="Create a draft survey with one empty page",
        request=SurveyCreateInputSerializer,
        responses={201: SurveyOutputSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        data = validated(SurveyCreateInputSerializer, request.data)
        workspace = selectors.get_workspace_for_user(
            slug=data.pop("workspace"), user=request.user, capability=Capability.EDIT
        )
        survey = services.create_survey(workspace=workspace, created_by=request.user, **data)
        return Response(SurveyOutputSerializer(survey).data, status=status.HTTP_201_CREATED)


class SurveyDetailApi(JsonApi):
    @extend_schema(
        tags=["surveys"],
        summary="Show a survey",
        parameters=[SURVEY_SLUG],
        responses={200: SurveyOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user)
        return Response(SurveyOutputSerializer(survey).data)

    @extend_schema(
        tags=["surveys"],
        summary="Change a survey's title, languages or sample-size targets",
        parameters=[SURVEY_SLUG],
        request=SurveyUpdateInputSerializer,
        responses={200: SurveyOutputSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
        survey = services.update_survey(survey=survey, **validated(SurveyUpdateInputSerializer, request.data))
        return Response(SurveyOutputSerializer(survey).data)

    @extend_schema(
        tags=["surveys"],
        summary="Delete a survey that was never published",
        parameters=[SURVEY_SLUG],
        responses={204: None, **errors(403, 404, 409)},
    )
    def delete(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
        services.delete_survey(survey=survey)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SurveyQuestionnaireApi(JsonApi):
    @extend_schema(
        tags=["surveys"],
        summary="Show the working questionnaire as respondents would get it (preview)",
        parameters=[SURVEY_SLUG],
        responses={200: QuestionnaireOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user)
        return Response(selectors.get_survey_spec(survey=survey).to_dict())


class SurveyPublishApi(JsonApi):
    @extend_schema(
        tags=["surveys"],
        summary="Publish the working questionnaire as a new immutable version and open the survey",
        parameters=[SURVEY_SLUG],
        description="The linter's errors block publishing unless `override_reason` says why; its warnings need "
        "`confirm_warnings`. A refusal by the linter is a 409 (`lint_errors` or `lint_warnings_unconfirmed`) "
        "listing the findings awaiting a decision.",
        request=SurveyPublishInputSerializer,
        responses={
            201: VersionOutputSerializer,
            **errors(400, 403, 404),
            409: OpenApiResponse(
                LintRefusalOutputSerializer,
                description="Refused in the current state: nothing changed since the last version, or the linter's "
                "findings need a decision (then `findings` lists them).",
            ),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
        data = validated(SurveyPublishInputSerializer, request.data)
        try:
            version = services.publish_survey(
                survey=survey,
                published_by=request.user,
                override_reason=data["override_reason"],
                confirm_warnings=data["confirm_warnings"],
            )
        except services.LintFindingsUnresolved as refusal:
            return lint_refusal_response(refusal)
        return Response(VersionOutputSerializer(version).data, status=status.HTTP_201_CREATED)


class SurveyCloseApi(JsonApi):
    @extend_schema(
        tags=["surveys"],
        summary="Stop collecting answers",
        parameters=[SURVEY_SLUG],
        request=None,
        responses={200: SurveyOutputSerializer, **errors(403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
        return Response(SurveyOutputSerializer(services.close_survey(survey=survey)).data)


class SurveyReopenApi(JsonApi):
    @extend_schema(
        tags=["surveys"],
        summary="Collect answers again on a closed survey",
        parameters=[SURVEY_SLUG],
        request=None,
        responses={200: SurveyOutputSerializer, **errors(403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
        return Response(SurveyOutputSerializer(services.reopen_survey(survey=survey)).data)


class SurveyArchiveApi(JsonApi):
    @extend_schema(
        tags=["surveys"],
        summary="Archive a survey (kept with its versions, no longer collecting)",
        parameters=[SURVEY_SLUG],
        request=None,
        responses={200: SurveyOutputSerializer, **errors(403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
        return Response(SurveyOutputSerializer(services.archive_survey(survey=survey)).data)


class SurveyImportApi(JsonApi):
    parser_classes = (MultiPartParser,)

    @extend_schema(
        tags=["surveys"],
        summary="Create a draft survey from an XLSForm workbook",
        request={"multipart/form-data": SurveyImportInputSerializer},
        responses={201: SurveyOutputSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request) -> Response:
        data = validated(SurveyImportInputSerializer, request.data)
        workspace = selectors.get_workspace_for_user(
            slug=data["workspace"], user=request.user, capability=Capability.EDIT
        )
        survey = services.import_survey_xlsform(workspace=workspace, file=data["file"], created_by=request.user)
        return Response(SurveyOutputSerializer(survey).data, status=status.HTTP_201_CREATED)


class SurveyExportApi(JsonApi):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[JSONRenderer, str]:
        # The workbook bypasses rendering; errors are JSON whatever the client said it accepts.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        operation_id="surveys_export_retrieve",
        tags=["surveys"],
        summary="Download the working questionnaire as an XLSForm workbook",
        parameters=[SURVEY_SLUG],
        responses={
            (200, XLSX_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The XLSForm workbook."),
            **{(code, "application/json"): response for code, response in errors(404).items()},
        },
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user)
        workbook = selectors.render_survey_xlsform(survey=survey)
        response = HttpResponse(workbook, content_type=XLSX_MEDIA_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{survey.slug}.xlsx"'
        return response


# --- pages ---------------------------------------------------------------------------------


class PageListApi(PaginatedApi):
    @extend_schema(
        tags=["pages"],
        summary="List a survey's pages in order",
        parameters=[SURVEY_SLUG],
        responses={200: PageOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user)
        return self.paginated(request, selectors.list_pages(survey=survey), PageOutputSerializer)

    @extend_schema(
        tags=["pages"],
        summary="Add a page",
        parameters=[SURVEY_SLUG],
        request=PageInputSerializer,
        responses={201: PageOutputSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
        page = services.create_page(survey=survey, **validated(PageInputSerializer, request.data))
        return Response(PageOutputSerializer(page).data, status=status.HTTP_201_CREATED)


class PageDetailApi(JsonApi):
    @extend_schema(
        tags=["pages"],
        summary="Show a page",
        parameters=[PAGE_ID],
        responses={200: PageOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, page_id: int) -> Response:
        page = selectors.get_page_for_user(page_id=page_id, user=request.user)
        return Response(PageOutputSerializer(page).data)

    @extend_schema(
        tags=["pages"],
        summary="Change a page's title, display logic or question order, or move it",
        parameters=[PAGE_ID],
        request=PageInputSerializer,
        responses={200: PageOutputSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, page_id: int) -> Response:
        page = selectors.get_page_for_user(page_id=page_id, user=request.user, capability=Capability.EDIT)
        page = services.update_page(page=page, **validated(PageInputSerializer, request.data))
        return Response(PageOutputSerializer(page).data)

    @extend_schema(
        tags=["pages"],
        summary="Delete a page and its questions unless later logic depends on them",
        parameters=[PAGE_ID],
        responses={204: None, **errors(400, 403, 404, 409)},
    )
    def delete(self, request: Request, page_id: int) -> Response:
        page = selectors.get_page_for_user(page_id=page_id, user=request.user, capability=Capability.EDIT)
        services.delete_page(page=page)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- questions -----------------------------------------------------------------------------


class QuestionListApi(PaginatedApi):
    @extend_schema(
        tags=["questions"],
        summary="List a survey's questions in order, with their options and rows",
        parameters=[SURVEY_SLUG],
        responses={200: QuestionOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user)
        return self.paginated(request, selectors.list_questions(survey=survey), QuestionOutputSerializer)

    @extend_schema(
        tags=["questions"],
        summary="Add a question to a page of the survey",
        parameters=[SURVEY_SLUG],
        request=QuestionCreateInputSerializer,
        responses={201: QuestionOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
        data = validated(QuestionCreateInputSerializer, request.data)
        page = selectors.get_page_of_survey(survey=survey, page_id=data.pop("page"))
        question = services.create_question(page=page, **data)
        return Response(QuestionOutputSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionDetailApi(JsonApi):
    @extend_schema(
        tags=["questions"],
        summary="Show a question",
        parameters=[QUESTION_ID],
        responses={200: QuestionOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, question_id: int) -> Response:
        question = selectors.get_question_for_user(question_id=question_id, user=request.user)
        return Response(QuestionOutputSerializer(question).data)

    @extend_schema(
        tags=["questions"],
        summary="Change a question; choices or rows given as lists replace the existing ones",
        parameters=[QUESTION_ID],
        request=QuestionUpdateInputSerializer,
        responses={200: QuestionOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def patch(self, request: Request, question_id: int) -> Response:
        question = selectors.get_question_for_user(
            question_id=question_id, user=request.user, capability=Capability.EDIT
        )
        question = services.update_question(question=question, **validated(QuestionUpdateInputSerializer, request.data))
        return Response(QuestionOutputSerializer(question).data)

    @extend_schema(
        tags=["questions"],
        summary="Delete a question unless later logic or piping depends on it",
        parameters=[QUESTION_ID],
        responses={204: None, **errors(400, 403, 404)},
    )
    def delete(self, request: Request, question_id: int) -> Response:
        question = selectors.get_question_for_user(
            question_id=question_id, user=request.user, capability=Capability.EDIT
        )
        services.delete_question(question=question)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QuestionMoveApi(JsonApi):
    @extend_schema(
        tags=["questions"],
        summary="Move a question to a position, on its page or another page of the survey",
        parameters=[QUESTION_ID],
        request=QuestionMoveInputSerializer,
        responses={200: QuestionOutputSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, question_id: int) -> Response:
        question = selectors.get_question_for_user(
            question_id=question_id, user=request.user, capability=Capability.EDIT
        )
        data = validated(QuestionMoveInputSerializer, request.data)
        page = selectors.get_page_of_survey(survey=question.survey, page_id=data["page"]) if "page" in data else None
        question = services.move_question(question=question, position=data["position"], page=page)
        return Response(QuestionOutputSerializer(question).data)


# --- choices -------------------------------------------------------------------------------


class ChoiceListApi(PaginatedApi):
    @extend_schema(
        tags=["choices"],
        summary="List a question's options and matrix rows",
        parameters=[QUESTION_ID, ChoiceFilterInputSerializer],
        responses={200: ChoiceOutputSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, question_id: int) -> Response:
        question = selectors.get_question_for_user(question_id=question_id, user=request.user)
        filters = validated(ChoiceFilterInputSerializer, request.query_params)
        choices = selectors.list_choices(question=question, kind=filters.get("kind"))
        return self.paginated(request, choices, ChoiceOutputSerializer)

    @extend_schema(
        tags=["choices"],
        summary="Add an option (or a matrix row)",
        parameters=[QUESTION_ID],
        request=ChoiceCreateInputSerializer,
        responses={201: ChoiceOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, question_id: int) -> Response:
        question = selectors.get_question_for_user(
            question_id=question_id, user=request.user, capability=Capability.EDIT
        )
        choice = services.create_choice(question=question, **validated(ChoiceCreateInputSerializer, request.data))
        return Response(ChoiceOutputSerializer(choice).data, status=status.HTTP_201_CREATED)


class ChoiceDetailApi(JsonApi):
    @extend_schema(
        tags=["choices"],
        summary="Show an option or row",
        parameters=[CHOICE_ID],
        responses={200: ChoiceOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, choice_id: int) -> Response:
        choice = selectors.get_choice_for_user(choice_id=choice_id, user=request.user)
        return Response(ChoiceOutputSerializer(choice).data)

    @extend_schema(
        tags=["choices"],
        summary="Change an option or row",
        parameters=[CHOICE_ID],
        request=ChoiceUpdateInputSerializer,
        responses={200: ChoiceOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def patch(self, request: Request, choice_id: int) -> Response:
        choice = selectors.get_choice_for_user(choice_id=choice_id, user=request.user, capability=Capability.EDIT)
        choice = services.update_choice(choice=choice, **validated(ChoiceUpdateInputSerializer, request.data))
        return Response(ChoiceOutputSerializer(choice).data)

    @extend_schema(
        tags=["choices"],
        summary="Delete an option or row unless display logic refers to it",
        parameters=[CHOICE_ID],
        responses={204: None, **errors(400, 403, 404)},
    )
    def delete(self, request: Request, choice_id: int) -> Response:
        choice = selectors.get_choice_for_user(choice_id=choice_id, user=request.user, capability=Capability.EDIT)
        services.delete_choice(choice=choice)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- versions ------------------------------------------------------------------------------


class VersionListApi(PaginatedApi):
    @extend_schema(
        tags=["versions"],
        summary="List a survey's published versions, newest first",
        parameters=[SURVEY_SLUG],
        responses={200: VersionOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user)
        return self.paginated(request, selectors.list_versions(survey=survey), VersionOutputSerializer)


class VersionDetailApi(JsonApi):
    @extend_schema(
        tags=["versions"],
        summary="Show a published version with its questionnaire snapshot",
        parameters=[SURVEY_SLUG, VERSION_NUMBER],
        responses={200: VersionDetailOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str, number: int) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user)
        version = selectors.get_version(survey=survey, number=number)
        return Response(VersionDetailOutputSerializer(version).data)


class VersionDiffApi(JsonApi):
    @extend_schema(
        tags=["versions"],
        summary="Compare two published versions question by question",
        parameters=[SURVEY_SLUG, VersionDiffInputSerializer],
        responses={200: VersionDiffOutputSerializer, **errors(400, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        survey = selectors.get_survey_for_user(slug=slug, user=request.user)
        numbers = validated(VersionDiffInputSerializer, request.query_params)
        diff = selectors.get_version_diff(survey=survey, from_number=numbers["from"], to_number=numbers["to"])
        return Response(
            VersionDiffOutputSerializer(
                {"from_version": numbers["from"], "to_version": numbers["to"], "diff": diff}
            ).data
        )
