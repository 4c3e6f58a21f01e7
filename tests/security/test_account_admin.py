"""Account administration goes through the services: disabling revokes, resets are audited, no secrets shown."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from coopcases.accounts.models import User
from coopcases.accounts.otp import current_token, totp_device_for_demo
from coopcases.audit.models import AuditEntry
from tests.factories import magistrate
from tests.security.factories import administrator
from tests.security.helpers import sign_in_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = administrator(is_superuser=True)
    sign_in_verified(client, user)
    return client


def _form(user, **changes):
    data = {
        "username": user.username, "email": user.email, "first_name": "", "last_name": "", "is_active": "on",
        "preferred_language": "en", "time_zone": "UTC", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        "authority": user.authority_id, "roles": [r.pk for r in user.roles.all()],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_disabling_in_the_admin_goes_through_the_service(admin_client):
    person = magistrate()
    response = admin_client.post(f"/admin/accounts/user/{person.pk}/change/", _form(person, is_active=None))
    assert response.status_code == 302, response.content[:2000]
    person.refresh_from_db()
    assert not person.is_active and person.deactivated_at is not None
    assert AuditEntry.objects.get(action="deactivate", object_id=str(person.pk)).reason == "disabled in the admin"
    assert "is_active" in AuditEntry.objects.get(action="update", object_id=str(person.pk)).after["fields"]


def test_resetting_the_second_factor_removes_devices_and_is_audited(admin_client):
    person = magistrate()
    totp_device_for_demo(person)
    response = admin_client.post("/admin/accounts/user/", {"action": "reset_second_factor", "_selected_action": [person.pk]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert AuditEntry.objects.get(action="otp_reset").after == {"devices_removed": 1}


def test_the_admin_shows_no_totp_secrets(admin_client):
    assert admin_client.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_demo_device_is_stable_and_its_code_printable(settings, capsys):
    person = magistrate()
    first, secret = totp_device_for_demo(person)
    again, same = totp_device_for_demo(person)
    assert first.pk == again.pk and secret == same and len(secret) == 32
    settings.DEBUG = True
    call_command("totp_code", person.username)
    assert capsys.readouterr().out.strip() == current_token(first)
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("totp_code", person.username)
    assert User.objects.get(pk=person.pk).is_active
