"""Signed webhook delivery (Standard Webhooks 1.0) with retries over ~75 hours, an attempt log and an SSRF guard.

Headers: `webhook-id` (stable per event: receivers deduplicate on it), `webhook-timestamp` (unix seconds of the
attempt), `webhook-signature` (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per valid secret,
space-separated, so old and new secrets sign side by side during a rotation).

One attempt = claim (count the attempt, lease the row; committed) → HTTP outside any transaction → record the
outcome. Only 2xx succeeds; 410 Gone disables the subscription; anything else (3xx, 4xx, 5xx, timeout, TLS or
connection error, refused address) is retried after RETRY_DELAYS with upward jitter, then dead-lettered.
Retries are rows (`next_attempt_at`) swept every 30 s, never long countdowns; each attempt is its own task,
so a slow endpoint never holds up another.
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
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import certifi
import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from coopcases.notifications.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSecret

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
        transport=httpx.HTTPTransport(verify=_tls_context(), retries=1),
    )


_per_thread = threading.local()
MAX_CLIENTS_PER_THREAD = 32


def client_for(origin: str) -> httpx.Client:
    """A kept-alive client per worker thread and partner origin (never shared between origins: a connection
    opened and verified for one host name is not reused for another that resolves to the same address)."""
    clients: dict[str, httpx.Client] = _per_thread.__dict__.setdefault("clients", {})
    if origin not in clients:
        if len(clients) >= MAX_CLIENTS_PER_THREAD:
            for client in clients.values():
                client.close()
            clients.clear()
        clients[origin] = http_client()
    return clients[origin]


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


def _claim(delivery_id: int, attempt: int, now: datetime) -> WebhookDelivery | None:
    skip = connection.features.has_select_for_update_skip_locked
    with transaction.atomic(durable=True):
        if connection.vendor == "postgresql":
            # Losing this commit in a database crash only loses the attempt count and the lease: the delivery is
            # then simply tried again. Not waiting for the WAL flush halves the commits each delivery waits for.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=skip, of=("self",))
            .select_related("subscription")
            .filter(pk=delivery_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], attempts=attempt - 1)
            .first()
        )
        if delivery is None:
            return None
        if not delivery.subscription.active:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.DEAD, None
            delivery.last_error = "subscription inactive"
            delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
            return None
        delivery.attempts, delivery.next_attempt_at = attempt, now + LEASE
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    return delivery


def webhook_deliver(*, delivery_id: int, attempt: int, now: datetime | None = None) -> Outcome:
    """Make attempt number `attempt` of this delivery (a duplicate or stale message finds nothing to claim)."""
    from coopcases.audit.services import audit_record
    from coopcases.events.enqueue import enqueue
    from coopcases.notifications.tasks import deliver_webhook

    now = now or timezone.now()
    delivery = _claim(delivery_id, attempt, now)
    if delivery is None:
        return Outcome.SKIPPED
    result = post(delivery.subscription.target_url, delivery.webhook_id, delivery.body, valid_secrets(delivery.subscription_id, now))
    finished = timezone.now()
    with transaction.atomic(durable=True):
        delivery = WebhookDelivery.objects.select_for_update(of=("self",)).select_related("subscription").get(pk=delivery_id)
        WebhookAttempt.objects.create(
            delivery=delivery, number=attempt, at=finished, status_code=result.status_code,
            duration_ms=result.duration_ms, error=result.error, response_excerpt=result.excerpt,
        )
        if delivery.attempts != attempt:  # the lease ran out and a newer attempt owns the row
            return Outcome.SKIPPED
        delivery.last_status_code, delivery.last_error = result.status_code, result.error
        delivery.response_excerpt = result.excerpt
        if result.status_code is not None and 200 <= result.status_code < 300:
            outcome = Outcome.SUCCEEDED
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, finished, None
        elif result.status_code == 410:
            outcome = Outcome.GONE
            delivery.status, delivery.next_attempt_at = DeliveryStatus.DEAD, None
            subscription = delivery.subscription
            subscription.active, subscription.disabled_at = False, finished
            subscription.disabled_reason = "the endpoint answered 410 Gone"
            subscription.save(update_fields=["active", "disabled_at", "disabled_reason"])
            audit_record(actor=None, action="webhook_subscription.disable", obj=subscription,
                         before={"active": True}, after={"active": False}, reason=subscription.disabled_reason)
        elif attempt >= MAX_ATTEMPTS:
            outcome = Outcome.DEAD
            delivery.status, delivery.next_attempt_at = DeliveryStatus.DEAD, None
            logger.error("webhook delivery %s dead after %s attempts: %s", delivery.pk, attempt, result.error or result.status_code)
        else:
            outcome = Outcome.RETRY
            delay = retry_delay(attempt, result.retry_after)
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, finished + delay
            if delay <= timedelta(minutes=1):  # a short wait goes by message; the sweep remains the safety net
                transaction.on_commit(lambda: enqueue(deliver_webhook, delivery_id, attempt + 1, countdown=delay.total_seconds()))
        delivery.save()
    return outcome


def webhooks_due(*, now: datetime | None = None, limit: int = 500) -> list[tuple[int, int]]:
    """(delivery id, next attempt number) of deliveries due, leased so that the next sweep does not repeat them;
    a delivery whose last attempt never finished is dead-lettered here once attempts are used up."""
    now = now or timezone.now()
    skip = connection.features.has_select_for_update_skip_locked
    due = []
    with transaction.atomic(durable=True):
        rows = list(
            WebhookDelivery.objects.select_for_update(skip_locked=skip)
            .filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now)
            .order_by("next_attempt_at")[:limit]
        )
        for d in rows:
            if d.attempts >= MAX_ATTEMPTS:
                d.status, d.next_attempt_at = DeliveryStatus.DEAD, None
                d.last_error = d.last_error or "no outcome recorded for the last attempt (worker lost)"
                logger.error("webhook delivery %s dead: %s", d.pk, d.last_error)
            else:
                d.next_attempt_at = now + LEASE
                due.append((d.pk, d.attempts + 1))
            d.save(update_fields=["status", "next_attempt_at", "last_error"])
    return due
