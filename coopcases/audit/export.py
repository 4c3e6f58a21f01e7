"""CSV export of audit entries, streamed; the export is itself recorded before the first byte leaves."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from coopcases.audit.chain import canonical_at, canonical_json
from coopcases.audit.models import AuditEntry
from coopcases.audit.services import audit_record

COLUMNS = [
    "id", "at", "actor_id", "actor_repr", "authority_id", "on_behalf_of", "door", "ip", "request_id", "action",
    "object_type", "object_id", "case_id", "before", "after", "reason", "purpose", "outcome", "prev_hash", "hash",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    """Text as a spreadsheet will not execute it (OWASP CSV injection): a leading formula character is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(entry: AuditEntry) -> list[str]:
    values = {
        **{name: getattr(entry, name) for name in COLUMNS},
        "at": canonical_at(entry.at),
        "actor_id": entry.actor_id,
        "before": canonical_json(entry.before) if entry.before is not None else "",
        "after": canonical_json(entry.after) if entry.after is not None else "",
    }
    # Hashes and JSON are kept verbatim so that the export can be re-verified outside the system.
    return [values[name] if name in ("before", "after", "prev_hash", "hash") else _cell(values[name]) for name in COLUMNS]


def csv_lines(entries: Iterable[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for entry in entries:
        yield writer.writerow(_row(entry))


def audit_export_csv(*, actor, queryset: QuerySet[AuditEntry], filters: dict, purpose: str) -> StreamingHttpResponse:
    """Record the export (who, which filters, why), then stream the rows in id order, 2,000 per fetch."""
    record = audit_record(
        actor=actor, action="export", object_type="audit.auditentry", object_id="",
        after={"filters": filters}, purpose=purpose,
    )
    rows = queryset.filter(id__lt=record.pk).order_by("id").iterator(chunk_size=2000)
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def filters_from_query(query) -> dict:
    """A QueryDict as plain JSON: one value or a list of values per parameter."""
    return {key: values if len(values) > 1 else values[0] for key, values in query.lists()}

