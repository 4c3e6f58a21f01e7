"""The batch sender: one claim, concurrent POSTs, outcomes in one transaction; in order per object; never doubled."""

import json
import threading
from collections import defaultdict

import httpx
import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coopcases.events.models import Event
from coopcases.notifications import webhooks
from coopcases.notifications.fanout import webhook_body
from coopcases.notifications.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from coopcases.notifications.webhooks import webhooks_deliver_due
from tests.notifications.factories import subscribe


def pending_deliveries(subscription, objects: int, events_each: int) -> list[WebhookDelivery]:
    """`events_each` events of each of `objects` objects, all due to one subscription at once."""
    now = timezone.now()
    events = Event.objects.bulk_create(
        Event(at=now, event_type="deadline.reminder", object_type="deadlines.deadline", object_id=str(o), sequence=s,
              actor_repr="system", door="task", dispatched_at=now)
        for s in range(1, events_each + 1) for o in range(objects)
    )
    return WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=e, subscription=subscription, webhook_id=f"evt_{e.pk}", body=webhook_body(e),
                        next_attempt_at=now, created_at=now)
        for e in events
    )


class Partner:
    """An httpx MockTransport partner: records (object, sequence) in arrival order, fails what `fail` says."""

    def __init__(self, fail=lambda data: False):
        self.fail, self.lock, self.seen = fail, threading.Lock(), []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        data = json.loads(request.content)["data"]
        with self.lock:
            self.seen.append((request.headers["webhook-id"], data["object_id"], data["sequence"]))
        return httpx.Response(503 if self.fail(data) else 204)

    def per_object(self) -> dict:
        found = defaultdict(list)
        for _, object_id, sequence in self.seen:
            found[object_id].append(sequence)
        return found


@pytest.fixture
def partner(monkeypatch):
    def install(fail=lambda data: False) -> Partner:
        partner = Partner(fail)
        client = httpx.Client(transport=httpx.MockTransport(partner))
        monkeypatch.setattr(webhooks, "client_for", lambda origin: client)
        return partner

    return install


@pytest.mark.django_db
def test_a_batch_delivers_everything_once_in_order_per_object(partner):
    received = partner()
    subscription, _ = subscribe(url="https://partner.example/hooks")
    deliveries = pending_deliveries(subscription, objects=5, events_each=3)

    result = webhooks_deliver_due(limit=100, concurrency=8)

    assert (result.delivered, result.failed, result.batches, result.more) == (15, 0, 3, False)  # one event per object each time
    assert received.per_object() == {str(o): [1, 2, 3] for o in range(5)}
    assert sorted(w for w, _, _ in received.seen) == sorted(d.webhook_id for d in deliveries)
    assert set(WebhookDelivery.objects.values_list("status", "attempts", "leased_until")) == {(DeliveryStatus.SUCCEEDED, 1, None)}
    assert WebhookAttempt.objects.count() == 15


@pytest.mark.django_db
def test_the_queries_of_a_batch_do_not_grow_with_its_size(partner):
    partner()
    subscription, _ = subscribe(url="https://partner.example/hooks")
    counts = []
    for size in (3, 60):
        pending_deliveries(subscription, objects=size, events_each=1)
        with CaptureQueriesContext(connection) as queries:
            assert webhooks_deliver_due(limit=100, concurrency=8).delivered == size
        counts.append(len(queries))
        Event.objects.all().delete()
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_a_failing_event_holds_back_the_later_events_of_its_object_only(partner):
    received = partner(fail=lambda data: data["object_id"] == "0" and data["sequence"] == 1)
    subscription, _ = subscribe(url="https://partner.example/hooks")
    pending_deliveries(subscription, objects=3, events_each=2)

    result = webhooks_deliver_due(limit=100, concurrency=4)

    assert (result.delivered, result.failed) == (4, 1)
    assert received.per_object() == {"0": [1], "1": [1, 2], "2": [1, 2]}
    waiting = WebhookDelivery.objects.get(event__object_id="0", event__sequence=2)
    assert (waiting.status, waiting.attempts) == (DeliveryStatus.PENDING, 0)  # due, but behind the retried event


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks with SKIP LOCKED")
def test_two_senders_at_once_deliver_each_webhook_once(partner):
    received = partner()
    subscription, _ = subscribe(url="https://partner.example/hooks")
    deliveries = pending_deliveries(subscription, objects=120, events_each=1)
    start, errors = threading.Barrier(2), []

    def drain():
        try:
            start.wait(timeout=10)
            webhooks_deliver_due(limit=10, concurrency=4)
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert errors == []
    assert sorted(w for w, _, _ in received.seen) == sorted(d.webhook_id for d in deliveries)  # each exactly once
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED, attempts=1).count() == 120
    assert WebhookAttempt.objects.count() == 120
