"""Broker down: with the test's redis-server stopped, transitions are still accepted (in-process and over HTTP
through gunicorn) and recorded, their events waiting in the outbox; when Redis returns, everything reaches the
partner once, in order per object."""

import httpx
import pytest
from django.db.models import Q

from coopcases.events.dispatch import events_dispatch_pending
from coopcases.events.models import Event
from coopcases.events.tasks import dispatch_pending
from coopcases.notifications.tasks import retry_webhooks
from requests.models import MlaRequest
from tests.faults.scenarios import (
    WALK,
    all_delivered,
    grace_passed,
    ledger,
    mla_world,
    partner_subscription,
    pump,
    step,
    undispatched,
)

pytestmark = [pytest.mark.ephemeral, pytest.mark.xdist_group("faults")]
PARTNER_EVENTS = Q(event_type__startswith="deadline.") | Q(event_type__startswith="mla_request.")


def test_transitions_are_recorded_while_redis_is_down_and_delivered_in_order_when_it_returns(
    fresh_db, broker, receiver, partner_visibility, workers, live_server_process
):
    world, drafts = mla_world(3)
    partner_subscription(receiver.url)
    broker.stop()

    # In-process: every step of every request, interleaved across requests.
    for index in range(len(WALK) - 1):
        for req in drafts:
            step(world, req.pk, index)
    # Over HTTP: the last step, through the whole middleware stack of a gunicorn worker.
    action, who = WALK[-1]
    for req in drafts:
        answer = httpx.post(
            f"{live_server_process.base_url}/_faults/mla/{req.pk}/transition", json={"action": action},
            headers={"X-Fault-Actor": str(world.user(who).pk)}, timeout=30,
        )
        assert answer.status_code == 200, answer.text
    assert set(MlaRequest.objects.filter(pk__in=[r.pk for r in drafts]).values_list("state", flat=True)) == {"acknowledged"}
    waiting = undispatched()
    assert waiting >= len(drafts) * len(WALK), "the events are not waiting in the outbox"
    assert receiver.received == {}

    broker.start()
    workers.start("after-outage", concurrency=1)

    def tick():  # beat: the outbox relay and the webhook retry sweep (this process's publishing is still paused)
        dispatch_pending.apply_async()
        retry_webhooks.apply_async()
        events_dispatch_pending(now=grace_passed())

    pump(lambda: undispatched() == 0 and all_delivered() and len(receiver.received) >= waiting, timeout=120, tick=tick)

    result = ledger(receiver, PARTNER_EVENTS)
    assert result.clean, result
    for req in drafts:
        key = f"mla.mlarequest:{req.pk}"
        sequences = list(Event.objects.filter(object_type="mla.mlarequest", object_id=str(req.pk)).order_by("sequence").values_list("sequence", flat=True))
        assert receiver.per_object[key] == sequences, f"{key} applied out of order"
