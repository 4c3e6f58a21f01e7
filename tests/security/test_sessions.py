"""Sessions end after 15 minutes idle and 12 hours in all; a disabled account's sessions die at the next request."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from coopcases.accounts.services import user_deactivate, user_reactivate
from coopcases.audit.models import AuditEntry
from tests.audit.helpers import clock_at
from tests.factories import magistrate
from tests.security.factories import administrator
from tests.security.helpers import sign_in_verified

pytestmark = pytest.mark.django_db
DASHBOARD = "/"


@pytest.fixture
def signed_in(client):
    person = magistrate()
    sign_in_verified(client, person)
    assert client.get(DASHBOARD).status_code == 200
    return person


def test_a_session_survives_activity_within_the_idle_limit(client, signed_in, monkeypatch):
    start = timezone.now()
    for minutes in (14, 28, 42):  # a request every 14 minutes keeps it alive
        with clock_at(monkeypatch, start + timedelta(minutes=minutes)):
            assert client.get(DASHBOARD).status_code == 200


def test_fifteen_minutes_idle_ends_the_session(client, signed_in, monkeypatch):
    with clock_at(monkeypatch, timezone.now() + timedelta(minutes=15, seconds=5)):
        response = client.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.get(action="session_end", object_id=str(signed_in.pk)).reason == "idle timeout"


def test_twelve_hours_end_the_session_however_active(client, signed_in, monkeypatch):
    start = timezone.now()
    for minutes in range(10, 12 * 60, 10):
        with clock_at(monkeypatch, start + timedelta(minutes=minutes)):
            assert client.get("/healthz").status_code == 200  # cheap activity that touches the session
    with clock_at(monkeypatch, start + timedelta(hours=12, minutes=5)):
        response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="session_end").reason == "absolute session lifetime reached"


def test_a_disabled_account_is_signed_out_at_its_next_request(client, signed_in):
    user_deactivate(actor=administrator(), user=signed_in, reason="left the service")
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and SESSION_KEY not in client.session
    assert AuditEntry.objects.get(action="session_end").reason == "account disabled"
    user_reactivate(actor=administrator(), user=signed_in, reason="returned")
    assert client.get(DASHBOARD).status_code == 302, "the ended session does not come back"


def test_a_session_cookie_is_http_only_and_same_site(client, signed_in, settings):
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE in ("Lax", "Strict")
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600 and settings.SESSION_IDLE_TIMEOUT_SECONDS <= 15 * 60


def test_activity_is_written_at_most_once_a_minute(client, signed_in, monkeypatch):
    """No session write per request, and no device lookups beyond django-otp's load of the session's device."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(DASHBOARD)
    statements = [q["sql"] for q in queries.captured_queries]
    assert not any("django_session" in sql and sql.startswith("UPDATE") for sql in statements)
    assert sum("otp_" in sql for sql in statements) == 1
    # The dashboard reads its own rows too; of the session machinery only: session, user, the verified device.
    session_tables = [re.search(r'FROM "(\w+)"', sql).group(1) for sql in statements if sql.startswith("SELECT")]
    assert len([t for t in session_tables if t in ("django_session", "accounts_user") or t.startswith("otp_")]) == 3
    with clock_at(monkeypatch, timezone.now() + timedelta(seconds=61)), CaptureQueriesContext(connection) as queries:
        client.get(DASHBOARD)
    assert any("django_session" in q["sql"] and q["sql"].startswith("UPDATE") for q in queries.captured_queries)
