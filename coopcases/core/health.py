"""Liveness (/healthz) and readiness (/readyz: database and broker reachable)."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means not ready
        return f"database unreachable: {exc.__class__.__name__}"
    return None


def _check_broker() -> str | None:
    from coopcases.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises transport-specific errors
        return f"broker unreachable: {exc.__class__.__name__}"
    return None


def readyz(request):
    failures = {name: msg for name, msg in (("database", _check_database()), ("broker", _check_broker())) if msg}
    body = {"status": "ready" if not failures else "not ready", "failing": failures}
    body["broker"] = "redis" if settings.REDIS_URL else "filesystem"
    return JsonResponse(body, status=503 if failures else 200)
