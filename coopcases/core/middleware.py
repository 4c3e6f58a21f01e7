import uuid

from django.conf import settings

from coopcases.core.context import Door, acting


def _door_for(path: str) -> str:
    if path.startswith("/api/"):
        return Door.API
    if path.startswith("/admin/"):
        return Door.ADMIN
    return Door.UI


class RequestContextMiddleware:
    """Sets the acting context (door, client address, request id) for the services called by this request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
        with acting(_door_for(request.path), ip=request.META.get("REMOTE_ADDR"), request_id=request_id):
            response = self.get_response(request)
        response["X-Request-Id"] = request_id
        return response


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set (security; docs/security.md).

    - /api/ answers JSON only: `default-src 'none'; frame-ancestors 'none'` (set before django-csp's
      middleware sees the response, which then keeps it). The Swagger page at /api/docs/ keeps the site policy.
    - Permissions-Policy switches off browser features nobody here needs.
    - Pages for signed-in people are not stored by browsers or proxies unless a view says otherwise.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/") and not request.path.startswith("/api/docs/"):
            response.headers.setdefault("Content-Security-Policy", settings.API_CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
