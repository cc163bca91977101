"""API conventions shared by every app: one error format, one pagination style."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler

from surveys.errors import DomainError


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def _flatten_details(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error details into {"field.sub": [messages]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten_details(value, name))
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        flat = {}
        for index, value in enumerate(detail):
            flat.update(_flatten_details(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "non_field_errors": [str(detail)]}


def error_body(*, code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    """Return the one error format every endpoint uses."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def handle_api_exception(exc: Exception, context: dict) -> Response | None:
    """Map domain and DRF errors to {"error": {"code", "message", "fields"}} with translated text."""
    if isinstance(exc, DomainError):
        return Response(
            error_body(code=exc.code, message=str(exc.message), fields=exc.fields),
            status=exc.http_status,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(
            code="invalid",
            message=_("The request contains invalid data."),
            fields=_flatten_details(exc.detail),
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        if isinstance(detail, (dict, list)):
            body = error_body(code=code, message=str(exc.default_detail), fields=_flatten_details(detail))
        else:
            body = error_body(code=getattr(detail, "code", code) or code, message=str(detail))
    response.data = body
    if response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        response.data["error"]["code"] = "method_not_allowed"
    return response


def handle_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Answer an unknown URL under /api/ in the API's error format; pages keep the HTML 404 page."""
    if request.path.startswith("/api/"):
        body = error_body(code="not_found", message=str(exceptions.NotFound.default_detail))
        return JsonResponse(body, status=status.HTTP_404_NOT_FOUND)
    return page_not_found(request, exception)


def document_unsupported_media_type(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Add the 415 answer (in the error format) to every operation that reads a request body.

    A drf-spectacular postprocessing hook: DRF refuses a body whose Content-Type its parsers do not read
    before the view runs, so no view's own schema can list it.
    """
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation["responses"].setdefault(
                    "415",
                    {
                        "description": "The body's media type is not one this operation reads.",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOutput"}}},
                    },
                )
    return result
