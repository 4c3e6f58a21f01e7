"""Signed webhook delivery (Standard Webhooks 1.0) with retries over ~75 hours, an attempt log and an SSRF guard.

Headers: `webhook-id` (stable per event: receivers deduplicate on it), `webhook-timestamp` (unix seconds of the
attempt), `webhook-signature` (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per valid secret,
space-separated, so old and new secrets sign side by side during a rotation).

Deliveries go in batches: the due rows are taken in one statement (`FOR UPDATE SKIP LOCKED`, in order per object
and subscription: a later event of an object waits for the earlier one), leased in one transaction, POSTed
concurrently outside any transaction through one kept-alive client per partner origin, and their outcomes recorded
in one transaction (attempt log in one INSERT, deliveries in one UPDATE). Only 2xx succeeds; 410 Gone disables the
subscription; anything else (3xx, 4xx, 5xx, timeout, TLS or connection error, refused address) is retried after
RETRY_DELAYS with upward jitter, then dead-lettered. An attempt counts only once its outcome is recorded: one whose
worker died (lease ran out) is made again without using up the schedule. Retries are rows (`next_attempt_at`)
swept every 30 s, never long countdowns; the sends of a batch run side by side, so a slow endpoint holds up no
other send for longer than its timeout.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import logging
import random
import secrets as secrets_lib
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import certifi
import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, When
from django.utils import timezone

from coopcases.notifications.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSecret,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of Standard Webhooks secrets, not a secret)
# Standard Webhooks' schedule after the first, immediate attempt: about 75.5 hours in all.
RETRY_DELAYS = (
    timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=5),
    timedelta(hours=10), timedelta(hours=14), timedelta(hours=20), timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = (1.0, 1.25)  # upward only, so the schedule never totals less than 72 h
MAX_RETRY_AFTER = timedelta(hours=24)
# A claimed attempt not finished by then (its worker died) is retried by the sweep; longer than the task time limit.
LEASE = timedelta(minutes=5)
# Attempts that never recorded an outcome (worker killed) do not count towards MAX_ATTEMPTS, so a partner down for
# 72 hours still gets the whole schedule; a delivery that kills its worker again and again stops here.
MAX_LOST_ATTEMPTS = 5
BATCH = 100  # deliveries claimed together by the batch sender
# POSTs in flight at once (threads sharing the kept-alive clients). More threads only fight for the GIL when the
# partner answers fast; against a partner that times out, a batch takes BATCH / SEND_CONCURRENCY timeouts.
SEND_CONCURRENCY = 16
EXCERPT_BYTES = 1000
USER_AGENT = "coopcases-webhooks/1"


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    RETRY = "retry"
    DEAD = "dead"
    GONE = "gone"
    SKIPPED = "skipped"


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets_lib.token_bytes(32)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secrets: list[str], msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets),
    }


def valid_secrets(subscription_id: int, now: datetime) -> list[str]:
    return list(
        WebhookSecret.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now), subscription_id=subscription_id)
        .order_by("-created_at")
        .values_list("secret", flat=True)
    )


class AddressRefused(Exception):
    """The target resolves to an address partners may not make us call (SSRF guard)."""


def forbidden_kind(address: str) -> str | None:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "unspecified", "link_local", "multicast", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-public"


def pinned_request(url: str) -> tuple[httpx.URL, dict[str, str], dict]:
    """The URL to connect to, extra headers and extensions: resolved once, every address checked, the connection
    pinned to the checked address (no second lookup a DNS rebinding could answer differently)."""
    target = httpx.URL(url)
    if target.scheme not in ("http", "https") or not target.host:
        raise AddressRefused(f"unsupported URL {url!r}")
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return target, {}, {}
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(target.host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AddressRefused(f"cannot resolve {target.host}: {exc}") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        kind = forbidden_kind(address)
        if kind:
            raise AddressRefused(f"{target.host} resolves to {address}, a {kind} address")
    host_header = target.host if target.port is None else f"{target.host}:{target.port}"
    return target.copy_with(host=addresses[0]), {"host": host_header}, {"sni_hostname": target.host}


def check_target_url(url: str) -> str | None:
    """Why this URL may not be subscribed (checked when saved; hosts are resolved again on every attempt)."""
    target = httpx.URL(url)
    if target.scheme not in ("http", "https") or not target.host:
        return "the URL must be http(s) with a host"
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return None
    if target.scheme != "https":
        return "the URL must use https"
    try:
        kind = forbidden_kind(target.host)
    except ValueError:
        return None  # a host name: resolved and checked at send time
    return f"{target.host} is a {kind} address" if kind else None


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Loading the CA bundle costs tens of milliseconds: once per process, not per attempt (thread-safe to share)."""
    return ssl.create_default_context(cafile=certifi.where())


def http_client() -> httpx.Client:
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(5, timeout)), follow_redirects=False, trust_env=False,
        transport=httpx.HTTPTransport(
            verify=_tls_context(), retries=1,
            limits=httpx.Limits(max_connections=SEND_CONCURRENCY, max_keepalive_connections=SEND_CONCURRENCY),
        ),
    )


_clients: dict[str, httpx.Client] = {}
_clients_lock = threading.Lock()
MAX_CLIENTS = 256


def client_for(origin: str) -> httpx.Client:
    """A kept-alive client per partner origin, shared by the sending threads of the process (httpx clients are
    thread-safe; their pool keeps connections open between batches). Never shared between origins: a connection
    opened and verified for one host name is not reused for another that resolves to the same address."""
    with _clients_lock:
        client = _clients.get(origin)
        if client is None:
            if len(_clients) >= MAX_CLIENTS:  # the oldest is dropped, not closed: a thread may still be using it
                _clients.pop(next(iter(_clients)))
            client = _clients[origin] = http_client()
        return client


@dataclass
class AttemptResult:
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""
    duration_ms: int = 0
    retry_after: timedelta | None = None


def _retry_after(response: httpx.Response) -> timedelta | None:
    value = response.headers.get("retry-after", "")
    return timedelta(seconds=int(value)) if value.isdigit() else None


def post(url: str, msg_id: str, body: str, secrets: list[str]) -> AttemptResult:
    result = AttemptResult()
    started = time.monotonic()
    try:
        target, extra_headers, extensions = pinned_request(url)
        headers = {**signed_headers(secrets, msg_id, int(time.time()), body), **extra_headers}
        origin = httpx.URL(url)
        client = client_for(f"{origin.scheme}://{origin.host}:{origin.port or ''}")
        with client.stream("POST", target, content=body.encode(), headers=headers, extensions=extensions) as response:
            result.status_code = response.status_code
            result.retry_after = _retry_after(response)
            excerpt = b""
            for chunk in response.iter_bytes():
                excerpt += chunk
                if len(excerpt) >= EXCERPT_BYTES:
                    break
            result.excerpt = excerpt[:EXCERPT_BYTES].decode("utf-8", "replace")
    except AddressRefused as exc:
        result.error = f"refused: {exc}"
    except httpx.TimeoutException as exc:
        result.error = f"timeout: {exc.__class__.__name__}"
    except httpx.HTTPError as exc:  # connection refused, TLS certificate, protocol errors
        result.error = f"{exc.__class__.__name__}: {exc}"
    result.duration_ms = int((time.monotonic() - started) * 1000)
    result.error = result.error[:500]
    return result


def retry_delay(attempt: int, retry_after: timedelta | None = None) -> timedelta:
    """The wait after failed attempt number `attempt` (1-based), with jitter; a Retry-After asking longer wins."""
    delay = RETRY_DELAYS[attempt - 1] * random.uniform(*JITTER)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay



@dataclass
class Claimed:
    """A delivery leased for one attempt: everything the sender needs, and the lease that proves ownership."""

    id: int
    attempt: int
    lease: datetime
    subscription_id: int
    url: str
    webhook_id: str
    body: str
    secrets: list[str] = field(default_factory=list)
    result: AttemptResult | None = None
    retry_in: timedelta | None = None


def _no_outcome_yet(now: datetime):
    """Free to claim: no attempt in flight, or the one in flight lost its worker (lease ran out, no outcome)."""
    return Q(leased_until__isnull=True) | Q(leased_until__lte=now)


def _head_of_its_object():
    """A partner receives the events of one object in sequence order: a delivery waits while an earlier event of
    the same object to the same subscription is still pending or being retried (a dead one no longer blocks)."""
    earlier = WebhookDelivery.objects.filter(
        subscription_id=OuterRef("subscription_id"), status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED],
        event__object_type=OuterRef("event__object_type"), event__object_id=OuterRef("event__object_id"),
        event__sequence__lt=OuterRef("event__sequence"),
    )
    return ~Exists(earlier)


def _set_synchronous_commit_off() -> None:
    # Losing such a commit in a database crash only loses a lease or a lost-attempt count: the delivery is then
    # simply tried again. Not waiting for the WAL flush halves the commits each batch waits for.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _claim_many(wanted: list[tuple[int, int]], now: datetime) -> list[Claimed]:
    """Lease the given (delivery id, attempt number) pairs: rows locked elsewhere, already finished, at another
    attempt or with an attempt in flight are skipped (a duplicate or stale message)."""
    attempt_of = dict(wanted)
    return _lease(lambda rows: rows.filter(pk__in=list(attempt_of)), now, attempt_of) if wanted else []


def _claim_due(now: datetime, limit: int) -> list[Claimed]:
    """Lease up to `limit` due deliveries, the earliest first and in order per object, in one transaction with
    their selection (`FOR UPDATE SKIP LOCKED`: concurrent senders take disjoint rows)."""
    return _lease(
        lambda rows: rows.filter(_head_of_its_object(), next_attempt_at__lte=now).order_by("next_attempt_at")[:limit],
        now, None,
    )


def _lease(narrow, now: datetime, attempt_of: dict[int, int] | None) -> list[Claimed]:
    """Lock the rows `narrow` selects among those free to claim and lease them for LEASE, in one transaction.
    An attempt whose lease ran out without an outcome (its worker died) does not count towards MAX_ATTEMPTS; it
    counts towards MAX_LOST_ATTEMPTS."""
    skip = connection.features.has_select_for_update_skip_locked
    lease = now + LEASE
    with transaction.atomic(durable=True):
        _set_synchronous_commit_off()
        free = (
            WebhookDelivery.objects.select_for_update(skip_locked=skip, of=("self",))
            .select_related("subscription")
            .filter(_no_outcome_yet(now), status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])
            .only("id", "attempts", "lost_attempts", "leased_until", "webhook_id", "body", "subscription_id",
                  "subscription__active", "subscription__target_url")
        )
        claimed, leased_ids = [], []
        for d in narrow(free):
            if attempt_of is not None and d.attempts != attempt_of[d.pk] - 1:
                continue  # a duplicate or stale message
            if not d.subscription.active:
                _give_up(d, "subscription inactive")
                continue
            lost = d.lost_attempts + (d.leased_until is not None)
            if lost > MAX_LOST_ATTEMPTS:
                _give_up(d, f"no outcome recorded for {lost} attempts (worker lost)")
                continue
            leased_ids.append(d.pk)
            claimed.append(Claimed(d.pk, d.attempts + 1, lease, d.subscription_id, d.subscription.target_url,
                                   d.webhook_id, d.body))
        if leased_ids:
            WebhookDelivery.objects.filter(pk__in=leased_ids).update(
                lost_attempts=F("lost_attempts") + Case(When(leased_until__isnull=False, then=1), default=0),
                leased_until=lease, next_attempt_at=lease,
            )
    secrets: dict[int, list[str]] = {}
    for c in claimed:
        if c.subscription_id not in secrets:
            secrets[c.subscription_id] = valid_secrets(c.subscription_id, now)
        c.secrets = secrets[c.subscription_id]
    return claimed


def _give_up(delivery: WebhookDelivery, reason: str) -> None:
    delivery.status, delivery.next_attempt_at, delivery.leased_until = DeliveryStatus.DEAD, None, None
    delivery.last_error = reason
    delivery.save(update_fields=["status", "next_attempt_at", "leased_until", "last_error"])
    logger.error("webhook delivery %s dead: %s", delivery.pk, reason)


_senders: ThreadPoolExecutor | None = None
_senders_lock = threading.Lock()


def _sender_pool() -> ThreadPoolExecutor:
    """The sending threads of the process, kept between batches (created on first use: after a worker forks)."""
    global _senders
    with _senders_lock:
        if _senders is None:
            _senders = ThreadPoolExecutor(max_workers=SEND_CONCURRENCY, thread_name_prefix="webhook-send")
        return _senders


def _send_all(claimed: list[Claimed], concurrency: int) -> None:
    def send(c: Claimed) -> None:
        c.result = post(c.url, c.webhook_id, c.body, c.secrets)

    if len(claimed) == 1 or concurrency <= 1:
        for c in claimed:
            send(c)
        return
    pool = _sender_pool() if concurrency == SEND_CONCURRENCY else ThreadPoolExecutor(max_workers=concurrency)
    list(pool.map(send, claimed))
    if pool is not _senders:
        pool.shutdown()


def _record(claimed: list[Claimed]) -> dict[int, Outcome]:
    """Record the outcomes of a batch in one transaction: the attempt log in one INSERT, the deliveries in one
    UPDATE. A delivery whose lease ran out and was claimed again meanwhile keeps its log line and nothing else."""
    from coopcases.audit.services import audit_record

    finished = timezone.now()
    outcomes: dict[int, Outcome] = {}
    with transaction.atomic(durable=True):
        owned = set(
            WebhookDelivery.objects.select_for_update(of=("self",))
            .filter(pk__in=[c.id for c in claimed], leased_until__in={c.lease for c in claimed})
            .values_list("pk", "leased_until")
        )
        WebhookAttempt.objects.bulk_create(
            WebhookAttempt(delivery_id=c.id, number=c.attempt, at=finished, status_code=c.result.status_code,
                           duration_ms=c.result.duration_ms, error=c.result.error, response_excerpt=c.result.excerpt)
            for c in claimed
        )
        updates = []
        gone: dict[int, Claimed] = {}
        for c in claimed:
            if (c.id, c.lease) not in owned:
                outcomes[c.id] = Outcome.SKIPPED
                continue
            result = c.result
            status, delivered_at, next_at = DeliveryStatus.FAILED, None, None
            if result.status_code is not None and 200 <= result.status_code < 300:
                outcome, status, delivered_at = Outcome.SUCCEEDED, DeliveryStatus.SUCCEEDED, finished
            elif result.status_code == 410:
                outcome, status = Outcome.GONE, DeliveryStatus.DEAD
                gone.setdefault(c.subscription_id, c)
            elif c.attempt >= MAX_ATTEMPTS:
                outcome, status = Outcome.DEAD, DeliveryStatus.DEAD
                logger.error("webhook delivery %s dead after %s attempts: %s", c.id, c.attempt, result.error or result.status_code)
            else:
                c.retry_in = retry_delay(c.attempt, result.retry_after)
                outcome, next_at = Outcome.RETRY, finished + c.retry_in
            outcomes[c.id] = outcome
            updates.append((c.id, c.attempt, status, next_at, delivered_at, result.status_code, result.error, result.excerpt))
        _update_deliveries(updates)
        for subscription_id in gone:
            _disable_gone(subscription_id, finished, audit_record)
    return outcomes


def _update_deliveries(updates: list[tuple]) -> None:
    """(id, attempts, status, next_attempt_at, delivered_at, last_status_code, last_error, response_excerpt) rows,
    written with the lease released."""
    if not updates:
        return
    if connection.vendor != "postgresql":
        for pk, attempts, status, next_at, delivered_at, code, error, excerpt in updates:
            WebhookDelivery.objects.filter(pk=pk).update(
                attempts=attempts, status=status, next_attempt_at=next_at, delivered_at=delivered_at,
                last_status_code=code, last_error=error, response_excerpt=excerpt, leased_until=None,
            )
        return
    columns = list(zip(*updates, strict=True))
    with connection.cursor() as cursor:
        # Django's bulk_update builds a CASE per row and field; unnest binds one array per column.
        cursor.execute(
            f"""UPDATE {WebhookDelivery._meta.db_table} AS d
                SET attempts = v.attempts, status = v.status, next_attempt_at = v.next_attempt_at,
                    delivered_at = v.delivered_at, last_status_code = v.code, last_error = v.error,
                    response_excerpt = v.excerpt, leased_until = NULL
                FROM unnest(%s::bigint[], %s::smallint[], %s::varchar[], %s::timestamptz[], %s::timestamptz[],
                            %s::smallint[], %s::varchar[], %s::varchar[])
                     AS v(id, attempts, status, next_attempt_at, delivered_at, code, error, excerpt)
                WHERE d.id = v.id""",  # noqa: S608 (the table name is ours; values are parameters)
            [list(c) for c in columns],
        )


def _disable_gone(subscription_id: int, at: datetime, audit_record) -> None:
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
    if not subscription.active:
        return
    subscription.active, subscription.disabled_at = False, at
    subscription.disabled_reason = "the endpoint answered 410 Gone"
    subscription.save(update_fields=["active", "disabled_at", "disabled_reason"])
    audit_record(actor=None, action="webhook_subscription.disable", obj=subscription,
                 before={"active": True}, after={"active": False}, reason=subscription.disabled_reason)


def webhook_deliver_many(wanted: list[tuple[int, int]], *, now: datetime | None = None,
                         concurrency: int = SEND_CONCURRENCY) -> dict[int, Outcome]:
    """Make the given attempts (delivery id, attempt number); pairs not claimed (duplicate, stale, in flight) are
    SKIPPED."""
    now = now or timezone.now()
    outcomes = dict.fromkeys((pk for pk, _ in wanted), Outcome.SKIPPED)
    outcomes.update(_deliver(_claim_many(wanted, now), concurrency))
    return outcomes


def _deliver(claimed: list[Claimed], concurrency: int) -> dict[int, Outcome]:
    """Concurrent signed POSTs through kept-alive connections, then one transaction recording every outcome. A short
    wait before the next attempt also goes by message; the sweep remains the safety net."""
    from coopcases.events.enqueue import enqueue
    from coopcases.notifications.tasks import deliver_webhook

    if not claimed:
        return {}
    _send_all(claimed, concurrency)
    outcomes = _record(claimed)
    for c in claimed:
        if outcomes[c.id] == Outcome.RETRY and c.retry_in <= timedelta(minutes=1):
            enqueue(deliver_webhook, c.id, c.attempt + 1, countdown=c.retry_in.total_seconds())
    return outcomes


def webhook_deliver(*, delivery_id: int, attempt: int, now: datetime | None = None) -> Outcome:
    """Make attempt number `attempt` of this delivery (a duplicate or stale message finds nothing to claim)."""
    return webhook_deliver_many([(delivery_id, attempt)], now=now, concurrency=1)[delivery_id]


def webhooks_due(*, now: datetime | None = None, limit: int = 500) -> list[tuple[int, int]]:
    """(delivery id, next attempt number) of deliveries due, in order per object, for one message each; leased for
    LEASE so that the next sweep does not repeat them. One statement: `FOR UPDATE SKIP LOCKED` on the partial index, so concurrent
    sweeps take disjoint rows."""
    now = now or timezone.now()
    skip = connection.features.has_select_for_update_skip_locked
    with transaction.atomic(durable=True):
        _set_synchronous_commit_off()
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=skip, of=("self",))
            .filter(_head_of_its_object(), status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", "attempts")[:limit]
        )
        if rows:
            # Past its lease by this sweep's clock, an attempt in flight has lost its worker: released here, and
            # counted as lost, so that the message for it (same attempt number) can claim it.
            WebhookDelivery.objects.filter(pk__in=[pk for pk, _ in rows]).update(
                lost_attempts=F("lost_attempts") + Case(When(leased_until__isnull=False, then=1), default=0),
                leased_until=None, next_attempt_at=now + LEASE,
            )
    return [(pk, attempts + 1) for pk, attempts in rows]


@dataclass
class Drained:
    delivered: int = 0
    failed: int = 0
    batches: int = 0
    more: bool = False


def webhooks_deliver_due(*, limit: int = BATCH, concurrency: int = SEND_CONCURRENCY, budget_seconds: float = 30.0,
                         now=None) -> Drained:
    """Deliver what is due, batch after batch, until nothing is due or the time budget is spent (`more` then says
    so, and the caller enqueues a continuation)."""
    result = Drained()
    stop = time.monotonic() + budget_seconds
    while time.monotonic() < stop:
        claimed = _claim_due(now or timezone.now(), limit)
        if not claimed:
            return result
        outcomes = _deliver(claimed, concurrency)
        result.batches += 1
        result.delivered += sum(o == Outcome.SUCCEEDED for o in outcomes.values())
        result.failed += sum(o in (Outcome.RETRY, Outcome.DEAD, Outcome.GONE) for o in outcomes.values())
    result.more = True
    return result
