"""Helpers shared by the reference, assets, deadlines and notifications API tests (imported explicitly)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

PROBLEM = "application/problem+json"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def problem_names(response) -> list[str]:
    """The field names a problem+json response blames."""
    assert response["Content-Type"].startswith(PROBLEM), response.content
    return [p["name"] for p in response.json().get("invalid_params", [])]


def queries_for(client, url: str, **params) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


def assert_constant_queries(client, url: str, **params):
    """Same number of queries for a page of 1 and a page of 50 (after a warm-up request), and both pages full."""
    queries_for(client, url, page_size=1, **params)
    small, page1 = queries_for(client, url, page_size=1, **params)
    large, page50 = queries_for(client, url, page_size=50, **params)
    assert len(page1["results"]) == 1 and len(page50["results"]) > 1
    assert small == large, f"{small} queries for 1 row, {large} for {len(page50['results'])}"
    return large
