"""TOTP second factor: who must enrol, the verify step after the password, the admin behind it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from coopcases.accounts.otp import base32_secret, current_token, totp_device_for_demo, two_factor_required
from coopcases.accounts.roles import RoleCode
from coopcases.audit.models import AuditEntry
from tests.factories import UserFactory, central_officer, magistrate
from tests.security.factories import administrator, auditor
from tests.security.helpers import sign_in_verified

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
DASHBOARD = "/"


def _password_login(client, user, next_url=DASHBOARD):
    return client.post(f"{reverse('login')}?next={next_url}", {"username": user.username, "password": PASSWORD})


@pytest.mark.parametrize(
    ("make", "required"),
    [(central_officer, True), (auditor, True), (administrator, True), (magistrate, False),
     (lambda: UserFactory(roles=[RoleCode.SERVICE_ACCOUNT], is_staff=True), False)],
)
def test_who_must_enrol(make, required):
    assert two_factor_required(make()) is required


def test_an_officer_without_a_device_is_sent_to_enrol_and_confirms_with_a_code(client):
    officer = central_officer()
    response = _password_login(client, officer)
    assert response.status_code == 302
    page = client.get(DASHBOARD)
    assert page.status_code == 302 and page["Location"].startswith(reverse("accounts:two_factor_setup"))

    setup = client.get(page["Location"])
    assert setup.status_code == 200 and "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    assert f"<code>{base32_secret(device)}</code>" in setup.content.decode()

    wrong = client.post(page["Location"], {"token": "000000" if current_token(device) != "000000" else "111111"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    throttled = client.post(page["Location"], {"token": current_token(device)})
    assert throttled.status_code == 200, "right after a wrong code the device is throttled"
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=10))
    done = client.post(page["Location"], {"token": current_token(device)})
    assert done.status_code == 302 and done["Location"] == DASHBOARD
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(DASHBOARD).status_code == 200
    assert list(AuditEntry.objects.filter(actor=officer, action="otp_enrol").values_list("outcome", flat=True)) == ["failure", "failure", "success"]


def test_after_the_password_an_enrolled_person_must_give_the_code(client):
    officer = central_officer()
    device, _ = totp_device_for_demo(officer)
    _password_login(client, officer)
    page = client.get(DASHBOARD)
    assert page["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert client.post(page["Location"], {"token": "12345"}).status_code == 200  # malformed: form error
    session_before = client.session.session_key
    response = client.post(page["Location"], {"token": current_token(device)})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert client.session.session_key != session_before  # new session id once verified
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get(DASHBOARD).status_code == 200


def test_a_code_is_accepted_once_only(client):
    officer = central_officer()
    device, _ = totp_device_for_demo(officer)
    token = current_token(device)
    _password_login(client, officer)
    assert client.post(reverse("accounts:two_factor_verify"), {"token": token}).status_code == 302
    other = client.__class__()
    _password_login(other, officer)
    replay = other.post(reverse("accounts:two_factor_verify"), {"token": token})
    assert replay.status_code == 200 and DEVICE_ID_SESSION_KEY not in other.session
    assert AuditEntry.objects.filter(actor=officer, action="otp_verify", outcome="failure").count() == 1


def test_enrolment_is_refused_once_a_device_exists(client):
    """A stolen password alone must not let someone add their own authenticator."""
    officer = central_officer()
    totp_device_for_demo(officer)
    _password_login(client, officer)
    response = client.get(reverse("accounts:two_factor_setup"))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer, confirmed=False).exists()


def test_a_magistrate_without_a_device_signs_in_with_the_password_alone(client):
    person = magistrate()
    _password_login(client, person)
    assert client.get(DASHBOARD).status_code == 200


def test_a_magistrate_who_enrolled_is_asked_for_the_code(client):
    person = magistrate()
    totp_device_for_demo(person)
    _password_login(client, person)
    assert client.get(DASHBOARD)["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_the_api_refuses_a_session_that_still_owes_the_code(client):
    officer = central_officer()
    totp_device_for_demo(officer)
    _password_login(client, officer)
    assert client.get("/api/v1/").status_code in (401, 403)
    sign_in_verified(client, officer)
    assert client.get("/api/v1/").status_code == 200


def test_the_admin_needs_staff_and_the_second_factor(client):
    admin_user = administrator()
    _password_login(client, admin_user, next_url="/admin/")
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == f"{reverse('accounts:two_factor_setup')}?next=/admin/"
    client.force_login(magistrate())
    assert client.get("/admin/").status_code == 302, "not staff"
    sign_in_verified(client, admin_user)
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_page_sends_people_through_the_one_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == f"{reverse('login')}?next=/admin/"


def test_the_login_page_shows_the_system_use_notice(client):
    assert "every access is recorded" in client.get(reverse("login")).content.decode()


def test_the_enforcement_switch_is_a_deploy_check(settings):
    from coopcases.accounts.checks import two_factor_enforced

    settings.TWO_FACTOR_ENFORCED = False
    assert [w.id for w in two_factor_enforced(None)] == ["coopcases.W001"]
