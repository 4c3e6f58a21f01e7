"""A lost database answers 503 problem+json with Retry-After, never a 500 page.

PostgreSQL restarting or failing over shows up as django.db OperationalError / InterfaceError, wherever the
request was (a view, a service, a middleware loading the session). Services run in one transaction, so the
transition in flight was rolled back whole; the client may retry. The next request reconnects by itself
(CONN_HEALTH_CHECKS drops a dead persistent connection before use).

Wired twice: `DatabaseUnavailableMiddleware` maps errors raised by views (and by DRF views, whose handler lets
them through), and the project's handler500 (`coopcases.api.errors.handler500`) maps those raised in other middleware.
"""

import json
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
PROBLEM_CONTENT_TYPE = "application/problem+json"
DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable() -> HttpResponse:
    body = {
        "type": "https://coopcases.example/problems/service_unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "The service is briefly unavailable; nothing was changed. Please retry.",
        "code": "service_unavailable",
    }
    response = HttpResponse(json.dumps(body), status=503, content_type=PROBLEM_CONTENT_TYPE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            logger.warning("database unavailable during %s %s: %s", request.method, request.path, exception.__class__.__name__)
            return database_unavailable()
        return None
