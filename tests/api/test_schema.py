"""The OpenAPI document: committed in docs/openapi.yaml (`make schema`), valid, and documenting the conventions."""

from pathlib import Path

import yaml
from django.conf import settings
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


def _generated() -> dict:
    with translation.override("en"):
        return SchemaGenerator(api_version="v1").get_schema(request=None, public=True)


def test_the_committed_schema_is_the_generated_one():
    schema = _generated()
    validate_schema(schema)
    rendered = OpenApiYamlRenderer().render(schema, renderer_context={}).decode()
    assert COMMITTED.read_text() == rendered, "docs/openapi.yaml is out of date: run `make schema` and commit it"


def test_every_operation_documents_its_errors_as_problems():
    schema = yaml.safe_load(COMMITTED.read_text())
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for code in ("400", "401", "403", "429"):
                assert "application/problem+json" in responses[code]["content"], (method, path, code)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method == "patch":
                names = {p["name"]: p for p in operation["parameters"]}
                assert names["If-Match"]["required"] is True and {"412", "428"} <= set(responses), path
            if method == "post":
                assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]} and "422" in responses, path


def test_lists_document_paging_and_scopes():
    schema = yaml.safe_load(COMMITTED.read_text())
    listing = schema["paths"]["/api/v1/mla-requests/"]["get"]
    page_size = next(p for p in listing["parameters"] if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == 200
    assert {"oauth2": ["requests:read"]} in listing["security"]
    assert {"oauth2": ["requests:write"]} in schema["paths"]["/api/v1/mla-requests/"]["post"]["security"]
