"""Signing test clients in the way people sign in: password and second factor."""

from django_otp import DEVICE_ID_SESSION_KEY

from coopcases.accounts.middleware import session_mark_login
from coopcases.accounts.otp import totp_device_for_demo


def sign_in_verified(client, user):
    """A session that has passed both factors (for tests of what comes after sign-in)."""
    device, _ = totp_device_for_demo(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session_mark_login(session)
    session.save()
    return device
