"""QR codes of public links: PNG and SVG through the API."""

import pytest
import segno
from django.urls import reverse
from rest_framework.test import APIClient

from responses import services
from responses.core import qr


def test_png_and_svg_hold_the_same_code():
    url = "https://khaosat.example.vn/r/abcdefghijkl/"
    png = qr.render_qr(url, image_format="png")
    svg = qr.render_qr(url, image_format="svg").decode()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert svg.startswith("<svg") and f"<title>{url}</title>" in svg
    code = segno.make(url, error="m", micro=False)
    size = (code.symbol_size(scale=qr.SCALE, border=qr.BORDER))[0]
    assert f'width="{size}"' in svg
    assert code.designator.endswith("M")  # error correction M: survives a smudged poster


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError):
        qr.render_qr("https://x.vn/", image_format="gif")


@pytest.fixture
def api(researcher):
    client = APIClient()
    client.force_authenticate(researcher)
    return client


@pytest.mark.parametrize("image_format", ["png", "svg"])
def test_api_serves_the_qr_code_of_the_public_link(api, collector, image_format):
    url = reverse("responses:collector-qr", kwargs={"collector_id": collector.id, "image_format": image_format})
    response = api.get(url, HTTP_ACCEPT="image/*")
    assert response.status_code == 200
    assert response["Content-Type"] == qr.FORMATS[image_format]
    link = f"http://testserver/r/{collector.slug}/"
    assert response.content == qr.render_qr(link, image_format=image_format)


def test_api_has_no_qr_for_personal_invitations_or_unknown_formats(api, survey, researcher, collector):
    invitations = services.create_collector(survey=survey, created_by=researcher, kind="invitation")
    url = reverse("responses:collector-qr", kwargs={"collector_id": invitations.id, "image_format": "png"})
    response = api.get(url)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    url = reverse("responses:collector-qr", kwargs={"collector_id": collector.id, "image_format": "bmp"})
    assert api.get(url).status_code == 404
