"""The liaison magistrate's own pages: dashboard, search, notifications, preferences. Reads through selectors,
writes through services; views only translate between HTTP and them."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coopcases.core.exceptions import ValidationFailed
from coopcases.notifications.selectors import notifications_visible_to
from coopcases.notifications.services import notifications_mark_read
from coopcases.web import selectors, services
from coopcases.web.forms import PreferencesForm, SearchForm, apply_problems

INBOX_ROWS = 100


@login_required
def dashboard(request):
    user = request.user
    return render(request, "web/dashboard.html", {
        "nav": "dashboard",
        "requests": selectors.open_requests_of(user),
        "jits": selectors.running_jits_of(user),
        "assets": selectors.open_assets_of(user),
    })


@login_required
def search(request):
    form = SearchForm(request.GET or None)
    results = selectors.search(request.user, form.cleaned_data["q"]) if form.is_valid() else None
    return render(request, "web/search.html", {"nav": "search", "form": form, "results": results})


@login_required
def notifications(request):
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("notification") if i.isdigit()]
        count = notifications_mark_read(actor=request.user, notification_ids=ids or None)
        messages.success(request, _("%(count)d notification(s) marked as read.") % {"count": count})
        return redirect("web:notifications")
    rows = notifications_visible_to(request.user)[:INBOX_ROWS]
    return render(request, "web/notifications.html", {"nav": "notifications", "rows": rows})


@login_required
def preferences(request):
    user = request.user
    form = PreferencesForm(request.POST or None, initial={"language": user.preferred_language, "time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_preferences_set(actor=user, **form.cleaned_data)
        except ValidationFailed as exc:
            apply_problems(form, exc)
        else:
            messages.success(request, _("Your preferences are saved."))
            response = redirect("web:preferences")
            if form.cleaned_data["language"]:
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax")
            else:  # the browser's language from now on: no cookie may override Accept-Language
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, samesite="Lax")
            return response
    return render(request, "web/preferences.html", {"nav": "preferences", "form": form})


@require_POST
def language(request):
    """The language switcher: a cookie for everyone, and the preference of a signed-in user."""
    code = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if code in services.LANGUAGE_CODES:
        if request.user.is_authenticated:
            services.user_preferences_set(actor=request.user, language=code)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, samesite="Lax")
    return response
