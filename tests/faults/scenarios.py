"""Building blocks of the fault scenarios: partner subscriptions, due deadlines, the beat ticks a test plays by
hand (with the clock moved past leases and grace periods), and the final ledger check (0 lost, 0 doubled)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from coopcases.deadlines.models import Deadline, DeadlineReminder
from coopcases.deadlines.sweeps import EVENT_MISSED, EVENT_REMINDER
from coopcases.events.dispatch import PENDING_GRACE
from coopcases.events.enqueue import enqueue
from coopcases.events.models import Event
from coopcases.notifications.models import DeliveryStatus, WebhookDelivery
from coopcases.notifications.tasks import deliver_webhook
from coopcases.notifications.webhooks import LEASE, webhooks_due
from tests.cases.factories import CaseFactory
from tests.notifications.factories import open_deadline, subscribe


def partner_subscription(url: str, event_types=("deadline.*", "mla_request.*")):
    subscription, _secret = subscribe(url=url, event_types=list(event_types))
    # Subscriptions only get events after their creation moment; make it plainly earlier than the first event.
    type(subscription).objects.filter(pk=subscription.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    return subscription


def due_deadlines(count: int) -> list[Deadline]:
    """Deadlines of one case whose single reminder (24 h before, due in 10 h) is due now."""
    now, case = timezone.now(), CaseFactory()
    return [open_deadline(now=now, due_in=timedelta(hours=10), offsets=[24], subject=case) for _ in range(count)]


def expire_leases(*, via_broker: bool = True) -> int:
    """The webhook retry sweep as it runs once the leases of attempts a dead worker held have run out."""
    due = webhooks_due(now=timezone.now() + LEASE + timedelta(seconds=1))
    for delivery_id, attempt in due:
        if via_broker:
            enqueue(deliver_webhook, delivery_id, attempt)
    return len(due)


def grace_passed():
    return timezone.now() + PENDING_GRACE + timedelta(seconds=1)


@dataclass
class Ledger:
    """Committed events against what the partner applied."""

    expected: set = field(default_factory=set)  # webhook ids the partner must apply
    lost: set = field(default_factory=set)
    doubled: dict = field(default_factory=dict)
    unexpected: set = field(default_factory=set)
    copies: int = 0

    @property
    def clean(self) -> bool:
        return not (self.lost or self.doubled or self.unexpected)


def ledger(receiver, event_filter) -> Ledger:
    """`event_filter`: the events that must reach the partner. Effects are counted per webhook id (the partner's
    idempotency key); copies beyond the first are retransmissions the partner ignored."""
    expected = {f"evt_{pk}" for pk in Event.objects.filter(event_filter).values_list("pk", flat=True)}
    effects: Counter = receiver.effects
    return Ledger(
        expected=expected,
        lost=expected - set(effects),
        doubled={k: v for k, v in effects.items() if v != 1},
        unexpected=set(effects) - expected,
        copies=sum(receiver.received.values()) - len(receiver.received),
    )


def reminders_once(deadline_ids) -> tuple[list, list]:
    """(deadlines without their reminder, deadlines with more than one reminder or escalation): events and rows."""
    events = Counter(
        int(object_id) for object_id in
        Event.objects.filter(event_type=EVENT_REMINDER, object_type="deadlines.deadline").values_list("object_id", flat=True)
    )
    rows = Counter(
        DeadlineReminder.objects.filter(deadline_id__in=deadline_ids, offset_hours__gte=0).values_list("deadline_id", flat=True)
    )
    # A deadline whose due moment passed during a long simulated outage is also escalated: once.
    escalations = Counter(
        int(object_id) for object_id in
        Event.objects.filter(event_type=EVENT_MISSED, object_type="deadlines.deadline").values_list("object_id", flat=True)
    )
    missing = [d for d in deadline_ids if events[d] == 0 or rows[d] == 0]
    doubled = [d for d in deadline_ids if events[d] > 1 or rows[d] > 1 or escalations[d] > 1]
    return missing, doubled


def all_delivered() -> bool:
    return not WebhookDelivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists()


def undispatched() -> int:
    return Event.objects.filter(dispatched_at__isnull=True).count()


def pump(until, *, timeout: float, tick, interval: float = 1.0) -> None:
    """Play beat by hand: call `tick()` every `interval` seconds until `until()` holds (bounded by `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if until():
            return
        tick()
        time.sleep(interval)
    if not until():
        raise AssertionError(f"not settled within {timeout}s")


# -- MLA requests: a short walk every request can take, and who takes each step ----------------------------------

WALK = [
    ("submit", "magistrate:pe-fecor"),
    ("approve", "ca:pe-fn"),
    ("transmit", "ca:pe-fn"),
    ("acknowledge", "ca:es-mjusticia"),
]


def mla_world(drafts: int):
    """The reference world of tests/requests and `drafts` complete drafts, with the actors of WALK created."""
    from tests.requests.factories import build_world, complete_draft

    world = build_world()
    for _action, who in WALK:
        world.user(who)
    return world, [complete_draft(world) for _ in range(drafts)]


def step(world, req_pk: int, index: int):
    from requests.services import mla_request_transition

    action, who = WALK[index]
    return mla_request_transition(pk=req_pk, action=action, actor=world.user(who), reason="fault test")
