"""Hourly sweep of expired Idempotency-Keys (IDEMPOTENCY_KEY_RETENTION_HOURS)."""

from coopcases.api.idempotency import purge_expired
from coopcases.celery import SWEEP, app
from coopcases.core.context import Door, acting


@app.task(name="api.purge_idempotency_keys", soft_time_limit=300, time_limit=330, **SWEEP)
def purge_idempotency_keys(batch_size: int = 1000) -> int:
    with acting(Door.TASK):
        return purge_expired(batch_size=batch_size)
