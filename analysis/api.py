"""The analysis REST API: population target sets, their mapping onto surveys, representativeness, weighting.

Permissions come from the selectors (not a member: 404, lacking the capability: 403): reading
needs ``view``; creating, editing, attaching, weighting and discarding weights need ``analyse``.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse

from analysis import selectors, services
from analysis.representativeness import get_representativeness_report
from analysis.serializers import (
    RepresentativenessOutputSerializer,
    ResponseWeightOutputSerializer,
    TargetMappingInputSerializer,
    TargetMappingOutputSerializer,
    TargetSetInputSerializer,
    TargetSetOutputSerializer,
    TargetSetPresetInputSerializer,
    TargetSetUploadInputSerializer,
    WeightingRunInputSerializer,
    WeightingRunOutputSerializer,
)
from surveys import selectors as survey_selectors
from surveys.api import SURVEY_SLUG, WORKSPACE_SLUG, JsonApi, PaginatedApi, errors, validated
from surveys.core.roles import Capability
from surveys.errors import NotFound

TARGET_SET_ID = OpenApiParameter("target_set_id", int, OpenApiParameter.PATH, description="The target set's id.")
RUN_ID = OpenApiParameter("run_id", int, OpenApiParameter.PATH, description="The weighting run's id.")
TAG = "weighting"


def _mapping_data(mapping) -> dict:
    return {
        "survey": mapping.survey.slug,
        "target_set": mapping.target_set_id,
        "unmatched_policy": mapping.unmatched_policy,
        "variables": {
            vm.target_variable.name: {"question_key": vm.question_key, "recoding": vm.recoding}
            for vm in mapping.variables.all()
        },
    }


class TargetSetListApi(PaginatedApi):
    @extend_schema(
        tags=[TAG],
        summary="List a workspace's population target sets",
        parameters=[WORKSPACE_SLUG],
        responses={200: TargetSetOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        workspace = survey_selectors.get_workspace_for_user(slug=slug, user=request.user)
        return self.paginated(request, selectors.list_target_sets(workspace=workspace), TargetSetOutputSerializer)

    @extend_schema(
        tags=[TAG],
        summary="Create a target set (shares or counts per category, per variable)",
        parameters=[WORKSPACE_SLUG],
        request=TargetSetInputSerializer,
        responses={201: TargetSetOutputSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> ApiResponse:
        workspace = survey_selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
        data = validated(TargetSetInputSerializer, request.data)
        target_set = services.create_target_set(workspace=workspace, created_by=request.user, **data)
        target_set = selectors.get_target_set_of_workspace(workspace=workspace, target_set_id=target_set.id)
        return ApiResponse(TargetSetOutputSerializer(target_set).data, status=status.HTTP_201_CREATED)


class TargetSetUploadApi(JsonApi):
    parser_classes = (MultiPartParser,)

    @extend_schema(
        tags=[TAG],
        summary="Create a target set from a CSV or XLSX file",
        description=(
            "Columns: variable, category, share or count, label_vi, label_en. All or nothing: any bad row refuses "
            "the file with 400 and lists each row's problem in `error.fields.file`."
        ),
        parameters=[WORKSPACE_SLUG],
        request={"multipart/form-data": TargetSetUploadInputSerializer},
        responses={201: TargetSetOutputSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> ApiResponse:
        workspace = survey_selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
        data = validated(TargetSetUploadInputSerializer, request.data)
        target_set = services.import_target_set(workspace=workspace, created_by=request.user, **data)
        target_set = selectors.get_target_set_of_workspace(workspace=workspace, target_set_id=target_set.id)
        return ApiResponse(TargetSetOutputSerializer(target_set).data, status=status.HTTP_201_CREATED)


class TargetSetPresetApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Copy a built-in preset (Viet Nam population, Census 2019) into the workspace",
        parameters=[WORKSPACE_SLUG],
        request=TargetSetPresetInputSerializer,
        responses={201: TargetSetOutputSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> ApiResponse:
        workspace = survey_selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
        data = validated(TargetSetPresetInputSerializer, request.data)
        target_set = services.create_target_set_from_preset(workspace=workspace, created_by=request.user, **data)
        target_set = selectors.get_target_set_of_workspace(workspace=workspace, target_set_id=target_set.id)
        return ApiResponse(TargetSetOutputSerializer(target_set).data, status=status.HTTP_201_CREATED)


class TargetSetDetailApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Show a target set",
        parameters=[TARGET_SET_ID],
        responses={200: TargetSetOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, target_set_id: int) -> ApiResponse:
        target_set = selectors.get_target_set_for_user(target_set_id=target_set_id, user=request.user)
        return ApiResponse(TargetSetOutputSerializer(target_set).data)

    @extend_schema(
        tags=[TAG],
        summary="Replace a target set's name, source, notes and variables",
        description="While surveys use the set, only shares, counts and labels may change (409 otherwise).",
        parameters=[TARGET_SET_ID],
        request=TargetSetInputSerializer,
        responses={200: TargetSetOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def put(self, request: Request, target_set_id: int) -> ApiResponse:
        target_set = selectors.get_target_set_for_user(
            target_set_id=target_set_id, user=request.user, capability=Capability.ANALYSE
        )
        data = validated(TargetSetInputSerializer, request.data)
        services.update_target_set(target_set=target_set, **data)
        target_set = selectors.get_target_set_for_user(target_set_id=target_set_id, user=request.user)
        return ApiResponse(TargetSetOutputSerializer(target_set).data)

    @extend_schema(
        tags=[TAG],
        summary="Delete a target set no survey uses",
        parameters=[TARGET_SET_ID],
        responses={204: None, **errors(403, 404, 409)},
    )
    def delete(self, request: Request, target_set_id: int) -> ApiResponse:
        target_set = selectors.get_target_set_for_user(
            target_set_id=target_set_id, user=request.user, capability=Capability.ANALYSE
        )
        services.delete_target_set(target_set=target_set)
        return ApiResponse(status=status.HTTP_204_NO_CONTENT)


class TargetMappingApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Show the survey's target set and how its questions map onto it",
        description="404 when no target set is attached to the survey.",
        parameters=[SURVEY_SLUG],
        responses={200: TargetMappingOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
        mapping = selectors.get_target_mapping(survey=survey)
        if mapping is None:
            raise NotFound()
        return ApiResponse(_mapping_data(mapping))

    @extend_schema(
        tags=[TAG],
        summary="Attach a target set to the survey with a question and recoding per variable",
        description=(
            "Each used variable lists every answer option of its question, recoded into a target category or "
            "null (excluded). Omit `variables` to take the mapping suggested from question roles and labels."
        ),
        parameters=[SURVEY_SLUG],
        request=TargetMappingInputSerializer,
        responses={200: TargetMappingOutputSerializer, **errors(400, 403, 404)},
    )
    def put(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
        data = validated(TargetMappingInputSerializer, request.data)
        target_set = selectors.get_target_set_of_workspace(workspace=survey.workspace, target_set_id=data["target_set"])
        services.save_target_mapping(
            survey=survey,
            target_set=target_set,
            variables=data["variables"],
            unmatched_policy=data["unmatched_policy"],
            updated_by=request.user,
        )
        return ApiResponse(_mapping_data(selectors.get_target_mapping(survey=survey)))

    @extend_schema(
        tags=[TAG],
        summary="Detach the survey's target set (past weighting runs are kept)",
        parameters=[SURVEY_SLUG],
        responses={204: None, **errors(403, 404)},
    )
    def delete(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
        services.detach_target_set(survey=survey)
        return ApiResponse(status=status.HTTP_204_NO_CONTENT)


class RepresentativenessApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Compare the survey's finished responses with its targets, before and after weighting",
        parameters=[SURVEY_SLUG],
        responses={200: RepresentativenessOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
        report = get_representativeness_report(survey=survey)
        body = {
            "survey": survey.slug,
            "target_set": report.mapping.target_set_id if report.mapping else None,
            "n_finished": report.n_finished,
            "flag_standardised_difference": report.flag_standardised_difference,
            "flag_relative_difference": report.flag_relative_difference,
            "variables": report.variables,
            "active_run": report.active_run,
            "weights_are_stale": report.weights_are_stale,
            "weights_discarded": report.discarded_run is not None,
        }
        return ApiResponse(RepresentativenessOutputSerializer(body).data)


class WeightingRunListApi(PaginatedApi):
    @extend_schema(
        tags=[TAG],
        summary="List the survey's weighting runs, newest first",
        parameters=[SURVEY_SLUG],
        responses={200: WeightingRunOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user)
        return self.paginated(
            request, selectors.list_runs(survey=survey).select_related("survey"), WeightingRunOutputSerializer
        )

    @extend_schema(
        tags=[TAG],
        summary="Start weighting the survey's finished responses (a background task; poll the run)",
        parameters=[SURVEY_SLUG],
        request=WeightingRunInputSerializer,
        responses={202: WeightingRunOutputSerializer, **errors(400, 403, 404, 409)},
    )
    def post(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
        data = validated(WeightingRunInputSerializer, request.data)
        run = services.create_weighting_run(survey=survey, created_by=request.user, **data)
        return ApiResponse(WeightingRunOutputSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class SurveyWeightsApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Discard the survey's current weights",
        description=(
            "Deletes the weights of the survey's latest succeeded weighting run; the run itself stays, with "
            "`weights_discarded` true. Results, crosstabs and exports are then unweighted until a new run "
            "succeeds. 409 when the survey has no weights."
        ),
        parameters=[SURVEY_SLUG],
        request=None,
        responses={204: None, **errors(403, 404, 409)},
    )
    def delete(self, request: Request, slug: str) -> ApiResponse:
        survey = survey_selectors.get_survey_for_user(slug=slug, user=request.user, capability=Capability.ANALYSE)
        services.discard_weights(survey=survey, discarded_by=request.user)
        return ApiResponse(status=status.HTTP_204_NO_CONTENT)


class WeightingRunDetailApi(JsonApi):
    @extend_schema(
        tags=[TAG],
        summary="Show a weighting run: status, progress, error, diagnostics",
        parameters=[RUN_ID],
        responses={200: WeightingRunOutputSerializer, **errors(404)},
    )
    def get(self, request: Request, run_id: int) -> ApiResponse:
        run = selectors.get_run_for_user(run_id=run_id, user=request.user)
        return ApiResponse(WeightingRunOutputSerializer(run).data)


class WeightingRunWeightsApi(PaginatedApi):
    @extend_schema(
        tags=[TAG],
        summary="List a run's weights, one per finished response (0: excluded from weighting)",
        parameters=[RUN_ID],
        responses={200: ResponseWeightOutputSerializer(many=True), **errors(404)},
    )
    def get(self, request: Request, run_id: int) -> ApiResponse:
        run = selectors.get_run_for_user(run_id=run_id, user=request.user)
        return self.paginated(request, selectors.list_weights(run=run), ResponseWeightOutputSerializer)
