"""Typed domain errors raised by services. One handler per door maps them (API: problem+json; UI: form errors)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    """One invalid field or missing element: `name` is the field (or content element) and `reason` says why."""

    name: str
    reason: str
    code: str = "invalid"


@dataclass
class DomainError(Exception):
    """Base of every business-rule refusal. `code` is stable and machine-readable; `detail` is for people."""

    detail: str
    code: str = "domain_error"
    problems: list[FieldProblem] = field(default_factory=list)
    status: int = 400

    def __post_init__(self):
        super().__init__(self.detail)

    def __str__(self) -> str:
        return self.detail


class ValidationFailed(DomainError):
    def __init__(self, detail: str, problems: list[FieldProblem] | None = None, code: str = "validation_failed"):
        super().__init__(detail=detail, code=code, problems=problems or [], status=400)


class TransitionNotAllowed(DomainError):
    def __init__(self, detail: str, code: str = "transition_not_allowed", problems=None):
        super().__init__(detail=detail, code=code, problems=problems or [], status=409)


class ActionForbidden(DomainError):
    """The actor's role or authority may not do this (the object itself is visible to them)."""

    def __init__(self, detail: str, code: str = "forbidden"):
        super().__init__(detail=detail, code=code, status=403)


class NotVisible(DomainError):
    """The object does not exist for this actor: answered as 404, never 403."""

    def __init__(self, detail: str = "Not found.", code: str = "not_found"):
        super().__init__(detail=detail, code=code, status=404)


class ConcurrentChange(DomainError):
    """Someone else changed the object first (stale version / If-Match)."""

    def __init__(self, detail: str, code: str = "concurrent_change"):
        super().__init__(detail=detail, code=code, status=412)
