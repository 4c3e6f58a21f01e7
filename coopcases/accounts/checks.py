"""System checks that keep the security settings within the limits docs/security.md promises."""

from django.conf import settings
from django.core import checks

CJIS_MAX_IDLE_SECONDS = 30 * 60
MAX_SESSION_SECONDS = 12 * 3600
MINIMUM_AUDIT_RETENTION_DAYS = 3 * 365


@checks.register(checks.Tags.security)
def security_limits(app_configs, **kwargs):
    errors = []
    if settings.AUDIT_RETENTION_DAYS < MINIMUM_AUDIT_RETENTION_DAYS:
        errors.append(checks.Error(
            f"AUDIT_RETENTION_DAYS is {settings.AUDIT_RETENTION_DAYS}; audit logs are kept at least three years.",
            hint=f"Set it to {MINIMUM_AUDIT_RETENTION_DAYS} or more.", id="coopcases.E001",
        ))
    if settings.SESSION_IDLE_TIMEOUT_SECONDS > CJIS_MAX_IDLE_SECONDS:
        errors.append(checks.Error(
            "SESSION_IDLE_TIMEOUT_SECONDS exceeds 30 minutes (CJIS AC-11).", id="coopcases.E002",
        ))
    if settings.SESSION_COOKIE_AGE > MAX_SESSION_SECONDS:
        errors.append(checks.Error("SESSION_COOKIE_AGE exceeds 12 hours.", id="coopcases.E003"))
    return errors


@checks.register(checks.Tags.security, deploy=True)
def two_factor_enforced(app_configs, **kwargs):
    if not settings.TWO_FACTOR_ENFORCED:
        return [checks.Warning("TWO_FACTOR_ENFORCED is off: people sign in with a password alone.", id="coopcases.W001")]
    return []
