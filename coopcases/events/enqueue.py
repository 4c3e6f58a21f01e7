"""Publishing a task after commit without ever failing the caller.

The row that describes the work (an undispatched event, a due delivery, a pending e-mail) is already committed;
the message is only a shortcut. If the broker is down, publishing is skipped for a while and the periodic
sweeps, which read those rows, do the work when the workers come back.
"""

from __future__ import annotations

import logging
import time

logger = logging.getLogger(__name__)

BROKER_PAUSE_SECONDS = 30.0
_paused_until = 0.0


def enqueue(task, *args, countdown: float | None = None) -> bool:
    """Publish `task(*args)`; False when the broker is unavailable (logged, never raised)."""
    global _paused_until
    if time.monotonic() < _paused_until:
        return False
    options = {"retry": False}
    if countdown:
        from coopcases.celery import bounded_countdown

        options["countdown"] = bounded_countdown(countdown)
    try:
        task.apply_async(args, **options)
    except Exception:  # kombu raises transport-specific errors (OperationalError, redis ConnectionError, OSError…)
        _paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning(
            "broker unavailable: %s%r not enqueued; the sweeps will pick it up (pausing publishes for %ss)",
            task.name, args, BROKER_PAUSE_SECONDS, exc_info=True,
        )
        return False
    return True

