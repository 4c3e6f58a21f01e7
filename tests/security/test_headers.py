"""Security headers on pages and on the API; CSRF refusals are logged."""

import pytest
from django.test import Client

from coopcases.audit.models import AuditEntry
from tests.factories import magistrate
from tests.security.helpers import sign_in_verified

pytestmark = pytest.mark.django_db


def test_pages_get_a_strict_csp_and_the_other_headers(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_api_gets_the_json_only_policy(client):
    response = client.get("/api/v1/")
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_pages_for_signed_in_people_are_not_cached(client):
    sign_in_verified(client, magistrate())
    assert client.get("/")["Cache-Control"] == "no-store"


def test_a_forged_csrf_token_is_refused_and_logged():
    client = Client(enforce_csrf_checks=True)
    person = magistrate()
    sign_in_verified(client, person)
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": "forged"})
    assert response.status_code == 403
    entry = AuditEntry.objects.get(action="csrf_refused")
    assert (entry.actor_id, entry.outcome, entry.object_id) == (person.pk, "denied", "/accounts/logout/")
