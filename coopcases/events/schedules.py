"""Beat schedules are declared in code (coopcases.celery.SCHEDULES) and stored in django-celery-beat's tables,
where the admin can change their timing or disable them.

`sync_schedules` creates missing entries and keeps the code-owned parts (task, queue, options) up to date; the
timing and the enabled flag are left as the admin set them, unless `reset` is given. It runs after every
`migrate` and as `manage.py setup_schedules [--reset]`.
"""

from __future__ import annotations

import json

from django.apps import apps as global_apps
from django.db import transaction

from coopcases.celery import SCHEDULES, Schedule, app


def _queue_of(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    return route["queue"].name


def _timing(schedule: Schedule, using: str) -> dict:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule

    if schedule.every is not None:
        interval, _ = IntervalSchedule.objects.using(using).get_or_create(every=schedule.every, period=IntervalSchedule.SECONDS)
        return {"interval": interval, "crontab": None}
    crontab, _ = CrontabSchedule.objects.using(using).get_or_create(
        minute=str(schedule.minute), hour=str(schedule.hour), day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="UTC",
    )
    return {"crontab": crontab, "interval": None}


def sync_schedules(*, reset: bool = False, using: str = "default") -> list[str]:
    """Create or update the PeriodicTask rows of SCHEDULES; returns the names created or reset."""
    from django_celery_beat.models import PeriodicTask

    changed = []
    with transaction.atomic(using=using):
        for schedule in SCHEDULES:
            code_owned = {
                "task": schedule.task,
                "queue": _queue_of(schedule.task),
                "kwargs": json.dumps(schedule.kwargs),
                "expire_seconds": schedule.expires,
                "description": "Declared in coopcases/celery.py (SCHEDULES); timing editable here.",
            }
            task = PeriodicTask.objects.using(using).filter(name=schedule.name).first()
            if task is None or reset:
                PeriodicTask.objects.using(using).update_or_create(
                    name=schedule.name, defaults={**code_owned, **_timing(schedule, using), "enabled": True}
                )
                changed.append(schedule.name)
            elif any(getattr(task, k) != v for k, v in code_owned.items()):
                for k, v in code_owned.items():
                    setattr(task, k, v)
                task.save()
    return changed


def sync_schedules_after_migrate(sender, using="default", apps=None, **kwargs) -> None:
    try:
        (apps or global_apps).get_model("django_celery_beat", "PeriodicTask")
    except LookupError:  # migrating to a state without django-celery-beat's tables
        return
    sync_schedules(using=using)
