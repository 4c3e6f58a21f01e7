"""The hash chain of the audit log: canonical forms, the digest of one entry, and the walk that verifies it.

Each entry's hash is SHA-256 over the previous entry's hash followed by the canonical JSON of the entry's
fields. Values are normalised *before* they are stored, so that what PostgreSQL gives back (jsonb reorders
keys and rewrites numbers; inet rewrites addresses; timestamptz keeps microseconds) hashes to the same digest
as what was written. After a retention purge the chain starts at the first kept entry, whose `prev_hash` must
equal the hash of the last purged entry as recorded in `AuditPurge` (see docs/security.md).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder

from coopcases.audit.models import AuditEntry, AuditPurge

GENESIS = "0" * 64
_EXPONENT_INTEGRAL_FLOAT = 1e16  # from here Python writes 1e+16; jsonb gives back an integer


def clean_text(value: str) -> str:
    """PostgreSQL text and jsonb refuse NUL and lone surrogates: replace them rather than fail the audit write."""
    return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _normalise(value):
    if isinstance(value, dict):
        return {clean_text(str(k)): _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("audit values cannot hold NaN or infinity")
        if value == 0:
            return 0.0  # jsonb has no negative zero
        if value.is_integer() and abs(value) >= _EXPONENT_INTEGRAL_FLOAT:
            return int(value)
        return value
    return value


def normalise_json(value):
    """The JSON value as it will come back from the database: plain types only, keys as strings."""
    if value is None:
        return None
    plain = json.loads(json.dumps(value, cls=DjangoJSONEncoder))  # Decimal, dates, UUIDs, lazy strings → str
    return _normalise(plain)


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def canonical_at(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chained_fields(entry: AuditEntry) -> dict:
    """The fields covered by the hash: everything but the row id and the hashes themselves."""
    return {
        "at": canonical_at(entry.at),
        "actor_id": entry.actor_id,
        "actor_repr": entry.actor_repr,
        "authority_id": entry.authority_id,
        "on_behalf_of": entry.on_behalf_of,
        "door": entry.door,
        "ip": entry.ip,
        "request_id": entry.request_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "case_id": entry.case_id,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "purpose": entry.purpose,
        "outcome": entry.outcome,
    }


def entry_digest(entry: AuditEntry) -> str:
    payload = canonical_json(chained_fields(entry))
    return hashlib.sha256((entry.prev_hash + payload).encode("utf-8")).hexdigest()


def chain_anchor() -> str:
    """The hash the oldest kept entry must point to: the last purged entry's, or the genesis value."""
    last_purge = AuditPurge.objects.order_by("-id").values_list("last_purged_hash", flat=True).first()
    return last_purge or GENESIS


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    field: str  # "prev_hash" (a link to the previous entry) or "hash" (the entry's own content)
    expected: str
    found: str

    def __str__(self) -> str:
        what = "link to the previous entry" if self.field == "prev_hash" else "content hash"
        return f"entry #{self.entry_id}: {what} broken — expected {self.expected}, found {self.found}"


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_id: int | None
    last_id: int | None
    anchor: str
    head_hash: str
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def audit_chain_verify(*, chunk_size: int = 2000, anchor_id: int | None = None, anchor_hash: str = "") -> ChainReport:
    """Walk the chain in id order, streaming, and stop at the first broken link.

    `anchor_id`/`anchor_hash`: a head previously recorded outside the database; the entry must still be there
    with that hash (a chain alone cannot show that its newest entries were cut off).
    """
    anchor = chain_anchor()
    expected_prev = anchor
    checked = 0
    first_id = last_id = None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        first_id = entry.pk if first_id is None else first_id
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, first_id, last_id, anchor, expected_prev, ChainBreak(entry.pk, "prev_hash", expected_prev, entry.prev_hash))
        digest = entry_digest(entry)
        if digest != entry.hash:
            return ChainReport(checked, first_id, last_id, anchor, expected_prev, ChainBreak(entry.pk, "hash", digest, entry.hash))
        if entry.pk == anchor_id and entry.hash != anchor_hash:
            return ChainReport(checked, first_id, last_id, anchor, expected_prev, ChainBreak(entry.pk, "hash", anchor_hash, entry.hash))
        expected_prev = entry.hash
        last_id = entry.pk
        checked += 1
    if anchor_id is not None and (last_id is None or last_id < anchor_id):
        return ChainReport(checked, first_id, last_id, anchor, expected_prev, ChainBreak(anchor_id, "hash", anchor_hash, "missing"))
    return ChainReport(checked, first_id, last_id, anchor, expected_prev, None)
