"""The product's URLs plus probe views that drive services over real HTTP, through the whole middleware stack.

Served only by the fault tests' gunicorn (tests.faults.settings); the product never routes to them. The acting
user is named by a header, as an authenticated API client would be: these views test failure handling, not auth.
"""

import json

from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from coopcases.accounts.models import User
from coopcases.api.errors import PROBLEM_CONTENT_TYPE
from coopcases.core.exceptions import DomainError
from coopcases.urls import handler500 as product_handler500
from coopcases.urls import urlpatterns as product_urlpatterns
from requests import services
from requests.models import MlaRequest


def _problem(exc: DomainError) -> JsonResponse:
    body = {"type": exc.code, "title": exc.__class__.__name__, "status": exc.status, "detail": exc.detail, "code": exc.code}
    return JsonResponse(body, status=exc.status, content_type=PROBLEM_CONTENT_TYPE)


def ping(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events_event")
        (events,) = cursor.fetchone()
    return JsonResponse({"events": events})


@csrf_exempt
def transition(request, pk):
    payload = json.loads(request.body)
    actor = User.objects.get(pk=int(request.headers["X-Fault-Actor"]))
    try:
        req = services.mla_request_transition(
            pk=pk, action=payload["action"], actor=actor, reason=payload.get("reason", "probe"),
            params=payload.get("params") or {}, expected_version=payload.get("expected_version"),
        )
    except DomainError as exc:
        return _problem(exc)
    return JsonResponse({"state": req.state, "version": req.version})


def state(request, pk):
    req = MlaRequest.objects.get(pk=pk)
    return JsonResponse({"state": req.state, "version": req.version})


handler500 = product_handler500
urlpatterns = [
    path("_faults/ping", ping),
    path("_faults/mla/<int:pk>/transition", transition),
    path("_faults/mla/<int:pk>", state),
    path("", include(product_urlpatterns)),
]
