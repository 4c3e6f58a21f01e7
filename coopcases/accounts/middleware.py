"""Session rules (ASVS 7.3, 7.4; CJIS AC-11) and the second-factor step, applied to every request.

- A session ends after SESSION_IDLE_TIMEOUT_SECONDS without a request and SESSION_COOKIE_AGE after login,
  whatever the activity (the cookie age alone is renewed by every write, so the login time is checked).
- A session of a disabled account is ended at its next request.
- A signed-in person who owes the TOTP code is sent to the verify (or enrolment) page before anything else.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device

from coopcases.accounts.models import User
from coopcases.accounts.otp import needs_second_factor
from coopcases.audit.services import audit_record

SESSION_LOGIN_AT = "security_login_at"
SESSION_LAST_SEEN = "security_last_seen"
# Activity is written to the session at most once a minute (not a write per request). The recorded time is
# therefore never later than the real last request, so a session may end up to a minute early, never late.
ACTIVITY_RESOLUTION_SECONDS = 60


def session_mark_login(session) -> None:
    """Called when a person signs in (auth_events): the start of both timeouts."""
    now = int(timezone.now().timestamp())
    session[SESSION_LOGIN_AT] = now
    session[SESSION_LAST_SEEN] = now


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if SESSION_KEY in request.session:
            reason = self._reason_to_end(request)
            if reason:
                self._end(request, reason)
        return self.get_response(request)

    def _reason_to_end(self, request) -> str:
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return "account disabled"
        now = int(timezone.now().timestamp())
        session = request.session
        login_at = session.get(SESSION_LOGIN_AT)
        if login_at is None:  # a session from before this middleware: its clocks start now
            session_mark_login(session)
            return ""
        last_seen = session.get(SESSION_LAST_SEEN, now)
        if now - login_at > settings.SESSION_COOKIE_AGE:
            return "absolute session lifetime reached"
        if now - last_seen > settings.SESSION_IDLE_TIMEOUT_SECONDS:
            return "idle timeout"
        if now - last_seen >= ACTIVITY_RESOLUTION_SECONDS:
            session[SESSION_LAST_SEEN] = now
        return ""

    def _end(self, request, reason: str) -> None:
        user = request.user if request.user.is_authenticated else User.objects.filter(pk=request.session[SESSION_KEY]).first()
        if user is not None:
            audit_record(actor=None, action="session_end", obj=user, reason=reason)
        request.session.flush()
        request.user = AnonymousUser()
        messages.info(request, _("Your session has ended (%(reason)s). Please sign in again.") % {"reason": reason})


def _exempt_prefixes() -> tuple[str, ...]:
    return (
        reverse("login"),
        reverse("logout"),
        reverse("accounts:two_factor_verify"),
        reverse("accounts:two_factor_setup"),
        settings.STATIC_URL,
        "/api/",  # DRF's VerifiedSessionAuthentication answers there, with 401 rather than a redirect
        "/oauth/",
        "/i18n/",
        "/healthz",
        "/readyz",
    )


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if needs_second_factor(user, request.session) and not request.path.startswith(_exempt_prefixes()):
            step = "accounts:two_factor_verify" if user_has_device(user) else "accounts:two_factor_setup"
            return HttpResponseRedirect(f"{reverse(step)}?next={quote(request.get_full_path())}")
        return self.get_response(request)
