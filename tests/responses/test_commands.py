import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from responses.models import Collector

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_public_link_creates_the_link_once_and_prints_it(survey):
    first = run("public_link", survey.slug)
    again = run("public_link", survey.slug, "--base-url", "https://khaosat.example/")
    collector = Collector.objects.get(survey=survey)
    assert f"http://127.0.0.1:8000/r/{collector.slug}/" in first
    assert f"https://khaosat.example/r/{collector.slug}/" in again


def test_public_link_refuses_an_unknown_survey():
    with pytest.raises(CommandError):
        run("public_link", "nope")


def test_seed_demo_prints_a_working_public_link(settings, client):
    settings.DEBUG = True
    output = run("seed_demo")
    url = re.search(r"http://127\.0\.0\.1:8000(/r/[a-z0-9]+/)", output).group(1)
    assert client.get(url).status_code == 200
    run("seed_demo")
    assert Collector.objects.count() == 1
