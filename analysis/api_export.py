"""The export API: start an export (a background task), poll it, download the file until it expires.

Every endpoint needs the ``analyse`` capability (``analysis.export.get_survey_for_export``): not
a member → 404, lacking the capability → 403. A download after expiry is 410 Gone.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse

from analysis import export
from analysis.serializers_export import ExportInputSerializer, ExportJobOutputSerializer
from surveys.api import SURVEY_SLUG, ErrorOutputSerializer, JsonApi, PaginatedApi, errors, validated

TAG = "exports"
JOB_ID = OpenApiParameter("job_id", int, OpenApiParameter.PATH, description="The export job's id.")


class ExportJobListApi(PaginatedApi):
    @extend_schema(
        tags=[TAG],
        summary="List a survey's exports, newest first",
        parameters=[SURVEY_SLUG],
        responses={200: ExportJobOutputSerializer(many=True), **errors(403, 404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        survey = export.get_survey_for_export(slug=slug, user=request.user)
        return self.paginated(request, export.list_export_jobs(survey=survey), ExportJobOutputSerializer)

    @extend_schema(
        tags=[TAG],
        summary="Export a survey's responses and results (a background task; poll the job)",
        description="xlsx: Summary (with charts), Crosstabs, Open answers, Insights, Representativeness, "
        "Responses and Codebook sheets. csv (UTF-8 with BOM) and sav (SPSS, value labels): the responses.",
        parameters=[SURVEY_SLUG],
        request=ExportInputSerializer,
        responses={202: ExportJobOutputSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> ApiResponse:
        survey = export.get_survey_for_export(slug=slug, user=request.user)
        data = validated(ExportInputSerializer, request.data)
        export_request = export.ExportRequest(
            format=data["format"],
            codes=data["codes"],
            language=data["language"],
            weighted=data["weighted"],
            completed_only=data["completed_only"],
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            collector_id=data.get("collector"),
            segment_key=data.get("segment", ""),
            segment_values=tuple(data.get("segment_values", ())),
        )
        job = export.start_export(survey=survey, request=export_request, requested_by=request.user)
        job.refresh_from_db()
        return ApiResponse(ExportJobOutputSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ExportJobDetailApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Show an export: status, progress, size, expiry and download link",
        parameters=[JOB_ID],
        responses={200: ExportJobOutputSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, job_id: int) -> ApiResponse:
        job = export.get_export_job_for_user(job_id=job_id, user=request.user)
        return ApiResponse(ExportJobOutputSerializer(job).data)


class ExportJobDownloadApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Download an export's file",
        parameters=[JOB_ID],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            **errors(403, 404, 409),
            410: OpenApiResponse(ErrorOutputSerializer, description="The export has expired."),
        },
    )
    def get(self, request: Request, job_id: int):
        job = export.get_export_job_for_user(job_id=job_id, user=request.user)
        return export.download_response(job=job)
