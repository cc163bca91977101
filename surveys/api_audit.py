"""The audit log API: a workspace's log, newest first, for its owners only (read-only)."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from surveys import audit, selectors
from surveys.api import WORKSPACE_SLUG, PaginatedApi, errors
from surveys.core.roles import Capability
from surveys.serializers_audit import AuditEventOutputSerializer, AuditFilterInputSerializer


class AuditLogApi(PaginatedApi):
    @extend_schema(
        tags=["workspaces"],
        summary="List the workspace's audit log (owners)",
        description="Who created, edited, published, closed, exported or deleted what, and when; newest first. "
        "Builder edits count once per survey and person per 10 minutes. The log cannot be changed.",
        parameters=[WORKSPACE_SLUG, AuditFilterInputSerializer],
        responses={200: AuditEventOutputSerializer(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        workspace = selectors.get_workspace_for_user(slug=slug, user=request.user, capability=Capability.MANAGE)
        query = AuditFilterInputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        events = audit.list_events(workspace=workspace, filters=query.filters())
        return self.paginated(request, events, AuditEventOutputSerializer)
