"""Daily retention sweep: records past their period, then audit entries past AUDIT_RETENTION_DAYS."""

import logging

from celery import shared_task
from celery.schedules import crontab
from django.utils import timezone

from coopcases.audit.retention import retention_apply
from coopcases.audit.services import audit_purge_expired
from coopcases.celery import app
from coopcases.core.context import Door, acting

log = logging.getLogger(__name__)


@shared_task(name="audit.retention_sweep")
def retention_sweep() -> dict:
    """Idempotent: what was handled no longer matches; a second run the same day finds nothing."""
    with acting(Door.TASK):
        now = timezone.now()
        report = retention_apply(now=now)
        purged = audit_purge_expired(now=now)
    if report.unhandled:
        log.warning("retention policies without a handler: %s", ", ".join(report.unhandled))
    return {"done": report.done, "unhandled": report.unhandled, "audit_entries_purged": purged}


app.conf.beat_schedule.setdefault(
    "audit-retention-sweep",
    {"task": "audit.retention_sweep", "schedule": crontab(hour=2, minute=17), "options": {"queue": "sweeps"}},
)
