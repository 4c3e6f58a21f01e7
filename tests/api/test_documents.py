"""The API root, its schema and Swagger UI, and the answer to URLs nobody routes."""

import pytest

from tests.api.conftest import session_client

pytestmark = pytest.mark.django_db


def test_the_root_lists_the_resources(world, partner):
    body = partner(world.authorities["pe-fecor"], scopes=("reference:read",)).api.get("/api/v1/").json()
    assert {"mla-requests", "cases", "jits"} <= set(body) and body["jits"].endswith("/api/v1/jits/")


def test_schema_and_swagger_ui_come_from_our_origin(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/mla-requests/" in schema.content
    page = client.get("/api/docs/")
    assert page.status_code == 200 and b"cdn." not in page.content and b"<script>" not in page.content


def test_an_unrouted_api_url_is_a_problem(world):
    response = session_client(world.user("magistrate:pe-fecor")).get("/api/v1/no-such-resource/")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
