"""The reminder and escalation sweep: reads only the deadlines that are due, through a partial index.

Each batch is one transaction: claim up to `batch` open deadlines whose `next_reminder_at` has passed
(`ORDER BY next_reminder_at LIMIT n FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent sweeps take disjoint
rows), write a DeadlineReminder row per offset reached (unique per deadline and offset), the events, and the
next reminder moment; commit. A sweep that dies mid-batch rolls back and the next one does the same work once.
Offsets reached together (the sweep was down) give one reminder naming the most urgent; a passed due moment gives
`deadline.missed` and `deadline.escalated`, once (reminder row with offset -1), and the state `missed`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from coopcases.audit.services import audit_record
from coopcases.deadlines.models import Deadline, DeadlineReminder, DeadlineState
from coopcases.deadlines.services import next_reminder_at
from coopcases.events.services import EventDraft, event_emit_many

logger = logging.getLogger(__name__)

EVENT_REMINDER = "deadline.reminder"
EVENT_MISSED = "deadline.missed"
EVENT_ESCALATED = "deadline.escalated"
# DeadlineReminder.offset_hours of the escalation sent once the due moment has passed (next_reminder_at knows it).
ESCALATION_OFFSET = -1


@dataclass
class SweepResult:
    claimed: int = 0
    reminders: int = 0
    missed: int = 0
    batches: int = 0


def due_deadlines(now: datetime):
    """Open deadlines with a reminder or escalation due: the predicate of `deadline_reminder_due_idx`."""
    return Deadline.objects.filter(
        state=DeadlineState.OPEN, next_reminder_at__isnull=False, next_reminder_at__lte=now
    ).order_by("next_reminder_at")


# What the sweep reads of a claimed deadline (the others — rule, calendar, pause and audit moments — it never uses):
# a model instance costs Python time per field, and a sweep builds a thousand of them.
SWEPT_FIELDS = (
    "id", "content_type_id", "object_id", "case_id", "kind", "label", "is_legal_limit", "responsible_authority_id",
    "trigger_at", "due_at", "state", "reminder_offsets_hours", "next_reminder_at", "escalated_at",
)


def claim_query(now: datetime, batch: int):
    qs = due_deadlines(now).only(*SWEPT_FIELDS)
    # SQLite has no row locks (one writer at a time); select_for_update is then a no-op.
    qs = qs.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked)
    return qs[:batch]


def sweep_reminders(*, now: datetime | None = None, batch: int = 500, max_batches: int | None = None) -> SweepResult:
    """Send every reminder and escalation due at `now`, batch by batch, until a batch comes back short."""
    now = now or timezone.now()
    result = SweepResult()
    while max_batches is None or result.batches < max_batches:
        with transaction.atomic(durable=True):
            claimed = list(claim_query(now, batch))
            _process_batch(claimed, now, result)
        result.batches += 1
        result.claimed += len(claimed)
        if len(claimed) < batch:
            break
    if result.claimed:
        logger.info("deadline sweep: %s", result)
    return result


def _process_batch(claimed: list[Deadline], now: datetime, result: SweepResult) -> None:
    """A handful of queries per batch whatever its size: the sent offsets are read at once, the reminder rows and
    the events inserted in one statement each (the unique constraint refuses a second send: the batch would then
    roll back rather than repeat an event), the next moments written in one UPDATE."""
    sent: dict[int, set[int]] = defaultdict(set)
    for deadline_id, offset in DeadlineReminder.objects.filter(deadline__in=claimed).values_list("deadline_id", "offset_hours"):
        sent[deadline_id].add(offset)
    new_rows: list[tuple[int, int]] = []  # (deadline id, offset hours)
    drafts: list[EventDraft] = []
    missed: list[Deadline] = []
    for deadline in claimed:
        done = sent[deadline.pk]
        if deadline.due_at <= now:
            if ESCALATION_OFFSET not in done:
                new_rows.append((deadline.pk, ESCALATION_OFFSET))
                deadline.state, deadline.escalated_at = DeadlineState.MISSED, now
                data = _event_data(deadline)
                drafts.append(EventDraft(deadline, EVENT_MISSED, DeadlineState.OPEN, DeadlineState.MISSED, data=data))
                drafts.append(EventDraft(deadline, EVENT_ESCALATED, data=data))
                missed.append(deadline)
            deadline.next_reminder_at = None
            continue
        reached = sorted(
            h for h in deadline.reminder_offsets_hours
            if h not in done and deadline.trigger_at < deadline.due_at - timedelta(hours=h) <= now
        )
        if reached:
            new_rows += [(deadline.pk, h) for h in reached]
            data = _event_data(deadline, offset_hours=reached[0], skipped_offsets_hours=reached[1:])
            drafts.append(EventDraft(deadline, EVENT_REMINDER, data=data))
            result.reminders += 1
        deadline.next_reminder_at = next_reminder_at(deadline, sent=done | set(reached))
    _insert_reminders(new_rows, now)
    _save_moments(claimed)
    event_emit_many(drafts=drafts, actor=None)
    for deadline in missed:  # a state change: one audit row each (rare next to reminders)
        audit_record(
            actor=None, action="deadline.missed", obj=deadline,
            before={"state": DeadlineState.OPEN}, after={"state": DeadlineState.MISSED, "due_at": deadline.due_at.isoformat()},
        )
    result.missed += len(missed)


def _insert_reminders(rows: list[tuple[int, int]], sent_at: datetime) -> None:
    """One INSERT; a reminder already sent violates `deadline_reminder_once` and rolls the whole batch back."""
    if connection.vendor != "postgresql":
        DeadlineReminder.objects.bulk_create(
            DeadlineReminder(deadline_id=pk, offset_hours=h, sent_at=sent_at) for pk, h in rows
        )
        return
    if rows:
        _execute_bound(
            f"""INSERT INTO {DeadlineReminder._meta.db_table} (deadline_id, offset_hours, sent_at)
                SELECT v.id, v.offset_hours, %s FROM unnest(%b::bigint[], %b::int[]) AS v(id, offset_hours)""",  # noqa: S608
            [sent_at, [pk for pk, _ in rows], [h for _, h in rows]],
        )


def _save_moments(claimed: list[Deadline]) -> None:
    """Write next_reminder_at, state and escalated_at of the batch in one statement."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        for deadline in claimed:
            deadline.updated_at = now
        Deadline.objects.bulk_update(claimed, ["next_reminder_at", "state", "escalated_at", "updated_at"])
        return
    # Django's bulk_update builds a CASE per row and field: slower in Python than the whole sweep in SQL.
    _execute_bound(
        f"""UPDATE {Deadline._meta.db_table} AS d
            SET next_reminder_at = v.next_reminder_at, state = v.state, escalated_at = v.escalated_at, updated_at = %s
            FROM unnest(%b::bigint[], %b::timestamptz[], %b::varchar[], %b::timestamptz[])
                 AS v(id, next_reminder_at, state, escalated_at)
            WHERE d.id = v.id""",  # noqa: S608 (the table name is ours; values are parameters)
        [now, [d.pk for d in claimed], [d.next_reminder_at for d in claimed], [d.state for d in claimed],
         [d.escalated_at for d in claimed]],
    )


def _execute_bound(sql: str, params: list) -> None:
    """Run `sql` in the current transaction with parameters bound on the server, arrays in binary form (%b): Django's
    cursor quotes every array element in Python."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)


def _event_data(deadline: Deadline, **extra) -> dict:
    subject_type = ContentType.objects.get_for_id(deadline.content_type_id)  # cached: no query per row
    return {
        "kind": deadline.kind,
        "label": deadline.label,
        "due_at": deadline.due_at.isoformat(),
        "is_legal_limit": deadline.is_legal_limit,
        "subject_type": f"{subject_type.app_label}.{subject_type.model}",
        "subject_id": deadline.object_id,
        "responsible_authority_id": deadline.responsible_authority_id,
        **extra,
    }
