"""Writing the audit trail: called by services inside their transaction, never through signals."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from coopcases.audit.chain import (
    GENESIS,
    canonical_ip,
    canonical_json,
    chain_anchor,
    chained_fields,
    clean_text,
    entry_digest,
    normalise_json,
)
from coopcases.audit.models import AuditEntry, AuditPurge
from coopcases.core.context import current
from coopcases.core.exceptions import FieldProblem, ValidationFailed

__all__ = ["GENESIS", "audit_purge_expired", "audit_record", "audit_view", "object_ref"]

_CHAIN_LOCK = 7_302_001  # advisory lock key serialising appends to the chain (PostgreSQL); also taken by audit_purge_before
MINIMUM_RETENTION_DAYS = 3 * 365  # EU 2023/969 Art. 25: logs kept three years; the database function enforces it too


def object_ref(obj) -> tuple[str, str, int | None]:
    """(type, id, case id) of any model instance."""
    label = obj._meta.label_lower
    case_id = obj.pk if label == "cases.case" else getattr(obj, "case_id", None)
    return label, str(obj.pk), case_id


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    case_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    purpose: str = "",
    outcome: str = "success",
) -> AuditEntry:
    """Append one entry to the chain. Values are stored in the form the database gives back, so they re-hash equal."""
    if obj is not None:
        object_type, object_id, case_id = object_ref(obj)
    ctx = current()
    is_user = actor is not None and getattr(actor, "pk", None) is not None
    with transaction.atomic(savepoint=False):  # the advisory lock needs a transaction; no savepoint inside the caller's
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor if is_user else None,
            actor_repr=clean_text(actor.get_username() if is_user else "system"),
            authority_id=getattr(actor, "authority_id", None) if is_user else None,
            on_behalf_of=clean_text(ctx.on_behalf_of or ""),
            door=ctx.door,
            ip=canonical_ip(ctx.ip),
            request_id=clean_text(ctx.request_id or ""),
            action=action,
            object_type=object_type,
            object_id=clean_text(str(object_id)),
            case_id=case_id,
            before=normalise_json(before),
            after=normalise_json(after),
            reason=clean_text(reason),
            purpose=clean_text(purpose),
            outcome=outcome,
        )
        _append(entry)
    return entry


# The chain's head (`chain_anchor` when the table is empty) and the new entry's hash, entry_digest's formula computed by
# PostgreSQL (built-in sha256(), no extension): reading the head and appending is one statement. It runs after the lock
# statement, so its snapshot holds every entry committed before the lock was granted.
_APPEND_SQL = """
WITH head AS (
    SELECT COALESCE(
        (SELECT hash FROM audit_auditentry ORDER BY id DESC LIMIT 1),
        (SELECT last_purged_hash FROM audit_auditpurge ORDER BY id DESC LIMIT 1),
        %s) AS prev_hash
)
INSERT INTO audit_auditentry ({columns}, prev_hash, hash)
VALUES ({values}, (SELECT prev_hash FROM head),
        encode(sha256(convert_to((SELECT prev_hash FROM head) || %s, 'UTF8')), 'hex'))
RETURNING id, prev_hash, hash
"""


def _append(entry: AuditEntry) -> None:
    """Insert `entry` at the head of the chain. The chain lock is held from here to the caller's commit, so callers
    append their audit row last (coopcases.core.workflow), and holding it costs two statements and the commit."""
    if connection.vendor != "postgresql":
        _lock_chain()
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        entry.prev_hash = last or chain_anchor()
        entry.hash = entry_digest(entry)
        entry.save(force_insert=True)
        return
    fields = [f for f in AuditEntry._meta.concrete_fields if f.attname not in ("id", "prev_hash", "hash")]
    sql = _APPEND_SQL.format(columns=", ".join(connection.ops.quote_name(f.column) for f in fields), values=", ".join(["%s"] * len(fields)))
    params = [GENESIS, *(f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields), canonical_json(chained_fields(entry))]
    _lock_chain()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        entry.pk, entry.prev_hash, entry.hash = cursor.fetchone()
    entry._state.adding, entry._state.db = False, connection.alias
    if entry.hash != entry_digest(entry):  # the database and verify_audit must agree, or nothing is written
        raise RuntimeError("audit chain: the database's digest differs from entry_digest; transaction rolled back")


def audit_view(*, actor, obj, purpose: str, fields: list[str] | tuple[str, ...] = ()) -> AuditEntry:
    """Record that `actor` read the confidential parts of `obj`, and why (LED Art. 25: consultation with justification).

    Call it from every door that shows confidential fields (web view, API retrieve, export), after the
    visibility check and before the data leaves. `fields` names what was shown.
    """
    if not purpose or not purpose.strip():
        raise ValidationFailed(
            "State the purpose of this access to confidential data.",
            [FieldProblem("purpose", "a stated purpose is required to view confidential data", "required")],
            code="purpose_required",
        )
    return audit_record(
        actor=actor,
        action="view",
        obj=obj,
        after={"fields": sorted(fields)} if fields else None,
        purpose=purpose.strip(),
    )


def audit_purge_expired(*, actor=None, now: datetime | None = None) -> int:
    """Remove audit entries older than AUDIT_RETENTION_DAYS through the database's purge path; log the purge.

    Returns the number of entries removed. The purge itself is recorded twice: by the database function (an
    `AuditPurge` anchor, even when a DBA calls it by hand) and here, as a chained `purge` entry.
    """
    days = max(settings.AUDIT_RETENTION_DAYS, MINIMUM_RETENTION_DAYS)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The database's clock (transaction start) decides what is three years old; never ask for more.
                cursor.execute("SELECT LEAST(%s, now() - make_interval(days => %s))", [cutoff, MINIMUM_RETENTION_DAYS])
                (cutoff,) = cursor.fetchone()
                cursor.execute("SELECT audit_purge_before(%s)", [cutoff])
                (count,) = cursor.fetchone()
        else:
            count = _purge_without_database_function(cutoff)
        if count:
            purge = AuditPurge.objects.order_by("-id").first()
            audit_record(
                actor=actor,
                action="purge",
                object_type="audit.auditentry",
                object_id=str(purge.last_purged_id),
                after={"cutoff": cutoff, "count": count, "last_purged_id": purge.last_purged_id, "anchor": purge.last_purged_hash},
                reason=f"audit log retention: {days} days",
            )
    return count


def _purge_without_database_function(cutoff: datetime) -> int:
    """SQLite (`make run` only) has neither the triggers nor the function: the same steps in Python."""
    _lock_chain()
    first_kept = AuditEntry.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
    doomed = AuditEntry.objects.all() if first_kept is None else AuditEntry.objects.filter(id__lt=first_kept)
    last = doomed.order_by("-id").values("id", "hash").first()
    if last is None:
        return 0
    count, _ = doomed.delete()
    AuditPurge.objects.create(
        at=timezone.now(), cutoff=cutoff, purged_count=count, last_purged_id=last["id"],
        last_purged_hash=last["hash"], db_user=connection.settings_dict.get("USER") or "sqlite",
    )
    return count
