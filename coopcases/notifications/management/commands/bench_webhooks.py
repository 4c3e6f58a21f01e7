"""Benchmark of webhook delivery to a local receiver: deliveries per second through the real delivery path.

Each delivery goes through `webhook_deliver` exactly as a worker runs it: claim (one transaction), signed POST
with httpx to a receiver on 127.0.0.1, outcome and attempt log (another transaction). `--concurrency` threads
stand in for worker threads. Its rows (events, subscription, deliveries, attempts, and a reference authority if
none exists) are deleted at the end. Not a test; `make bench`.

    manage.py bench_webhooks --deliveries 2000 --concurrency 8
"""

from __future__ import annotations

import http.server
import multiprocessing
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import BaseCommand
from django.db import connections
from django.test.utils import override_settings
from django.utils import timezone

from coopcases.accounts.models import User
from coopcases.events.models import Event
from coopcases.notifications.fanout import webhook_body
from coopcases.notifications.models import DeliveryStatus, WebhookDelivery, WebhookSecret, WebhookSubscription
from coopcases.notifications.webhooks import generate_secret, webhook_deliver
from networks.models import Authority, AuthorityKind, Country, Region

OBJECT_TYPE = "bench.webhook"


class _Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _serve(ready) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    ready.put(server.server_address[1])
    server.serve_forever()


class Command(BaseCommand):
    help = "Benchmark signed webhook deliveries per second to a receiver on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--deliveries", type=int, default=2000)
        parser.add_argument("--concurrency", type=int, default=8, help="Threads delivering at once (worker threads)")

    def handle(self, *args, deliveries=2000, concurrency=8, **options):
        # The receiver runs in its own process, so that it does not compete with the senders for the GIL.
        ready = multiprocessing.Queue()
        receiver = multiprocessing.Process(target=_serve, args=(ready,), daemon=True)
        receiver.start()
        port = ready.get(timeout=30)
        created: dict = {}
        try:
            ids = self._prepare(deliveries, f"http://127.0.0.1:{port}/hooks", created)
            latencies: list[float] = []

            def deliver(delivery_id: int) -> None:
                t0 = time.perf_counter()
                try:
                    webhook_deliver(delivery_id=delivery_id, attempt=1)
                finally:
                    latencies.append(time.perf_counter() - t0)
                    connections.close_all()

            with override_settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=True):
                started = time.perf_counter()
                with ThreadPoolExecutor(max_workers=concurrency) as pool:
                    list(pool.map(deliver, ids))
                elapsed = time.perf_counter() - started
            succeeded = WebhookDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.SUCCEEDED).count()
            latencies.sort()
            self.stdout.write(
                f"{succeeded}/{len(ids)} delivered in {elapsed:.2f} s with {concurrency} threads: "
                f"{succeeded / elapsed:.0f} deliveries/s; per delivery p50 {statistics.median(latencies) * 1000:.1f} ms, "
                f"p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.1f} ms (claim + signed POST + attempt log)"
            )
        finally:
            receiver.terminate()
            receiver.join(timeout=10)
            self._cleanup(created)

    def _prepare(self, count: int, url: str, created: dict) -> list[int]:
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
        events = Event.objects.bulk_create(
            Event(at=now, event_type="deadline.reminder", object_type=OBJECT_TYPE, object_id=str(i), sequence=1,
                  actor_repr="system", door="command", dispatched_at=now)
            for i in range(count)
        )
        rows = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(event=e, subscription=subscription, webhook_id=f"evt_{e.pk}", body=webhook_body(e),
                            next_attempt_at=now, created_at=now)
            for e in events
        )
        return [d.pk for d in rows]

    def _cleanup(self, created: dict) -> None:
        Event.objects.filter(object_type=OBJECT_TYPE).delete()  # cascades to deliveries and attempts
        if "subscription" in created:
            created["subscription"].delete()
            created["owner"].delete()
        if "authority" in created:
            created["authority"].delete()
            created["country"].delete()
