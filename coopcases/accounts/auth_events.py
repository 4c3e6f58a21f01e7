"""Authentication events into the audit log (CJIS AU-2: log-on attempts, lockouts, log-offs).

Django and django-axes announce these only through signals, so receivers are the one place to catch them.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from coopcases.accounts.middleware import session_mark_login
from coopcases.accounts.models import User
from coopcases.accounts.otp import remember_enrolment
from coopcases.audit.services import audit_record


def _attempted_user(credentials: dict):
    username = (credentials or {}).get("username") or ""
    return User.objects.filter(username=username).first(), username


@receiver(user_logged_in, dispatch_uid="security_login")
def _logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_mark_login(request.session)
        remember_enrolment(request.session, user)
    audit_record(actor=user, action="login", obj=user)


@receiver(user_logged_out, dispatch_uid="security_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="logout", obj=user)


@receiver(user_login_failed, dispatch_uid="security_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    user, username = _attempted_user(credentials)
    audit_record(
        actor=None, action="login", object_type="accounts.user", object_id=str(user.pk) if user else "",
        after={"username": username[:150]}, outcome="failure",
    )


@receiver(user_locked_out, dispatch_uid="security_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    user, username = _attempted_user({"username": username})
    audit_record(
        actor=None, action="lockout", object_type="accounts.user", object_id=str(user.pk) if user else "",
        after={"username": (username or "")[:150], "ip": ip_address}, outcome="denied",
    )
