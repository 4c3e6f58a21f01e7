"""Retention of accounts: a disabled account's personal data is scrubbed once its period has passed.

The account row stays (audit entries and records point to it) under a neutral name; the audit log's own
copies (actor_repr) leave with the log's retention purge, since the log cannot be edited.
"""

from axes.models import AccessAttempt, AccessLog
from django.utils import timezone
from django_otp import devices_for_user

from coopcases.accounts.models import User
from coopcases.audit.retention import RetentionHandler, register_retention_handler

SCRUBBED_FIELDS = ["username", "first_name", "last_name", "email", "password", "otp_devices", "login_history"]


def expired_accounts(cutoff):
    return User.objects.filter(is_active=False, deactivated_at__lt=cutoff, pseudonymised_at__isnull=True)


def pseudonymise_account(user: User) -> dict:
    old_username = user.username
    user.username = f"former-user-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.set_unusable_password()
    user.pseudonymised_at = timezone.now()
    user.save(update_fields=["username", "first_name", "last_name", "email", "password", "pseudonymised_at"])
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    AccessAttempt.objects.filter(username=old_username).delete()
    AccessLog.objects.filter(username=old_username).delete()
    return {"scrubbed": SCRUBBED_FIELDS}


register_retention_handler(
    RetentionHandler(object_type="accounts.user", expired=expired_accounts, pseudonymise=pseudonymise_account)
)
