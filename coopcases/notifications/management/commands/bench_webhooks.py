"""Benchmark of webhook delivery to a local receiver: deliveries per second through the real delivery path, and the
time to drain a backlog. Not a test; `make bench`.

The deliveries go through `webhooks_deliver_due` exactly as the `deliver_webhooks` task runs it: batches claimed
with `FOR UPDATE SKIP LOCKED` and leased, signed POSTs sent side by side through the kept-alive httpx client, the
outcomes and attempt log written in one transaction per batch. `--workers` processes stand in for worker
processes draining at once. The receiver is an asyncio server in its own process that parses just enough HTTP/1.1
to answer 204 and counts requests at the socket level, so that it is not what is measured. Its rows (events,
subscription, deliveries, attempts, and a reference authority if none exists) are deleted at the end.

    manage.py bench_webhooks --deliveries 2000                 # deliveries per second
    manage.py bench_webhooks --deliveries 2000 --backlog 100000  # and the drain time of a 100k backlog (≤ 3 min)
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.test.utils import override_settings
from django.utils import timezone

from coopcases.accounts.models import User
from coopcases.notifications.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSecret,
    WebhookSubscription,
)
from coopcases.notifications.webhooks import BATCH, SEND_CONCURRENCY, generate_secret, webhooks_deliver_due
from networks.models import Authority, AuthorityKind, Country, Region

OBJECT_TYPE = "bench.webhook"
DRAIN_TARGET_SECONDS = 180
_ANSWER = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"


class _Counting(asyncio.Protocol):
    """Answers each request on a kept-alive connection with 204 once its body has arrived, and counts it."""

    def __init__(self, counter):
        self.counter, self.buffer, self.transport = counter, b"", None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = 0
            for line in self.buffer[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            self.counter.value += 1  # one event loop thread: no lock needed
            self.transport.write(_ANSWER)


def _serve(ready, counter) -> None:
    async def main():
        server = await asyncio.get_running_loop().create_server(lambda: _Counting(counter), "127.0.0.1", 0, backlog=1024)
        ready.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def _drain(subscription_id: int, concurrency: int, batch: int) -> None:
    """A worker process: deliver until every delivery succeeded or died (a failed send is retried 5 s later)."""
    connections.close_all()  # never share the parent's connection
    unfinished = WebhookDelivery.objects.filter(
        subscription_id=subscription_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]
    )
    with override_settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True):
        while unfinished.exists():
            if not webhooks_deliver_due(limit=batch, concurrency=concurrency, budget_seconds=3600).batches:
                time.sleep(0.5)
    connections.close_all()


class Command(BaseCommand):
    help = "Benchmark signed webhook deliveries per second to a receiver on 127.0.0.1, and a backlog's drain time."

    def add_arguments(self, parser):
        parser.add_argument("--deliveries", type=int, default=2000, help="Deliveries for the rate (default 2000)")
        parser.add_argument("--backlog", type=int, default=0, help="Also drain a backlog of this many (e.g. 100000)")
        parser.add_argument("--workers", type=int, default=1, help="Processes draining at once (default 1)")
        parser.add_argument("--concurrency", type=int, default=SEND_CONCURRENCY, help="POSTs in flight per process")
        parser.add_argument("--batch", type=int, default=BATCH, help="Deliveries claimed together")

    def handle(self, *args, deliveries=2000, backlog=0, workers=1, concurrency=SEND_CONCURRENCY, batch=BATCH, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_webhooks measures PostgreSQL (SKIP LOCKED claims); DATABASE_URL is not.")
        context = multiprocessing.get_context("fork")
        counter = context.Value("q", 0, lock=False)
        ready = context.Queue()
        receiver = context.Process(target=_serve, args=(ready, counter), daemon=True)
        receiver.start()
        url = f"http://127.0.0.1:{ready.get(timeout=30)}/hooks"
        created: dict = {}
        try:
            self._subscription(url, created)
            lines = [self._measure("rate", deliveries, created, counter, workers, concurrency, batch)]
            if backlog:
                line = self._measure("backlog", backlog, created, counter, workers, concurrency, batch)
                lines.append(line)
            for line in lines:
                self.stdout.write(line)
        finally:
            receiver.terminate()
            receiver.join(timeout=10)
            self._cleanup(created)

    def _measure(self, name: str, count: int, created: dict, counter, workers: int, concurrency: int, batch: int) -> str:
        self._cleanup_rows()
        self._deliveries(count, created["subscription"])
        counter.value = 0
        connections.close_all()
        context = multiprocessing.get_context("fork")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        processes = [context.Process(target=_drain, args=(created["subscription"].pk, concurrency, batch)) for _ in range(workers)]
        for p in processes:
            p.start()
        for p in processes:
            p.join()
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        succeeded = WebhookDelivery.objects.filter(
            subscription=created["subscription"], status=DeliveryStatus.SUCCEEDED
        ).count()
        rate = succeeded / elapsed
        retried = WebhookAttempt.objects.filter(delivery__subscription=created["subscription"]).count() - succeeded
        # CPU time of the senders is what a quiet machine's rate is bounded by; wall time follows the neighbours' load.
        setup = (f"{workers} process(es) × {concurrency} in flight, batches of {batch}; sender CPU "
                 f"{cpu * 1000 / max(succeeded, 1):.2f} ms per delivery ({succeeded / max(cpu, 1e-9):.0f}/s per busy core)")
        if name == "backlog":
            verdict = "✔" if succeeded == count and elapsed <= DRAIN_TARGET_SECONDS else "✘"
            return (f"backlog of {count} drained: {succeeded}/{count} delivered in {elapsed:.1f} s ({rate:.0f}/s; "
                    f"target ≤ {DRAIN_TARGET_SECONDS} s {verdict}); receiver counted {counter.value} requests; "
                    f"{retried} failed attempts retried; {setup}")
        return (f"{succeeded}/{count} delivered in {elapsed:.2f} s: {rate:.0f} deliveries/s; receiver counted "
                f"{counter.value} requests; {retried} failed attempts retried; {setup} "
                "(claim + signed POST + outcome and attempt log)")

    def _subscription(self, url: str, created: dict) -> None:
        now = timezone.now()
        authority = Authority.objects.first()
        if authority is None:
            country = Country.objects.create(code="ZZ", code3="ZZZ", name_en="Bench", region=Region.OTHER,
                                             time_zone="UTC", source="bench_webhooks")
            authority = Authority.objects.create(country=country, kind=AuthorityKind.PROSECUTION, code="bench-webhooks",
                                                 name="Bench", source="bench_webhooks")
            created.update(country=country, authority=authority)
        owner = User.objects.create(username=f"bench-webhooks-{now.timestamp():.0f}", authority=authority)
        subscription = WebhookSubscription.objects.create(
            name="bench", owner=owner, authority=authority, target_url=url, event_types=["deadline.*"]
        )
        WebhookSecret.objects.create(subscription=subscription, secret=generate_secret(), created_at=now)
        created.update(owner=owner, subscription=subscription)

    def _deliveries(self, count: int, subscription) -> None:
        """`count` events of distinct objects and their pending deliveries, written in two statements (the body in
        the shape of `fanout.webhook_body`)."""
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO events_event (at, event_type, object_type, object_id, sequence, actor_repr, door,
                                             from_state, to_state, reason, data, dispatched_at, dispatch_attempts,
                                             dispatch_error)
                   SELECT %s, 'deadline.reminder', %s, g::text, 1, 'system', 'command', '', '', '', '{}', %s, 0, ''
                   FROM generate_series(1, %s) AS g""",
                [now, OBJECT_TYPE, now, count],
            )
            cursor.execute(
                """INSERT INTO notifications_webhookdelivery (event_id, subscription_id, webhook_id, body, status,
                                                             attempts, lost_attempts, next_attempt_at, last_error,
                                                             response_excerpt, created_at)
                   SELECT e.id, %s, 'evt_' || e.id,
                          jsonb_build_object('type', e.event_type, 'timestamp', e.at,
                                             'data', jsonb_build_object('event_id', e.id, 'object_type', e.object_type,
                                                                        'object_id', e.object_id, 'sequence', e.sequence))::text,
                          'pending', 0, 0, %s, '', '', %s
                   FROM events_event e WHERE e.object_type = %s""",
                [subscription.pk, now, now, OBJECT_TYPE],
            )
            cursor.execute("ANALYZE notifications_webhookdelivery")

    def _cleanup_rows(self) -> None:
        with connection.cursor() as cursor:  # the cascade, in SQL: Django would load every row to delete it
            cursor.execute(
                "DELETE FROM notifications_webhookattempt WHERE delivery_id IN (SELECT d.id FROM "
                "notifications_webhookdelivery d JOIN events_event e ON e.id = d.event_id WHERE e.object_type = %s)",
                [OBJECT_TYPE],
            )
            cursor.execute(
                "DELETE FROM notifications_webhookdelivery WHERE event_id IN "
                "(SELECT id FROM events_event WHERE object_type = %s)", [OBJECT_TYPE],
            )
            cursor.execute("DELETE FROM events_event WHERE object_type = %s", [OBJECT_TYPE])

    def _cleanup(self, created: dict) -> None:
        self._cleanup_rows()
        if "subscription" in created:
            created["subscription"].delete()
            created["owner"].delete()
        if "authority" in created:
            created["authority"].delete()
            created["country"].delete()
