"""`Idempotency-Key` on POST (draft-ietf-httpapi-idempotency-key-header).

- first request with a key: the key is claimed (a committed row), the request runs, a successful (2xx) response
  is stored with the key; a failed one (4xx/5xx) releases the key, so a corrected retry may use it again;
- same key, same method, path and body, after success: the stored response is replayed (`Idempotent-Replayed: true`);
- same key with another method, path or body: 422;
- same key while the first request still runs: 409 (a claim older than `PENDING_TIMEOUT` is considered abandoned);
- a key older than IDEMPOTENCY_KEY_RETENTION_HOURS is forgotten: it is a new key, and the hourly sweep
  (`purge_expired`, task `api.purge_idempotency_keys`) deletes such rows in batches.

Keys belong to the caller (the OAuth client, or the signed-in user), so two clients never collide.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from coopcases.api.errors import ProblemException
from coopcases.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
PENDING_TIMEOUT = timedelta(minutes=5)
REPLAYED_HEADERS = ("ETag", "Location", "Content-Type")


def owner_of(request) -> str:
    application = getattr(request.auth, "application", None)
    return f"app:{application.pk}" if application is not None else f"user:{request.user.pk}"


def _canonical(value):
    if hasattr(value, "read") and hasattr(value, "seek"):  # an uploaded file: its content's digest
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": getattr(value, "name", ""), "sha256": digest.hexdigest()}
    if hasattr(value, "lists"):  # QueryDict / MultiValueDict
        return {k: [_canonical(v) for v in vs] for k, vs in value.lists()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def fingerprint(request) -> str:
    body = {"data": _canonical(request.data), "files": _canonical(request.FILES) if request.FILES else {}}
    text = json.dumps([request.method, request.path, body], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Claim:
    """A claimed key; `complete` stores the response, `release` gives the key back."""

    def __init__(self, row: IdempotencyKey):
        self.row = row

    def complete(self, response) -> None:
        if 200 <= response.status_code < 300:
            response.render()
            headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
            IdempotencyKey.objects.filter(pk=self.row.pk).update(
                completed_at=timezone.now(), response_status=response.status_code, response_body=bytes(response.content),
                response_headers=headers,
            )
        else:
            self.release()

    def release(self) -> None:
        IdempotencyKey.objects.filter(pk=self.row.pk, completed_at__isnull=True).delete()


def expires_before(now):
    """Keys created before this moment are expired."""
    return now - timedelta(hours=settings.IDEMPOTENCY_KEY_RETENTION_HOURS)


def purge_expired(*, now=None, batch_size: int = 1000) -> int:
    """Delete expired keys, `batch_size` rows per statement (short locks, bounded WAL); returns how many."""
    cutoff, purged = expires_before(now or timezone.now()), 0
    while True:
        batch = list(IdempotencyKey.objects.filter(created_at__lt=cutoff).order_by("created_at").values_list("pk", flat=True)[:batch_size])
        if not batch:
            return purged
        purged += IdempotencyKey.objects.filter(pk__in=batch).delete()[0]


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.response_body or b""), status=row.response_status)
    for name, value in row.response_headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _insert_unless_taken(row: IdempotencyKey) -> IdempotencyKey | None:
    """Insert the claim, or None when (owner, key) exists. One statement, committed on its own outside a transaction:
    INSERT … ON CONFLICT DO NOTHING on PostgreSQL; a savepoint and the unique constraint elsewhere."""
    if connection.vendor != "postgresql":
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            return None
        return row
    row.created_at = timezone.now()
    fields = [f for f in IdempotencyKey._meta.concrete_fields if f.attname != "id"]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {IdempotencyKey._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "  # noqa: S608 (model's own names)
            "ON CONFLICT (owner, key) DO NOTHING RETURNING id",
            [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields],
        )
        inserted = cursor.fetchone()
    if inserted is None:
        return None
    row.pk = inserted[0]
    row._state.adding, row._state.db = False, connection.alias
    return row


def claim(request) -> Claim | HttpResponse | None:
    """None without a key; a Claim for a new key; the stored response for a completed one; a problem otherwise."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ProblemException(400, _("Idempotency-Key must be 1 to %(max)s printable characters.") % {"max": MAX_KEY_LENGTH}, "invalid",
                               [{"name": HEADER, "reason": _("1 to %(max)s characters") % {"max": MAX_KEY_LENGTH}, "code": "invalid"}])
    owner, print_ = owner_of(request), fingerprint(request)

    def new_claim():
        return _insert_unless_taken(IdempotencyKey(owner=owner, key=key, method=request.method, path=request.path[:500], fingerprint=print_))

    claimed = new_claim()
    expired = IdempotencyKey.objects.filter(owner=owner, key=key, created_at__lt=expires_before(timezone.now()))
    if claimed is None and expired.delete()[0]:  # an expired key is a new key (checked only when the key is taken)
        claimed = new_claim()
    if claimed is not None:
        return Claim(claimed)
    row = IdempotencyKey.objects.filter(owner=owner, key=key).first()
    if row is None:  # released between our insert and this read: the caller may simply retry
        raise ProblemException(409, _("A request with this Idempotency-Key just finished; retry."), "idempotency_in_progress")
    if row.fingerprint != print_:
        raise ProblemException(422, _("This Idempotency-Key was used for another request (other method, path or body)."),
                               "idempotency_key_reused", [{"name": HEADER, "reason": _("already used for another request"), "code": "reused"}])
    if row.completed_at is not None:
        return _replay(row)
    if row.created_at < timezone.now() - PENDING_TIMEOUT:
        IdempotencyKey.objects.filter(pk=row.pk, completed_at__isnull=True).update(created_at=timezone.now())
        return Claim(row)
    raise ProblemException(409, _("A request with this Idempotency-Key is still running; retry later."), "idempotency_in_progress",
                           [{"name": HEADER, "reason": _("the first request with this key has not finished"), "code": "in_progress"}],
                           headers={"Retry-After": "1"})
