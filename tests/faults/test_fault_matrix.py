"""The fault matrix: randomised combinations of the faults, each scenario ending with the ledger check —
every committed transition produced exactly one event, and every event exactly one effect at the partner
(0 lost, 0 doubled).

A scenario (seeded; FAULT_SEED=n replays one) files MLA transitions and due deadline reminders, then plays the
worker and beat by hand on a simulated clock, through the real services, with a random mix of:

- worker killed (`WorkerKilled`, a BaseException like a SIGKILL: nothing after it runs) right after a webhook
  POST reached the partner, in the middle of an outbox dispatch, or in the middle of a reminder sweep batch;
- database errors (OperationalError) at the same points, and a real restart of the test's PostgreSQL;
- broker down: the test's redis-server stopped while transitions are filed and for part of the delivery;
- a partner answering 503 or timing out (its handler outlives the client's timeout, so it may apply a message
  the sender recorded as failed) for up to 72 hours of simulated time, against the retry schedule.

Real SIGKILLs of worker processes are in test_worker_killed.py; this matrix covers the combinations quickly.
`make test` runs a handful of scenarios, `make faults` a couple of hundred.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import OperationalError, connections
from django.db.models import Min, Q
from django.utils import timezone

from coopcases.deadlines import sweeps
from coopcases.deadlines.sweeps import sweep_reminders
from coopcases.events.dispatch import events_dispatch_pending
from coopcases.events.models import Event
from coopcases.notifications import fanout, webhooks
from coopcases.notifications.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from coopcases.notifications.webhooks import webhook_deliver, webhooks_due
from requests.models import MlaRequest
from requests.workflow import MLA_WORKFLOW
from tests.faults.conftest import LONG
from tests.faults.invariants import replay
from tests.faults.scenarios import WALK, ledger, partner_subscription, reminders_once, step
from tests.requests.factories import complete_draft

pytestmark = [pytest.mark.ephemeral, pytest.mark.xdist_group("faults")]
SCENARIOS = 200 if LONG else 5
MAX_BEATS = 400
PARTNER_OUTAGE_MAX = timedelta(hours=72)


class WorkerKilled(BaseException):
    """The worker process died here: nothing after this point ran (not even except Exception handlers)."""


@dataclass
class Faults:
    rng: random.Random
    kill_after_post: float = 0.0
    kill_in_dispatch: float = 0.0
    kill_in_sweep: float = 0.0
    db_error: float = 0.0
    budget: Counter = field(default_factory=Counter)  # faults injected per point, at most 2 each

    def strike(self, point: str, probability: float) -> None:
        if self.budget[point] < 2 and self.rng.random() < probability:
            self.budget[point] += 1
            if self.rng.random() < self.db_error:
                raise OperationalError(f"injected: connection lost at {point}")
            raise WorkerKilled(point)


class Clock:
    def __init__(self):
        self.at = timezone.now()

    def __call__(self):
        return self.at


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(timezone, "now", c)
    return c


def scenario_plan(seed: int) -> dict:
    rng = random.Random(seed)
    outage = rng.choice(["none", "5xx", "timeout"])
    return {
        "seed": seed,
        "requests": rng.randint(0, 3),
        "steps": rng.randint(1, len(WALK)),
        "deadlines": rng.randint(0, 4),
        "broker_down": rng.random() < 0.4,
        "pg_restart": rng.random() < (0.15 if LONG else 0.3),
        "outage": outage,
        "outage_for": timedelta(hours=rng.uniform(0, 72)) if outage != "none" else timedelta(0),
        "faults": Faults(
            rng,
            kill_after_post=rng.choice([0, 0.2, 0.4]),
            kill_in_dispatch=rng.choice([0, 0.2]),
            kill_in_sweep=rng.choice([0, 0.3]),
            db_error=rng.choice([0, 0.5]),
        ),
    }


def inject(monkeypatch, faults: Faults):
    real_post, real_fan_out, real_emit_many = webhooks.post, fanout.event_fan_out, sweeps.event_emit_many

    def post(*args, **kwargs):
        result = real_post(*args, **kwargs)
        faults.strike("after_post", faults.kill_after_post)
        return result

    def fan_out(*args, **kwargs):
        result = real_fan_out(*args, **kwargs)
        faults.strike("dispatch", faults.kill_in_dispatch)
        return result

    def emit_many(*args, **kwargs):
        result = real_emit_many(*args, **kwargs)
        faults.strike("sweep", faults.kill_in_sweep)
        return result

    monkeypatch.setattr(webhooks, "post", post)
    monkeypatch.setattr(fanout, "event_fan_out", fan_out)
    monkeypatch.setattr(sweeps, "event_emit_many", emit_many)


def survive(call, *args, **kwargs):
    """Run one task as a worker would; a killed worker or a lost connection just ends the task."""
    try:
        call(*args, **kwargs)
    except (WorkerKilled, OperationalError):
        connections.close_all()


def beat(now) -> None:
    survive(sweep_reminders, now=now)
    survive(events_dispatch_pending, now=now)
    for delivery_id, attempt in webhooks_due(now=now):
        survive(webhook_deliver, delivery_id=delivery_id, attempt=attempt, now=now)


def next_moment(now):
    if Event.objects.filter(dispatched_at__isnull=True).exists():
        return now + timedelta(seconds=11)
    # A delivery behind an earlier event of its object (in order per object) moves when that one does.
    heads = WebhookDelivery.objects.filter(webhooks._head_of_its_object(), status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])
    due = heads.aggregate(m=Min("next_attempt_at"))["m"]
    return max(due, now + timedelta(seconds=1)) if due else now + timedelta(minutes=1)


def settled(deadline_ids) -> bool:
    return (
        not Event.objects.filter(dispatched_at__isnull=True).exists()
        and not WebhookDelivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]).exists()
        and not reminders_once(deadline_ids)[0]
    )


def run_scenario(plan, *, world, receiver, broker, pg, clock, monkeypatch, settings):
    from tests.faults.scenarios import due_deadlines

    WebhookSubscription.objects.update(active=False)
    receiver.reset()
    receiver.mode, receiver.delay = "ok", 0.0
    first_event = (Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    partner_subscription(receiver.url)
    started = clock()

    if plan["broker_down"]:
        broker.stop()
    requests_ = [complete_draft(world) for _ in range(plan["requests"])]
    for index in range(plan["steps"]):
        for req in requests_:
            step(world, req.pk, index)  # accepted even with the broker down: the outbox holds the events
    deadline_ids = [d.pk for d in due_deadlines(plan["deadlines"])]
    committed = Event.objects.filter(pk__gte=first_event).count()

    if plan["outage"] != "none":
        receiver.mode = "fail" if plan["outage"] == "5xx" else "slow"
        receiver.delay = settings.WEBHOOK_TIMEOUT_SECONDS + 0.1
    inject(monkeypatch, plan["faults"])
    restart_at = plan["faults"].rng.randint(1, 6) if plan["pg_restart"] else None
    for beat_number in range(MAX_BEATS):
        if settled(deadline_ids):
            break
        if clock() - started >= plan["outage_for"]:
            receiver.mode = "ok"
        if plan["broker_down"] and beat_number == 3:
            broker.start()
        if beat_number == restart_at:
            connections.close_all()
            pg.restart("fast")
        beat(clock())
        clock.at = next_moment(clock())
    monkeypatch.undo()
    if not broker.answering():
        broker.start()

    assert settled(deadline_ids), f"not settled after {MAX_BEATS} beats"
    assert Event.objects.filter(pk__gte=first_event).count() >= committed
    assert not WebhookDelivery.objects.filter(event_id__gte=first_event, status=DeliveryStatus.DEAD).exists(), "dead-lettered"
    for req in MlaRequest.objects.filter(pk__in=[r.pk for r in requests_]):
        replay(req, MLA_WORKFLOW, initial="draft")
    missing, doubled = reminders_once(deadline_ids)
    assert (missing, doubled) == ([], []), "reminder missing or doubled"
    partner_events = Q(pk__gte=first_event) & (Q(event_type__startswith="deadline.") | Q(event_type__startswith="mla_request."))
    result = ledger(receiver, partner_events)
    assert result.clean, result
    return result


def test_random_fault_combinations_lose_and_double_nothing(pg, fresh_db, broker, receiver, partner_visibility, clock, monkeypatch, settings):
    from tests.faults.scenarios import mla_world

    settings.WEBHOOK_TIMEOUT_SECONDS = 0.1
    webhooks._clients.clear()  # clients are built with the timeout
    world, _ = mla_world(0)
    only = os.environ.get("FAULT_SEED")
    seeds = [int(only)] if only else list(range(SCENARIOS))
    figures = Counter()
    for seed in seeds:
        plan = scenario_plan(seed)
        with monkeypatch.context() as scoped:
            try:
                result = run_scenario(plan, world=world, receiver=receiver, broker=broker, pg=pg, clock=clock,
                                      monkeypatch=scoped, settings=settings)
            except AssertionError as exc:
                raise AssertionError(f"scenario seed={seed} {plan}: {exc}") from exc
        figures["scenarios"] += 1
        figures["events"] += len(result.expected)
        figures["retransmissions ignored by the partner"] += result.copies
        figures["faults injected"] += sum(plan["faults"].budget.values())
    print(f"fault matrix: {dict(figures)}")  # noqa: T201 (the figures docs/reliability.md quotes)
    assert figures["scenarios"] == len(seeds)
