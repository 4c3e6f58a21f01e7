"""The admin site: staff only, and only after the second factor (django-otp's OTPAdminSite)."""

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.admin import OTPAdminSite


class SecureAdminSite(OTPAdminSite):
    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return user.is_verified() or not settings.TWO_FACTOR_ENFORCED

    def login(self, request, extra_context=None):
        """One login path for everyone: password, then the TOTP step (accounts views), then back here."""
        index = reverse("admin:index", current_app=self.name)
        target = request.GET.get(REDIRECT_FIELD_NAME) or index
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            target = index
        if self.has_permission(request):
            return HttpResponseRedirect(target)
        return redirect_to_login(target)
