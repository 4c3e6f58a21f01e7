"""Writes of the statistics: the audit row of an export (exports are audited, like every other download)."""

from __future__ import annotations

from django.db import transaction

from coopcases.audit.models import AuditEntry
from coopcases.audit.services import audit_record

from .selectors import Statistics

EXPORT_OBJECT_TYPE = "web.statistics"


@transaction.atomic(durable=True)
def statistics_export_record(*, actor, statistics: Statistics, fmt: str = "csv") -> AuditEntry:
    """Record who exported which statistics, with the filters and the size of what they took."""
    return audit_record(
        actor=actor, action="export", object_type=EXPORT_OBJECT_TYPE, object_id="cooperation",
        after={
            "format": fmt, **statistics.filters.describe(), "requests": statistics.transmitted,
            "assets": statistics.assets.total.assets,
        },
    )
