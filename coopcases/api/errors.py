"""Every API error is RFC 9457 application/problem+json with a stable `code` and per-field `invalid_params`."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from coopcases.core.exceptions import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://coopcases.example/problems/"


def _flatten(detail, prefix="") -> list[dict]:
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            return [{"name": prefix or "non_field_errors", "reason": str(v), "code": getattr(v, "code", "invalid")} for v in detail]
        out = []
        for i, value in enumerate(detail):
            out += _flatten(value, f"{prefix}[{i}]")
        return out
    return [{"name": prefix or "non_field_errors", "reason": str(detail), "code": getattr(detail, "code", "invalid")}]


def problem(status_code: int, title: str, detail: str, code: str, invalid_params=None, headers=None) -> Response:
    body = {"type": TYPE_BASE + code, "title": title, "status": status_code, "detail": detail, "code": code}
    if invalid_params:
        body["invalid_params"] = invalid_params
    response = Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)
    return response


def problem_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        params = [{"name": p.name, "reason": p.reason, "code": p.code} for p in exc.problems]
        return problem(exc.status, exc.__class__.__name__, exc.detail, exc.code, params)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return problem(400, "Invalid input", "The request body or parameters are invalid.", "invalid", _flatten(exc.detail), response.headers)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = code if isinstance(code, str) else "error"
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
    title = exc.__class__.__name__
    headers = {k: v for k, v in response.headers.items() if k in ("Retry-After", "WWW-Authenticate", "Allow")}
    return problem(response.status_code, title, str(detail), code, headers=headers)
