"""The OpenAPI schema and its documentation pages."""

import re

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_generates_and_validates_without_warnings(tmp_path):
    # Equivalent of `manage.py spectacular --validate --fail-on-warn`; raises on any warning or error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert yaml.safe_load((tmp_path / "schema.yml").read_text())["openapi"].startswith("3.")


def test_schema_is_served_to_anyone(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert "/api/surveys/{slug}/publish/" in yaml.safe_load(response.content)["paths"]


def test_every_protected_operation_documents_the_error_format(schema):
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        # Signing in and the public submission endpoint (respondents have no account) need no credentials.
        if method in HTTP_METHODS and path != "/api/auth/token/" and not path.startswith("/api/public/")
    ]
    undocumented = [
        (path, method)
        for path, method, operation in operations
        if operation["responses"].get("401", {}).get("content", {}).get("application/json", {}).get("schema")
        != {"$ref": "#/components/schemas/ErrorOutput"}
    ]
    assert operations
    assert undocumented == []


def test_every_path_parameter_is_described(schema):
    parameters = [
        parameter
        for item in schema["paths"].values()
        for method, operation in item.items()
        if method in HTTP_METHODS
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    ]
    assert parameters
    assert all(parameter.get("description") for parameter in parameters)


def test_list_operations_return_the_paginated_shape(schema):
    listed = schema["paths"]["/api/surveys/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    paginated = schema["components"]["schemas"][listed["$ref"].rsplit("/", 1)[1]]
    assert set(paginated["properties"]) == {"count", "next", "previous", "results"}


def test_display_logic_is_documented_as_a_component(schema):
    logic = schema["components"]["schemas"]["DisplayLogic"]
    assert set(logic["properties"]) == {"match", "conditions"}


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_only_local_static_files(client, url):
    # drf-spectacular's own Redoc template pulls Google Fonts; ours must work offline.
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert assets
    assert all(asset.startswith(f"/{settings.STATIC_URL.strip('/')}/drf_spectacular_sidecar/") for asset in assets)
    assert not re.search(r"https?://|//[a-z0-9-]+\.[a-z]", html)
