"""A retryable 503 when the database or the task broker is briefly away, never a 500 page.

PostgreSQL restarting (a fail-over, an upgrade, a crash) makes a request fail with Django's
``OperationalError`` or ``InterfaceError``; Redis going away makes queueing a task fail with kombu's
``OperationalError``. Both are transient: the request is answered with ``503 Service Unavailable``
and ``Retry-After``, as JSON in the API's error format (``{"error": {"code": "service_unavailable",
…}}``) under ``/api/`` and as a small self-contained HTML page elsewhere (no template, static file or
database needed to draw it). A client that sends the same request again (the same submission key
for a response) gets the normal answer once the service is back: whatever the failed attempt may
already have committed, the retry finds it instead of writing it twice.

Two entry points cover every place such an error can surface:

* ``ServiceUnavailableMiddleware.process_exception`` for errors raised by views (DRF re-raises
  exceptions its own handler does not map), with DEBUG on or off;
* ``handle_server_error`` (``handler500``) for errors raised outside views, e.g. by the session
  middleware saving a session (Django only calls it when DEBUG is off).

Stale persistent connections are handled by the settings, not here: ``CONN_HEALTH_CHECKS`` makes
the first query of the next request check a reused connection and reconnect when the server
restarted, and Django closes a connection that raised an error at the end of the request.
"""

import logging
import sys

import kombu.exceptions
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.defaults import server_error

from config.api import error_body

TRANSIENT_ERRORS = (OperationalError, InterfaceError, kombu.exceptions.OperationalError)
logger = logging.getLogger(__name__)


def is_transient(error: BaseException | None) -> bool:
    """Whether ``error`` (or an error it was raised from) means a service is briefly unavailable."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, TRANSIENT_ERRORS):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON in the API's error format under /api/, a plain page elsewhere."""
    if request.path.startswith("/api/"):
        message = _("The service is briefly unavailable. Send the same request again in a few seconds.")
        response: HttpResponse = JsonResponse(error_body(code="service_unavailable", message=message), status=503)
    else:
        title = _("Briefly unavailable")
        text = _(
            "We could not finish this request because the service is briefly unavailable. Please wait a few "
            "seconds and try again; if you were sending answers, go back and send the page again."
        )
        page = format_html(
            '<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title></head>'
            '<body style="font-family: sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem">'
            "<main><h1>{}</h1><p>{}</p></main></body></html>",
            get_language() or settings.LANGUAGE_CODE,
            title,
            title,
            text,
        )
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(settings.SERVICE_UNAVAILABLE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class ServiceUnavailableMiddleware:
    """Turn a transient database or broker error raised by a view into a retryable 503."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_transient(exception):
            # With its traceback: on SQLite a missing table is an OperationalError too.
            logger.warning("Answered 503 to %s %s", request.method, request.path, exc_info=exception)
            return service_unavailable(request)
        return None


def handle_server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a transient error raised outside a view is a 503 too; anything else stays a 500."""
    if is_transient(sys.exc_info()[1]):
        return service_unavailable(request)
    return server_error(request)
