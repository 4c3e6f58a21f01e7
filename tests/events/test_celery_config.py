"""Celery done right: queues and routes, task options, no long countdowns, schedules stored for beat."""

import ast
import json
from pathlib import Path

import pytest
from django.conf import settings
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from coopcases.celery import MUST_NOT_LOSE, SCHEDULES, app, bounded_countdown, visibility_timeout
from coopcases.events.schedules import sync_schedules

ROOT = Path(settings.BASE_DIR)
SOURCE_DIRS = ["coopcases", "cases", "requests", "assets", "networks"]

QUEUES = {
    "deadlines.sweep_reminders": "sweeps",
    "deadlines.run_expiry_handlers": "sweeps",
    "events.dispatch_pending": "sweeps",
    "notifications.retry_webhooks": "sweeps",
    "notifications.retry_emails": "sweeps",
    "notifications.send_digests": "sweeps",
    "api.purge_idempotency_keys": "sweeps",
    "events.dispatch_event": "deliveries",
    "notifications.deliver_webhook": "deliveries",
    "notifications.deliver_webhooks": "deliveries",
    "notifications.send_email": "deliveries",
}


def test_tasks_are_routed_to_their_queues():
    app.loader.import_default_modules()
    for name, queue in QUEUES.items():
        assert name in app.tasks, name
        assert app.amqp.router.route({}, name)["queue"].name == queue


def test_must_not_lose_tasks_ack_late_and_are_requeued_if_their_worker_dies_and_every_task_has_a_time_limit():
    app.loader.import_default_modules()
    for name in ("events.dispatch_event", "notifications.deliver_webhook", "notifications.deliver_webhooks",
                 "notifications.send_email"):
        task = app.tasks[name]
        assert (task.acks_late, task.reject_on_worker_lost) == (True, True), name
    for name in QUEUES:
        task = app.tasks[name]
        assert task.ignore_result and task.time_limit and task.soft_time_limit < task.time_limit, name
        assert task.time_limit < visibility_timeout(), name
    assert MUST_NOT_LOSE["acks_late"]
    assert settings.CELERY_RESULT_BACKEND is None


def _countdown_violations(path: Path) -> list[str]:
    """Calls passing countdown/eta (as keyword or options key) with anything but a bounded value."""
    limit = visibility_timeout() / 2
    problems = []

    def bounded(node) -> bool:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return node.value <= limit
        return isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "bounded_countdown"

    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            callee = getattr(node.func, "id", getattr(node.func, "attr", ""))
            for kw in node.keywords:
                if kw.arg == "eta":
                    problems.append(f"{path}:{node.lineno} uses eta=")
                elif kw.arg in ("countdown", "default_retry_delay") and callee != "enqueue" and not bounded(kw.value):
                    problems.append(f"{path}:{node.lineno} passes an unbounded {kw.arg}=")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                key = getattr(getattr(target, "slice", None), "value", None)
                if isinstance(target, ast.Subscript) and key in ("countdown", "eta") and not bounded(node.value):
                    problems.append(f"{path}:{node.lineno} sets an unbounded {key!r} option")
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in ("countdown", "eta") and not bounded(value):
                    problems.append(f"{path}:{node.lineno} has an unbounded {key.value!r} option")
    return problems


def test_no_code_schedules_a_task_further_ahead_than_the_broker_visibility_timeout():
    files = [p for d in SOURCE_DIRS for p in (ROOT / d).rglob("*.py") if "migrations" not in p.parts]
    assert len(files) > 20
    assert [v for f in files for v in _countdown_violations(f)] == []


def test_the_countdown_check_catches_a_long_countdown(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "t.apply_async((1,), countdown=86400)\n"
        "t.apply_async((1,), eta=when)\n"
        "options['countdown'] = delay.total_seconds()\n"
        "t.retry(countdown=bounded_countdown(30))\n"
        "enqueue(t, 1, countdown=5)\n"
    )
    assert len(_countdown_violations(bad)) == 3


def test_bounded_countdown_refuses_what_the_broker_would_redeliver():
    assert bounded_countdown(5) == 5
    with pytest.raises(ValueError, match="store a due row"):
        bounded_countdown(visibility_timeout())


@pytest.mark.django_db
def test_schedules_are_stored_for_beat_and_keep_the_admins_timing():
    sync_schedules(reset=True)
    stored = {t.name: t for t in PeriodicTask.objects.filter(name__in=[s.name for s in SCHEDULES])}
    assert len(stored) == len(SCHEDULES) == 7
    reminders = stored["deadlines: reminders and escalation"]
    assert (reminders.task, reminders.queue, reminders.interval.every, reminders.expire_seconds) == (
        "deadlines.sweep_reminders", "sweeps", 60, 60
    )
    assert stored["events: dispatch pending"].interval.every == 30
    assert stored["notifications: webhook retries"].interval.every == 30
    assert stored["deadlines: expiry handlers"].interval.every == 3600
    digest = stored["notifications: daily digest"]
    assert (digest.crontab.hour, digest.crontab.minute, digest.interval) == ("6", "0", None)
    assert json.loads(reminders.kwargs) == {}

    slower, _ = IntervalSchedule.objects.get_or_create(every=120, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(pk=reminders.pk).update(interval=slower, enabled=False, queue="wrong")
    assert sync_schedules() == []
    reminders.refresh_from_db()
    assert (reminders.interval.every, reminders.enabled, reminders.queue) == (120, False, "sweeps")

    assert "deadlines: reminders and escalation" in sync_schedules(reset=True)
    reminders.refresh_from_db()
    assert (reminders.interval.every, reminders.enabled) == (60, True)
