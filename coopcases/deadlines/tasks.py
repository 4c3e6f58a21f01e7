"""Beat-driven sweeps (queue `sweeps`). They take no dates: each run reads the due rows as of its own now."""

import logging

from django.utils import timezone

from coopcases.celery import SWEEP, app
from coopcases.core.context import Door, acting
from coopcases.deadlines.expiry import run_expiry_handlers
from coopcases.deadlines.sweeps import sweep_reminders

logger = logging.getLogger(__name__)


@app.task(name="deadlines.sweep_reminders", soft_time_limit=50, time_limit=60, **SWEEP)
def sweep_reminders_task(batch: int = 500, max_batches: int = 40) -> None:
    # max_batches bounds one run well inside the one-minute tick; the next tick continues a large backlog.
    with acting(Door.TASK):
        sweep_reminders(now=timezone.now(), batch=batch, max_batches=max_batches)


@app.task(name="deadlines.run_expiry_handlers", soft_time_limit=600, time_limit=660, **SWEEP)
def run_expiry_handlers_task() -> None:
    with acting(Door.TASK):
        results = run_expiry_handlers(now=timezone.now())
    if results:
        logger.info("expiry handlers: %s", results)
