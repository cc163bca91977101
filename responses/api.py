"""The responses REST API: collectors and quotas for researchers, responses for analysts, and a
public submission endpoint for programmatic and offline clients.

Permissions come from the selectors (not a member: 404, lacking the capability: 403).
"""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse

from config.api import error_body
from responses import selectors, services
from responses.core import qr
from responses.models import Invitation
from responses.serializers import (
    CollectorCreateInputSerializer,
    CollectorOutputSerializer,
    CollectorSettingsInputSerializer,
    ContactUploadOutputSerializer,
    FileUploadInputSerializer,
    InvitationFilterInputSerializer,
    InvitationOutputSerializer,
    InvitationSendInputSerializer,
    PublicSubmissionInputSerializer,
    PublicSubmissionOutputSerializer,
    QuotaInputSerializer,
    QuotaOutputSerializer,
    ResponseFilterInputSerializer,
    ResponseImportOutputSerializer,
    ResponseOutputSerializer,
    SendJobOutputSerializer,
    SendProgressOutputSerializer,
    quota_data,
)
from surveys import selectors as survey_selectors
from surveys.api import SURVEY_SLUG, JsonApi, PaginatedApi, errors, validated
from surveys.core.roles import Capability
from surveys.serializers import ErrorOutputSerializer

COLLECTOR_ID = OpenApiParameter("collector_id", int, OpenApiParameter.PATH, description="The collector's id.")
QUOTA_ID = OpenApiParameter("quota_id", int, OpenApiParameter.PATH, description="The quota's id.")
COLLECTOR_SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The public link's slug.")


class CollectorListApi(PaginatedApi):
    @extend_schema(
        tags=["collect"],
        summary="List a survey's collectors (public links and invitation sets)",
        parameters=[SURVEY_SLUG],
        responses={200: CollectorOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.list_collectors(survey=survey), request, view=self)
        data = CollectorOutputSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        tags=["collect"],
        summary="Create a collector (a public link by default)",
        parameters=[SURVEY_SLUG],
        request=CollectorCreateInputSerializer,
        responses={201: CollectorOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
        data = validated(CollectorCreateInputSerializer, request.data)
        collector = services.create_collector(survey=survey, created_by=request.user, **data)
        body = CollectorOutputSerializer(collector, context={"request": request}).data
        return ApiResponse(body, status=status.HTTP_201_CREATED)


class CollectorDetailApi(JsonApi):
    @extend_schema(
        tags=["collect"],
        summary="Show a collector",
        parameters=[COLLECTOR_ID],
        responses={200: CollectorOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, collector_id: int) -> ApiResponse:
        collector = selectors.get_collector_for_user(collector_id=collector_id, user=request.user)
        return ApiResponse(CollectorOutputSerializer(collector, context={"request": request}).data)

    @extend_schema(
        tags=["collect"],
        summary="Change a collector's dates, limit and options",
        parameters=[COLLECTOR_ID],
        request=CollectorSettingsInputSerializer,
        responses={200: CollectorOutputSerializer, **errors(400, 403, 404)},
    )
    def patch(self, request: Request, collector_id: int) -> ApiResponse:
        collector = selectors.get_collector_for_user(
            collector_id=collector_id, user=request.user, capability=Capability.EDIT
        )
        data = validated(CollectorSettingsInputSerializer, request.data)
        collector = services.update_collector(collector=collector, **data)
        return ApiResponse(CollectorOutputSerializer(collector, context={"request": request}).data)


class QuotaListApi(JsonApi):
    @extend_schema(
        tags=["collect"],
        summary="List a survey's quotas with how full each is",
        parameters=[SURVEY_SLUG],
        responses={200: QuotaOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
        quotas = selectors.list_quotas(survey=survey)
        return ApiResponse([quota_data(quota, selectors.count_in_quota(quota=quota)) for quota in quotas])

    @extend_schema(
        tags=["collect"],
        summary="Add a quota on a single choice question",
        parameters=[SURVEY_SLUG],
        request=QuotaInputSerializer,
        responses={201: QuotaOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.EDIT)
        data = validated(QuotaInputSerializer, request.data)
        collector_id = data.pop("collector", None)
        collector = None
        if collector_id is not None:
            collector = selectors.get_collector_for_user(collector_id=collector_id, user=request.user)
        quota = services.create_quota(survey=survey, collector=collector, **data)
        return ApiResponse(quota_data(quota, 0), status=status.HTTP_201_CREATED)


class QuotaDetailApi(JsonApi):
    @extend_schema(
        tags=["collect"],
        summary="Show a quota",
        parameters=[QUOTA_ID],
        responses={200: QuotaOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, quota_id: int) -> ApiResponse:
        quota = selectors.get_quota_for_user(quota_id=quota_id, user=request.user)
        return ApiResponse(quota_data(quota, selectors.count_in_quota(quota=quota)))

    @extend_schema(
        tags=["collect"],
        summary="Remove a quota",
        parameters=[QUOTA_ID],
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request: Request, quota_id: int) -> ApiResponse:
        quota = selectors.get_quota_for_user(quota_id=quota_id, user=request.user, capability=Capability.EDIT)
        services.delete_quota(quota=quota)
        return ApiResponse(status=status.HTTP_204_NO_CONTENT)


class ResponseListApi(PaginatedApi):
    @extend_schema(
        tags=["collect"],
        summary="List a survey's responses (analysts)",
        parameters=[
            SURVEY_SLUG,
            OpenApiParameter("status", str, enum=[s.value for s in services.Response.Status], required=False),
        ],
        responses={200: ResponseOutputSerializer(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        filters = validated(ResponseFilterInputSerializer, request.query_params)
        responses = selectors.list_responses_for_user(slug=slug, user=request.user, status=filters.get("status"))
        return self.paginated(request, responses, ResponseOutputSerializer)


class PublicSubmissionApi(JsonApi):
    """Anyone with the public link may submit; the submission key makes retries safe."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        tags=["collect"],
        summary="Submit a whole response through a public link (idempotent by submission key)",
        description=(
            "Send the answers of one respondent with a `submission_key` (a UUID drawn once per response). "
            "Sending the same key and answers again returns the stored response with 200; the same key with "
            "different answers is refused with 409 and changes nothing."
        ),
        parameters=[COLLECTOR_SLUG],
        request=PublicSubmissionInputSerializer,
        responses={
            201: PublicSubmissionOutputSerializer,
            200: PublicSubmissionOutputSerializer,
            400: OpenApiResponse(ErrorOutputSerializer, description="Invalid answers; `error.fields` per question."),
            404: OpenApiResponse(ErrorOutputSerializer, description="No such link."),
            409: OpenApiResponse(ErrorOutputSerializer, description="Closed link, or key reused with other answers."),
            413: OpenApiResponse(ErrorOutputSerializer, description="The request is too large."),
        },
        auth=[],
    )
    def post(self, request: Request, slug: str) -> ApiResponse:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.RESPONSES_MAX_REQUEST_BYTES:
            body = error_body(code="too_large", message=_("The request is too large."))
            return ApiResponse(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        collector = selectors.get_collector_for_submission(slug=slug)
        if collector.kind != services.Collector.Kind.PUBLIC:
            raise services.NotFound()
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
        data = validated(PublicSubmissionInputSerializer, request.data)
        submission = services.submit_response(
            collector=collector,
            submission_key=data["submission_key"],
            answers=data["answers"],
            language=data.get("language", ""),
            started_at=data.get("started_at"),
            client=services.Client(
                ip_address=request.META.get("REMOTE_ADDR") or None,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ),
        )
        response = submission.response
        body = PublicSubmissionOutputSerializer(
            {
                "id": response.id,
                "submission_key": response.submission_key,
                "status": response.status,
                "submitted_at": response.submitted_at,
                "created": submission.created,
            }
        ).data
        return ApiResponse(body, status=status.HTTP_201_CREATED if submission.created else status.HTTP_200_OK)


# --- personal invitations -------------------------------------------------------------------

TASK_ID = OpenApiParameter("task_id", str, OpenApiParameter.PATH, description="The id a send or remind call returned.")
QR_FORMAT = OpenApiParameter(
    "image_format", str, OpenApiParameter.PATH, enum=list(qr.FORMATS), description="png or svg."
)
INVITATION_STATUS = OpenApiParameter(
    "status", str, enum=list(Invitation.Status.values), required=False, description="Only invitations in this status."
)


def _base_url(request: Request) -> str:
    return request.build_absolute_uri("/")


class ContactUploadApi(JsonApi):
    parser_classes = (MultiPartParser,)

    @extend_schema(
        tags=["collect"],
        summary="Import contacts (CSV or XLSX: email, name, language, other columns) as invitations",
        description=(
            "All or nothing: any problem (bad or repeated address, already invited, unknown language, a "
            "spreadsheet formula) refuses the file with 400 and lists each row's problem in `error.fields.file`."
        ),
        parameters=[COLLECTOR_ID],
        request={"multipart/form-data": FileUploadInputSerializer},
        responses={201: ContactUploadOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, collector_id: int) -> ApiResponse:
        collector = selectors.get_collector_for_user(
            collector_id=collector_id, user=request.user, capability=Capability.EDIT
        )
        data = validated(FileUploadInputSerializer, request.data)
        created = services.import_contacts(collector=collector, file=data["file"])
        return ApiResponse({"created": len(created)}, status=status.HTTP_201_CREATED)


class InvitationListApi(PaginatedApi):
    @extend_schema(
        tags=["collect"],
        summary="List a collector's invitations with their status",
        parameters=[COLLECTOR_ID, INVITATION_STATUS],
        responses={200: InvitationOutputSerializer(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, collector_id: int) -> ApiResponse:
        collector = selectors.get_collector_for_user(
            collector_id=collector_id, user=request.user, capability=Capability.EDIT
        )
        filters = validated(InvitationFilterInputSerializer, request.query_params)
        invitations = selectors.list_invitations(collector=collector, status=filters.get("status"))
        return self.paginated(request, invitations, InvitationOutputSerializer)


class _InvitationBatchApi(JsonApi):
    is_reminder = False

    def post(self, request: Request, collector_id: int) -> ApiResponse:
        collector = selectors.get_collector_for_user(
            collector_id=collector_id, user=request.user, capability=Capability.EDIT
        )
        data = validated(InvitationSendInputSerializer, request.data)
        job = services.queue_invitations(
            collector=collector,
            base_url=_base_url(request),
            is_reminder=self.is_reminder,
            invitation_ids=data.get("invitation_ids"),
        )
        body = SendJobOutputSerializer(job).data
        return ApiResponse(body, status=status.HTTP_202_ACCEPTED)


class InvitationSendApi(_InvitationBatchApi):
    @extend_schema(
        tags=["collect"],
        summary="Send the invitations not sent yet (a background task)",
        parameters=[COLLECTOR_ID],
        request=InvitationSendInputSerializer,
        responses={202: SendJobOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, collector_id: int) -> ApiResponse:
        return super().post(request, collector_id)


class InvitationRemindApi(_InvitationBatchApi):
    is_reminder = True

    @extend_schema(
        tags=["collect"],
        summary="Remind the invited who have not completed the survey (a background task)",
        description="Never reminds completed or bounced invitations, nor those not sent yet.",
        parameters=[COLLECTOR_ID],
        request=InvitationSendInputSerializer,
        responses={202: SendJobOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, collector_id: int) -> ApiResponse:
        return super().post(request, collector_id)


class InvitationSendProgressApi(JsonApi):
    @extend_schema(
        tags=["collect"],
        summary="Progress of a send or remind task",
        parameters=[COLLECTOR_ID, TASK_ID],
        responses={200: SendProgressOutputSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, collector_id: int, task_id: str) -> ApiResponse:
        collector = selectors.get_collector_for_user(
            collector_id=collector_id, user=request.user, capability=Capability.EDIT
        )
        progress = selectors.get_send_progress(collector=collector, task_id=task_id)
        return ApiResponse(SendProgressOutputSerializer(progress).data)


class CollectorQrApi(JsonApi):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[JSONRenderer, str]:
        # The image bypasses rendering; errors are JSON whatever the client said it accepts.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        operation_id="collectors_qr_retrieve",
        tags=["collect"],
        summary="Download the QR code of a public link (PNG or SVG)",
        parameters=[COLLECTOR_ID, QR_FORMAT],
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The QR code as PNG."),
            (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.BINARY, description="The QR code as SVG."),
            **{(code, "application/json"): response for code, response in errors(404).items()},
        },
    )
    def get(self, request: Request, collector_id: int, image_format: str) -> HttpResponse:
        collector = selectors.get_collector_for_user(collector_id=collector_id, user=request.user)
        if image_format not in qr.FORMATS or collector.kind != services.Collector.Kind.PUBLIC:
            raise services.NotFound()
        url = request.build_absolute_uri(reverse("frontend:respond-public", kwargs={"slug": collector.slug}))
        response = HttpResponse(qr.render_qr(url, image_format=image_format), content_type=qr.FORMATS[image_format])
        response["Content-Disposition"] = f'attachment; filename="qr-{collector.slug}.{image_format}"'
        return response


# --- responses collected elsewhere ----------------------------------------------------------


class ResponseImportApi(JsonApi):
    parser_classes = (MultiPartParser,)

    @extend_schema(
        tags=["collect"],
        summary="Import responses collected elsewhere (CSV or XLSX, one column per question key)",
        description=(
            "Values may be choice codes or labels; multiple choice as space-separated codes (KoBoToolbox, ODK). "
            "All or nothing: problems are listed per row in `error.fields.file`; importing the same file twice "
            "is refused with 409."
        ),
        parameters=[SURVEY_SLUG],
        request={"multipart/form-data": FileUploadInputSerializer},
        responses={201: ResponseImportOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
        data = validated(FileUploadInputSerializer, request.data)
        result = services.import_responses(
            survey=survey, file=data["file"], filename=data["file"].name, imported_by=request.user
        )
        body = ResponseImportOutputSerializer({"imported": result.count, "collector": result.collector.id}).data
        return ApiResponse(body, status=status.HTTP_201_CREATED)
