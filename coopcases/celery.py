"""The Celery app: queues, routes and the beat schedules declared in code.

Queues: `sweeps` (periodic scans of due rows in PostgreSQL), `deliveries` (event dispatch, e-mail, webhooks) and
`default`. Due moments live in indexed rows that the sweeps read, never in long ETA/countdown messages: with
Redis, a message not acknowledged within the visibility timeout is delivered again, in a loop.
"""

import os
from dataclasses import dataclass, field

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopcases.settings.dev")

app = Celery("coopcases")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("sweeps"), Queue("deliveries"))
app.conf.task_routes = {
    "deadlines.*": {"queue": "sweeps"},
    "events.dispatch_pending": {"queue": "sweeps"},
    "notifications.retry_*": {"queue": "sweeps"},
    "notifications.send_digests": {"queue": "sweeps"},
    "api.purge_idempotency_keys": {"queue": "sweeps"},
    "events.dispatch_event": {"queue": "deliveries"},
    "notifications.deliver_webhook": {"queue": "deliveries"},
    "notifications.deliver_webhooks": {"queue": "deliveries"},
    "notifications.send_email": {"queue": "deliveries"},
}
app.autodiscover_tasks()

# Options of tasks that must not be lost: acknowledged after they ran, requeued when the worker process dies;
# each counts its attempts in the database, so a message that kills its worker is dead-lettered, not looped.
MUST_NOT_LOSE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}
# Options of periodic sweeps: acknowledged on receipt (the next tick repeats a lost run; a sweep that kills its
# worker must not be requeued forever).
SWEEP = {"acks_late": False, "reject_on_worker_lost": False, "ignore_result": True}


def visibility_timeout() -> int:
    return int(app.conf.broker_transport_options.get("visibility_timeout", 3600))


def bounded_countdown(seconds: float) -> float:
    """The only way our code passes a countdown: refuse one the broker would redeliver before it is due."""
    if seconds > visibility_timeout() / 2:
        raise ValueError(f"countdown {seconds}s is too long for the broker; store a due row and let a sweep find it")
    return max(0.0, seconds)


@dataclass(frozen=True)
class Schedule:
    """A beat entry. Every: seconds between runs; or a daily crontab at `hour`:`minute` UTC."""

    name: str
    task: str
    every: int | None = None
    hour: int | None = None
    minute: int = 0
    kwargs: dict = field(default_factory=dict)

    @property
    def expires(self) -> int:
        """Drop a tick still queued when the next one is due (a worker that was down does not replay a backlog)."""
        return self.every or 3600


SCHEDULES = (
    Schedule("deadlines: reminders and escalation", "deadlines.sweep_reminders", every=60),
    Schedule("deadlines: expiry handlers", "deadlines.run_expiry_handlers", every=3600),
    Schedule("events: dispatch pending", "events.dispatch_pending", every=30),
    Schedule("notifications: webhook retries", "notifications.retry_webhooks", every=30),
    Schedule("notifications: e-mail retries", "notifications.retry_emails", every=60),
    Schedule("notifications: daily digest", "notifications.send_digests", hour=6, minute=0),
    Schedule("api: purge expired idempotency keys", "api.purge_idempotency_keys", every=3600),
)
