"""Who is acting, through which door, from which address: set once per HTTP request, task or command.

Services read it to fill audit rows; nobody passes IP addresses through business functions.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass


class Door:
    UI = "ui"
    ADMIN = "admin"
    API = "api"
    TASK = "task"
    COMMAND = "command"


@dataclass(frozen=True)
class ActingContext:
    door: str = Door.COMMAND
    ip: str | None = None
    request_id: str | None = None
    on_behalf_of: str | None = None


_current: ContextVar[ActingContext] = ContextVar("coopcases_acting_context", default=ActingContext())  # noqa: B039 (frozen)


def current() -> ActingContext:
    return _current.get()


@contextlib.contextmanager
def acting(door: str, ip: str | None = None, request_id: str | None = None, on_behalf_of: str | None = None):
    token = _current.set(ActingContext(door=door, ip=ip, request_id=request_id, on_behalf_of=on_behalf_of))
    try:
        yield
    finally:
        _current.reset(token)
