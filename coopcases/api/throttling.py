from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    """One bucket per API client (OAuth application) or user; 429 with Retry-After when exceeded."""

    scope = "client"

    def get_cache_key(self, request, view):
        token = getattr(request, "auth", None)
        application = getattr(token, "application", None)
        if application is not None:
            ident = f"app:{application.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
