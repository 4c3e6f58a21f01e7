"""django-axes: five wrong passwords lock the account for the cool-off period (15 min ≥ CJIS's 10)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from coopcases.audit.models import AuditEntry
from tests.factories import magistrate

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def _rewind_attempts(minutes):
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - timedelta(minutes=minutes))


def test_five_failures_lock_the_account_even_with_the_right_password(client):
    person = magistrate()
    for _ in range(4):
        assert _login(client, person.username, "wrong password 123").status_code == 200
    assert _login(client, person.username, "wrong password 123").status_code == 429
    assert _login(client, person.username, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # every refused attempt is logged, the one with the right password during the lockout included
    assert AuditEntry.objects.filter(action="login", outcome="failure", object_id=str(person.pk)).count() == 6
    lockout = AuditEntry.objects.filter(action="lockout").first()  # one per refused attempt while locked
    assert lockout.after["username"] == person.username and lockout.outcome == "denied"


def test_the_lock_holds_through_ten_minutes_and_lifts_after_the_cool_off(client):
    person = magistrate()
    for _ in range(5):
        _login(client, person.username, "wrong password 123")
    _rewind_attempts(minutes=10)
    assert _login(client, person.username, PASSWORD).status_code == 429  # and this attempt restarts the cool-off
    _rewind_attempts(minutes=14)
    assert _login(client, person.username, PASSWORD).status_code == 429
    _rewind_attempts(minutes=16)  # past AXES_COOLOFF_TIME since the last attempt
    response = _login(client, person.username, PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(person.pk)


def test_a_success_before_the_limit_resets_the_count(client):
    person = magistrate()
    for _ in range(4):
        _login(client, person.username, "wrong password 123")
    assert _login(client, person.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _login(client, person.username, "wrong password 123").status_code == 200
    assert _login(client, person.username, PASSWORD).status_code == 302


def test_failures_from_one_address_lock_it_for_every_username(client):
    """Lockout by username or by address: spraying one password over many accounts is stopped too."""
    for i in range(5):
        _login(client, f"nobody{i}", "wrong password 123")
    person = magistrate()
    assert _login(client, person.username, PASSWORD).status_code == 429
