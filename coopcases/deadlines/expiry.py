"""Expiry handling: domain apps expire what is due (JITs past their end date, lapsed orders…) in their own services.

Handlers are listed in settings.DEADLINE_EXPIRY_HANDLERS as import strings of callables `f(*, now) -> int`
(the number of objects expired), e.g. "cases.services.jits_expire_due". The hourly task runs each in turn;
one that fails is logged and does not stop the others. A system check refuses a path that does not import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def expiry_handlers() -> list[tuple[str, Callable]]:
    return [(path, import_string(path)) for path in settings.DEADLINE_EXPIRY_HANDLERS]


def run_expiry_handlers(*, now: datetime | None = None) -> dict[str, int | None]:
    """Call every handler; the result maps each path to its count, or None where it failed."""
    now = now or timezone.now()
    results: dict[str, int | None] = {}
    for path, handler in expiry_handlers():
        try:
            results[path] = handler(now=now)
        except Exception:  # one broken handler must not stop the others; the log carries the traceback
            logger.exception("expiry handler %s failed", path)
            results[path] = None
    return results
