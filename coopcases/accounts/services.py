"""Account services: disabling and re-enabling accounts, the TOTP second factor. Each writes its audit row."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from coopcases.accounts.models import User
from coopcases.audit.services import audit_record
from coopcases.core.exceptions import FieldProblem, ValidationFailed


def _revoke_tokens(user: User) -> int:
    """Delete the user's OAuth tokens and those of applications it owns (service accounts)."""
    count = 0
    for model in (get_refresh_token_model(), get_access_token_model()):
        deleted, _ = model.objects.filter(Q(user=user) | Q(application__user=user)).delete()
        count += deleted
    return count


def user_deactivate(*, actor, user: User, reason: str) -> User:
    """Disable an account: every session and token is refused from its next request (middleware, auth classes)."""
    if not reason.strip():
        raise ValidationFailed("Say why the account is disabled.", [FieldProblem("reason", "required", "required")])
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.is_active = False
        user.deactivated_at = user.deactivated_at or timezone.now()
        user.save(update_fields=["is_active", "deactivated_at"])
        revoked = _revoke_tokens(user)
        audit_record(actor=actor, action="deactivate", obj=user, after={"tokens_revoked": revoked}, reason=reason)
    return user


def user_reactivate(*, actor, user: User, reason: str) -> User:
    if not reason.strip():
        raise ValidationFailed("Say why the account is enabled again.", [FieldProblem("reason", "required", "required")])
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.pseudonymised_at is not None:
            raise ValidationFailed(
                "This account was pseudonymised under the retention policy and cannot be enabled again.",
                [FieldProblem("is_active", "account pseudonymised", "pseudonymised")],
            )
        user.is_active = True
        user.deactivated_at = None
        user.save(update_fields=["is_active", "deactivated_at"])
        audit_record(actor=actor, action="reactivate", obj=user, reason=reason)
    return user


def totp_enrol_confirm(*, actor: User, device: TOTPDevice, token: str) -> bool:
    """Confirm a pending device with the first code it shows. Other pending devices of the user are dropped."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=actor, confirmed=False)
        if not device.verify_token(token):
            audit_record(actor=actor, action="otp_enrol", obj=actor, outcome="failure", reason="wrong code")
            return False
        device.confirmed = True
        device.name = "authenticator"
        device.save(update_fields=["confirmed", "name"])
        TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
        audit_record(actor=actor, action="otp_enrol", obj=actor, after={"device_id": device.pk})
    return True


def two_factor_verify(*, actor: User, token: str):
    """The device of `actor` that accepts `token`, or None. Failures count towards the device's throttle."""
    with transaction.atomic():
        for device in devices_for_user(actor, confirmed=True, for_verify=True):
            if device.verify_token(token):
                audit_record(actor=actor, action="otp_verify", obj=actor)
                return device
        audit_record(actor=actor, action="otp_verify", obj=actor, outcome="failure", reason="wrong code")
    return None


def two_factor_reset(*, actor, user: User, reason: str) -> int:
    """Remove every second-factor device of `user` (lost phone); they enrol again at their next login."""
    if not reason.strip():
        raise ValidationFailed("Say why the second factor is reset.", [FieldProblem("reason", "required", "required")])
    with transaction.atomic():
        removed = 0
        for device in devices_for_user(user, confirmed=None):
            device.delete()
            removed += 1
        audit_record(actor=actor, action="otp_reset", obj=user, after={"devices_removed": removed}, reason=reason)
    return removed
