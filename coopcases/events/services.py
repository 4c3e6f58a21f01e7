"""Emitting events inside the caller's transaction (the outbox write)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import psycopg
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from coopcases.audit.services import object_ref
from coopcases.core.context import current
from coopcases.events.models import Event

_after_commit_hooks = []


def on_event_committed(hook):
    """Register a callable(event_id) run after the emitting transaction commits (e.g. enqueue dispatch)."""
    _after_commit_hooks.append(hook)
    return hook


def event_emit(
    *,
    obj,
    event_type: str,
    actor,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
) -> Event:
    """Append the next event of `obj`. Callers hold the object's row lock, so the sequence is gapless."""
    object_type, object_id, case_id = object_ref(obj)
    last = Event.objects.filter(object_type=object_type, object_id=object_id).aggregate(m=Max("sequence"))["m"] or 0
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    event = Event.objects.create(
        at=timezone.now(),
        event_type=event_type,
        object_type=object_type,
        object_id=object_id,
        sequence=last + 1,
        case_id=case_id,
        actor=actor if is_user else None,
        actor_repr=actor.get_username() if is_user else "system",
        authority_id=getattr(actor, "authority_id", None) if is_user else None,
        door=current().door,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )
    for hook in _after_commit_hooks:
        transaction.on_commit(lambda h=hook, pk=event.pk: h(pk))
    return event


@dataclass(frozen=True)
class EventDraft:
    obj: object
    event_type: str
    from_state: str = ""
    to_state: str = ""
    reason: str = ""
    data: dict = field(default_factory=dict)


def event_emit_many(*, drafts: list[EventDraft], actor) -> list[Event]:
    """event_emit for a batch (sweeps): one query for the last sequences, one INSERT, the same after-commit hooks.

    Callers hold the row locks of every object, as for event_emit; drafts of one object get consecutive sequences
    in list order.
    """
    if not drafts:
        return []
    refs = [object_ref(d.obj) for d in drafts]
    last: dict[tuple[str, str], int] = {}
    for object_type in {r[0] for r in refs}:
        ids = [r[1] for r in refs if r[0] == object_type]
        rows = (
            Event.objects.filter(object_type=object_type, object_id__in=ids)
            .values_list("object_id")
            .annotate(m=Max("sequence"))
        )
        last.update({(object_type, object_id): m for object_id, m in rows})
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    at, door = timezone.now(), current().door
    events = []
    for draft, (object_type, object_id, case_id) in zip(drafts, refs, strict=True):
        sequence = last.get((object_type, object_id), 0) + 1
        last[(object_type, object_id)] = sequence
        events.append(Event(
            at=at, event_type=draft.event_type, object_type=object_type, object_id=object_id, sequence=sequence,
            case_id=case_id, actor=actor if is_user else None,
            actor_repr=actor.get_username() if is_user else "system",
            authority_id=getattr(actor, "authority_id", None) if is_user else None,
            door=door, from_state=draft.from_state, to_state=draft.to_state, reason=draft.reason, data=draft.data,
        ))
    _insert(events)
    for event in events:
        for hook in _after_commit_hooks:
            transaction.on_commit(lambda h=hook, pk=event.pk: h(pk))
    return events


_INSERT_SQL = """
    INSERT INTO events_event (at, event_type, object_type, object_id, sequence, case_id, actor_id, actor_repr,
                              authority_id, door, from_state, to_state, reason, data, dispatch_attempts, dispatch_error)
    SELECT %s, v.event_type, v.object_type, v.object_id, v.sequence, v.case_id, %s, %s, %s, %s, v.from_state,
           v.to_state, v.reason, v.data::jsonb, 0, ''
    FROM unnest(%b::varchar[], %b::varchar[], %b::varchar[], %b::int[], %b::bigint[], %b::varchar[], %b::varchar[],
                %b::text[], %b::text[]) AS v(event_type, object_type, object_id, sequence, case_id, from_state, to_state,
                                             reason, data)
    RETURNING id, object_type, object_id, sequence
"""


def _insert(events: list[Event]) -> None:
    """One INSERT for the batch, setting each event's pk. On PostgreSQL the columns go as arrays bound on the server:
    Django's bulk_create prepares and quotes every value of every row in Python (most of a sweep's time)."""
    if connection.vendor != "postgresql" or len(events) < 2:
        Event.objects.bulk_create(events)
        return
    first = events[0]  # one actor, moment and door for the whole batch (event_emit_many's arguments)
    columns = [
        [e.event_type for e in events], [e.object_type for e in events], [e.object_id for e in events],
        [e.sequence for e in events], [e.case_id for e in events], [e.from_state for e in events],
        [e.to_state for e in events], [e.reason for e in events], [json.dumps(e.data) for e in events],
    ]
    connection.ensure_connection()
    # A plain psycopg cursor binds parameters on the server (Django's binds them client-side), the arrays in binary
    # form (%b); same connection, same transaction.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_INSERT_SQL, [first.at, first.actor_id, first.actor_repr, first.authority_id, first.door, *columns])
        ids = {(object_type, object_id, sequence): pk for pk, object_type, object_id, sequence in cursor.fetchall()}
    for event in events:
        event.pk = ids[(event.object_type, event.object_id, event.sequence)]
        event._state.adding, event._state.db = False, "default"
