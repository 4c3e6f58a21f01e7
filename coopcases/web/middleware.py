"""Each signed-in user's language and time zone for the whole request."""

import zoneinfo

from django.conf import settings
from django.utils import timezone, translation


class UserLocaleMiddleware:
    """After authentication: the user's time zone always; their preferred language unless the language cookie
    (set by the switcher) or the URL already chose one. Without a preference, LocaleMiddleware's choice (the
    browser's Accept-Language) stands."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone or "UTC"))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and user.preferred_language:
                translation.activate(user.preferred_language)
                request.LANGUAGE_CODE = translation.get_language()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
