"""An unknown URL under /api/ answers in the API's error format; an unknown page keeps the HTML page."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_unknown_api_url_answers_in_the_error_format(api_client):
    response = api_client.get("/api/weighting-runs/not-a-number/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_an_unknown_page_is_still_an_html_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
