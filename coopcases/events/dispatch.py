"""The outbox relay: turns committed events into notifications and webhook deliveries, exactly once each.

Two paths lead here, and both may run for the same event: the after-commit hook enqueues `dispatch_event`
right away, and the `dispatch_pending` sweep reads what is left (`dispatched_at IS NULL`, partial index) —
after a broker outage, a lost message or a worker crash. The event row lock (SKIP LOCKED) and `dispatched_at`
make one of them do the work; the unique (event, user) and (event, subscription) rows make a repeat harmless.

Attempts are counted in their own committed transaction before the work starts, so an event whose dispatch
kills the worker is given up after MAX_DISPATCH_ATTEMPTS instead of looping (logged as an error).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from coopcases.events.models import Event

logger = logging.getLogger(__name__)

MAX_DISPATCH_ATTEMPTS = 5
# The sweep leaves fresh events to the after-commit path, so that both rarely race for the same row.
PENDING_GRACE = timedelta(seconds=10)


class Outcome(StrEnum):
    DISPATCHED = "dispatched"
    SKIPPED = "skipped"  # already dispatched, or another dispatcher holds it right now
    DEAD = "dead"


def enqueue_dispatch(event_id: int) -> None:
    """The after-commit hook of event_emit."""
    if not settings.EVENTS_DISPATCH_ON_COMMIT:
        return
    from coopcases.events.enqueue import enqueue
    from coopcases.events.tasks import dispatch_event

    enqueue(dispatch_event, event_id)


def _claim(event_id: int):
    skip = connection.features.has_select_for_update_skip_locked
    return Event.objects.select_for_update(skip_locked=skip).filter(pk=event_id, dispatched_at__isnull=True).first()


def event_dispatch(*, event_id: int, now: datetime | None = None) -> Outcome:
    from coopcases.notifications.fanout import event_fan_out

    now = now or timezone.now()
    with transaction.atomic(durable=True):
        event = _claim(event_id)
        if event is None:
            return Outcome.SKIPPED
        event.dispatch_attempts += 1
        if event.dispatch_attempts > MAX_DISPATCH_ATTEMPTS:
            event.dispatched_at = now
            event.dispatch_error = f"given up after {MAX_DISPATCH_ATTEMPTS} attempts. {event.dispatch_error}".strip()
            event.save(update_fields=["dispatch_attempts", "dispatched_at", "dispatch_error"])
            logger.error("event %s dead-lettered: %s", event_id, event.dispatch_error)
            return Outcome.DEAD
        event.save(update_fields=["dispatch_attempts"])
    try:
        with transaction.atomic(durable=True):
            event = _claim(event_id)
            if event is None:
                return Outcome.SKIPPED
            event_fan_out(event, now=now)
            event.dispatched_at, event.dispatch_error = now, ""
            event.save(update_fields=["dispatched_at", "dispatch_error"])
    except Exception as exc:
        with transaction.atomic(durable=True):
            Event.objects.filter(pk=event_id).update(dispatch_error=f"{exc.__class__.__name__}: {exc}"[:2000])
        raise
    return Outcome.DISPATCHED


def events_dispatch_pending(*, now: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Dispatch up to `limit` events left undispatched, oldest first; one failing event does not stop the rest."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        skip = connection.features.has_select_for_update_skip_locked
        ids = list(
            Event.objects.filter(dispatched_at__isnull=True, at__lte=now - PENDING_GRACE)
            .order_by("at")
            .select_for_update(skip_locked=skip)
            .values_list("pk", flat=True)[:limit]
        )
    counts = {outcome.value: 0 for outcome in Outcome} | {"failed": 0}
    for event_id in ids:
        try:
            counts[event_dispatch(event_id=event_id, now=now)] += 1
        except Exception:  # recorded on the event (dispatch_error); retried by the next sweep
            logger.exception("dispatch of event %s failed", event_id)
            counts["failed"] += 1
    if ids:
        logger.info("dispatch_pending: %s", counts)
    return counts


def event_redispatch(*, actor, event_ids) -> int:
    """Let the relay dispatch these events again (from the admin): only what is missing is created."""
    from coopcases.audit.services import audit_record

    with transaction.atomic(durable=True):
        events = list(Event.objects.select_for_update().filter(pk__in=event_ids))
        for event in events:
            before = {"dispatched_at": event.dispatched_at.isoformat() if event.dispatched_at else None,
                      "dispatch_attempts": event.dispatch_attempts}
            event.dispatched_at, event.dispatch_attempts, event.dispatch_error = None, 0, ""
            event.save(update_fields=["dispatched_at", "dispatch_attempts", "dispatch_error"])
            audit_record(actor=actor, action="event.redispatch", obj=event, before=before, after={"dispatched_at": None})
            transaction.on_commit(lambda pk=event.pk: enqueue_dispatch(pk))
    return len(events)
