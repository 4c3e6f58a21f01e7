"""Outbox tasks. `dispatch_event` is the fast path after commit; `dispatch_pending` the beat-driven safety net."""

from coopcases.celery import MUST_NOT_LOSE, SWEEP, app
from coopcases.core.context import Door, acting
from coopcases.events.dispatch import event_dispatch, events_dispatch_pending


@app.task(name="events.dispatch_event", soft_time_limit=60, time_limit=90, **MUST_NOT_LOSE)
def dispatch_event(event_id: int) -> None:
    with acting(Door.TASK):
        event_dispatch(event_id=event_id)


@app.task(name="events.dispatch_pending", soft_time_limit=25, time_limit=30, **SWEEP)
def dispatch_pending(limit: int = 1000) -> None:
    with acting(Door.TASK):
        events_dispatch_pending(limit=limit)
