"""Database or broker briefly away: a retryable 503 (JSON for the API, a plain page elsewhere), never a 500.

The errors here are the real exception classes Django and kombu raise; PostgreSQL and Redis going
away for real, under gunicorn, is tests/faults/ (``make test-faults``).
"""

import json

import kombu.exceptions
import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory
from django.utils import translation

from config.unavailable import ServiceUnavailableMiddleware, handle_server_error, is_transient


def _answer(path: str, error: Exception, language: str = "vi"):
    request = RequestFactory().post(path)
    with translation.override(language):
        return ServiceUnavailableMiddleware(lambda request: None).process_exception(request, error)


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection to server at 127.0.0.1 failed: Connection refused"),
        InterfaceError("connection already closed"),
        kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
    ],
)
def test_the_api_answers_503_with_retry_after_in_its_error_format(error, settings):
    settings.SERVICE_UNAVAILABLE_RETRY_AFTER = 2
    response = _answer("/api/public/collectors/abc/responses/", error, language="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "2" and response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["error"]["code"] == "service_unavailable" and body["error"]["fields"] == {}
    assert body["error"]["message"] == (
        "The service is briefly unavailable. Send the same request again in a few seconds."
    )


def test_a_page_gets_a_plain_translated_page():
    response = _answer("/r/abc/", OperationalError("the database system is shutting down"))
    assert response.status_code == 503 and response["Retry-After"].isdigit()
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert '<html lang="vi">' in page and "<h1>Tạm thời không phục vụ được</h1>" in page
    assert "shutting down" not in page  # the error itself is for the log, not the respondent


def test_an_error_raised_from_a_transient_one_counts_and_others_do_not():
    try:
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as cause:
            raise RuntimeError("while saving") from cause
    except RuntimeError as wrapped:
        assert is_transient(wrapped)
    assert not is_transient(ValueError("bad input"))
    assert _answer("/api/x/", ValueError("bad input")) is None  # a bug stays a 500


def test_the_500_handler_answers_503_for_a_transient_error_raised_outside_a_view():
    request = RequestFactory().get("/r/abc/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        assert handle_server_error(request).status_code == 503
    try:
        raise KeyError("a bug")
    except KeyError:
        assert handle_server_error(request).status_code == 500
