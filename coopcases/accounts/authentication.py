"""DRF authentication: refuse tokens of disabled accounts, and sessions that still owe the second factor."""

import logging

from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from coopcases.accounts.otp import needs_second_factor
from coopcases.audit.services import audit_record

log = logging.getLogger("coopcases.security")


class ActiveUserOAuth2Authentication(OAuth2Authentication):
    """Tokens act as their user; client-credentials tokens (no user) as the service account owning the application.

    A valid token is refused (401) when that account is disabled, so disabling works at the next request
    even for tokens nobody revoked.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        account = user if user is not None else getattr(token.application, "user", None)
        if account is None:
            return result
        if not account.is_active:
            log.warning("token of disabled account %s refused", account.pk)
            audit_record(actor=None, action="token_refused", obj=account, outcome="denied", reason="account disabled")
            raise exceptions.AuthenticationFailed("This account is disabled.", code="account_disabled")
        return account, token


class VerifiedSessionAuthentication(SessionAuthentication):
    """Browser sessions reach the API only once the person has given the TOTP code (when they owe one)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and needs_second_factor(result[0], request._request.session):
            return None
        return result
