"""Races: pairs of threads, each on its own database connection, start the same instant (a barrier) and take
conflicting steps on one object through the services: approve against return-for-amendment, approve against
approve, transmit against transmit, two If-Match updates from the same version, and two relays dispatching the
same event. Whatever the interleaving: exactly one of each conflicting pair wins, the final state is one a legal
sequence reaches (the events replay to it), every event chain is gapless, and no deadline, notification or
webhook delivery is duplicated."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count

from coopcases.core.exceptions import DomainError
from coopcases.deadlines.models import Deadline
from coopcases.deadlines.services import OPEN_STATES
from coopcases.events.dispatch import event_dispatch
from coopcases.events.models import Event
from coopcases.notifications.models import Notification, WebhookDelivery
from requests import services
from requests.models import MlaRequest
from requests.workflow import MLA_WORKFLOW
from tests.faults.conftest import LONG
from tests.faults.invariants import replay
from tests.faults.scenarios import mla_world, partner_subscription, step

pytestmark = [pytest.mark.ephemeral, pytest.mark.xdist_group("faults")]
PAIRS = 1000 if LONG else 40
KINDS = ["approve_vs_return", "approve_vs_approve", "transmit_vs_transmit", "update_vs_update", "dispatch_vs_dispatch"]


def race(*calls):
    """Run the calls at the same instant on separate threads and connections: each outcome is "ok", the string a
    call returned (the relay's outcome) or the code of the domain error it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            result = call()
            outcomes[i] = str(result) if isinstance(result, str) else "ok"
        except DomainError as exc:
            outcomes[i] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def one_pair(kind, world, req) -> list:
    ca, ca2, drafter = world.user("ca:pe-fn"), world.user("ca2:pe-fn"), world.user("magistrate:pe-fecor")
    transition = services.mla_request_transition
    if kind == "update_vs_update":
        version = req.version
        outcomes = race(*[
            (lambda t=title: services.mla_request_update(pk=req.pk, actor=drafter, changes={"title": t}, expected_version=version))
            for title in ("Version A", "Version B")
        ])
        after = MlaRequest.objects.get(pk=req.pk)
        assert after.version == version + 1, "a lost update: both writes applied"
        assert after.title in ("Version A", "Version B")
        return outcomes
    step(world, req.pk, 0)  # submitted
    if kind == "dispatch_vs_dispatch":
        event = Event.objects.filter(object_id=str(req.pk), event_type="mla_request.submit").get()
        outcomes = race(lambda: event_dispatch(event_id=event.pk), lambda: event_dispatch(event_id=event.pk))
        return ["ok" if o == "dispatched" else o for o in outcomes]
    if kind == "approve_vs_return":
        calls = [lambda: transition(pk=req.pk, action="approve", actor=ca, reason="ok"),
                 lambda: transition(pk=req.pk, action="return_for_amendment", actor=ca2, reason="fix it")]
    elif kind == "approve_vs_approve":
        calls = [lambda: transition(pk=req.pk, action="approve", actor=ca, reason="ok"),
                 lambda: transition(pk=req.pk, action="approve", actor=ca2, reason="ok")]
    else:
        step(world, req.pk, 1)  # approved
        calls = [lambda: transition(pk=req.pk, action="transmit", actor=ca, reason="go"),
                 lambda: transition(pk=req.pk, action="transmit", actor=ca2, reason="go")]
    return race(*calls)


def test_conflicting_steps_on_the_same_objects(fresh_db, receiver, partner_visibility):
    from tests.requests.factories import complete_draft

    world, _ = mla_world(0)
    partner_subscription(receiver.url)
    rng = random.Random(11)
    tally, touched = Counter(), []
    for _ in range(PAIRS):
        kind = rng.choice(KINDS)
        req = complete_draft(world)
        touched.append(req.pk)
        outcomes = one_pair(kind, world, req)
        assert outcomes.count("ok") == 1, f"{kind}: {outcomes}"
        tally[kind] += 1

    for req in MlaRequest.objects.filter(pk__in=touched):
        replay(req, MLA_WORKFLOW, initial="draft")
    duplicated_deadlines = (
        Deadline.objects.filter(state__in=OPEN_STATES).values("content_type", "object_id", "kind")
        .annotate(n=Count("id")).filter(n__gt=1)
    )
    assert not duplicated_deadlines.exists(), list(duplicated_deadlines)
    assert not Notification.objects.values("event", "user").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not WebhookDelivery.objects.values("event", "subscription").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert set(tally) == set(KINDS) and sum(tally.values()) == PAIRS
