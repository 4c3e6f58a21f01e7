"""Every API error is RFC 9457 application/problem+json with a stable `code` and per-field `invalid_params`.

One handler maps them all: domain errors raised by services (`coopcases.core.exceptions`), DRF validation errors
(each field named, nested ones as `a.b[0].c`), parse errors (the field is `body`), 404s (Django's and DRF's),
authentication, permission and throttling errors (with `Retry-After`). Views never build error bodies themselves.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found, server_error
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from coopcases.core.exceptions import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://coopcases.example/problems/"
KEPT_HEADERS = ("Retry-After", "WWW-Authenticate", "Allow")


class InvalidParamSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The field, query parameter or header at fault, e.g. `title`, `page_size`, `If-Match`.")
    reason = serializers.CharField()
    code = serializers.CharField(help_text="Stable machine-readable code of this problem, e.g. `required`, `unknown_field`.")


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details (the `application/problem+json` body of every error)."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid`, `not_found`, `precondition_failed`.")
    invalid_params = InvalidParamSerializer(many=True, required=False)


class ProblemException(exceptions.APIException):
    """An API-level problem the plumbing raises (If-Match, idempotency, …) with its status, code and fields."""

    def __init__(self, status_code: int, detail: str, code: str, invalid_params: list[dict] | None = None, headers=None):
        super().__init__(detail, code)
        self.status_code = status_code
        self.problem_code = code
        self.invalid_params = invalid_params or []
        self.headers = headers or {}


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
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        params = [{"name": p.name, "reason": str(p.reason), "code": p.code} for p in exc.problems]
        return problem(exc.status, exc.__class__.__name__, str(exc.detail), exc.code, params)
    if isinstance(exc, ProblemException):
        return problem(exc.status_code, "Problem", str(exc.detail), exc.problem_code, exc.invalid_params, exc.headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    headers = {k: v for k, v in response.headers.items() if k in KEPT_HEADERS}
    if isinstance(exc, exceptions.ValidationError):
        return problem(400, "Invalid input", "The request body or parameters are invalid.", "invalid", _flatten(exc.detail), headers)
    if isinstance(exc, exceptions.ParseError):
        return problem(400, "Malformed body", str(exc.detail), "parse_error", [{"name": "body", "reason": str(exc.detail), "code": "parse_error"}], headers)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = code if isinstance(code, str) else "error"
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
    return problem(response.status_code, exc.__class__.__name__, str(detail), code, headers=headers)


def _plain_problem(status_code: int, title: str, detail: str, code: str) -> JsonResponse:
    body = {"type": TYPE_BASE + code, "title": title, "status": status_code, "detail": detail, "code": code}
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def handler404(request, exception=None):
    """URLs nobody routes: problem+json under /api/, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return _plain_problem(404, "NotFound", "No such resource.", "not_found")
    return page_not_found(request, exception)


def handler500(request):
    """A bug: problem+json under /api/ (no details leak), the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return _plain_problem(500, "ServerError", "Something went wrong on our side; it has been logged.", "server_error")
    return server_error(request)
