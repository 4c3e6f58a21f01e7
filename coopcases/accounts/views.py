"""Sign-in: password (Django's view, seen by django-axes), then the TOTP step; enrolment; CSRF refusals."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import user_has_device

from coopcases.accounts import services
from coopcases.accounts.forms import TokenForm
from coopcases.accounts.otp import SESSION_ENROLLED, base32_secret, needs_second_factor, pending_device, qr_code_svg
from coopcases.audit.services import audit_record


class LoginView(auth_views.LoginView):
    """Django's login with the system-use notice (CJIS AC-8); the TOTP step follows via TwoFactorMiddleware."""

    template_name = "accounts/login.html"


def _next_url(request) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


def _verified(request, device) -> HttpResponseRedirect:
    otp_login(request, device)
    request.session[SESSION_ENROLLED] = True
    request.session.cycle_key()  # a new session id once the second factor is given (fixation)
    return HttpResponseRedirect(_next_url(request))


@never_cache
@sensitive_post_parameters("token")
@login_required
def two_factor_verify(request):
    if not needs_second_factor(request.user, request.session):
        return HttpResponseRedirect(_next_url(request))
    if not user_has_device(request.user):
        return HttpResponseRedirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({REDIRECT_FIELD_NAME: _next_url(request)})}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.two_factor_verify(actor=request.user, token=form.cleaned_data["token"])
        if device is not None:
            return _verified(request, device)
        form.add_error("token", _("That code is not valid. Wait for a new one and try again."))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@sensitive_post_parameters("token")
@login_required
def two_factor_setup(request):
    """Enrol an authenticator. Refused once a device is confirmed: only an administrator resets a lost one."""
    if user_has_device(request.user):
        messages.info(request, _("You already have an authenticator. Ask an administrator to reset it if it is lost."))
        return HttpResponseRedirect(_next_url(request))
    device = pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_enrol_confirm(actor=request.user, device=device, token=form.cleaned_data["token"]):
            device.refresh_from_db()
            return _verified(request, device)
        form.add_error("token", _("That code is not valid. Check the time on your phone and try again."))
    context = {"form": form, "qr_svg": qr_code_svg(device), "secret": base32_secret(device), "next": _next_url(request)}
    return render(request, "accounts/two_factor_setup.html", context)


def csrf_failure(request, reason=""):
    """A refused CSRF check is a security event: log it, then answer as Django does."""
    user = request.user if getattr(request, "user", None) is not None and request.user.is_authenticated else None
    audit_record(actor=user, action="csrf_refused", object_type="http.request", object_id=request.path[:64],
                 after={"reason": reason, "method": request.method}, outcome="denied")
    return django_csrf_failure(request, reason=reason)
