"""Database lost: PostgreSQL is restarted (and, in `make faults`, crashed) while gunicorn serves transitions.
Requests in flight or arriving while it is down answer 503 application/problem+json with Retry-After, never a
500; no transition is half-written (the events and audit rows replay to every request's state); and the service
recovers by itself once PostgreSQL is back."""

import threading
import time
from collections import Counter

import httpx
import pytest
from django.db import connections

from requests.models import MlaRequest
from requests.workflow import MLA_WORKFLOW
from tests.faults.invariants import replay
from tests.faults.scenarios import WALK, mla_world

pytestmark = [pytest.mark.ephemeral, pytest.mark.xdist_group("faults")]
CLIENTS = 6
RUN_SECONDS = 25


def drive(base_url, world, req_pks, answers, stop):
    """Walk each request through WALK over HTTP, retrying a step after 503 (as Retry-After invites)."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for pk in req_pks:
            index = 0
            while index < len(WALK) and not stop.is_set():
                action, who = WALK[index]
                try:
                    answer = client.post(f"/_faults/mla/{pk}/transition", json={"action": action},
                                         headers={"X-Fault-Actor": str(world.user(who).pk)})
                except httpx.TransportError as exc:
                    answers.append(("transport", type(exc).__name__, ""))
                    time.sleep(0.2)
                    continue
                answers.append((answer.status_code, answer.headers.get("content-type", ""), answer.headers.get("retry-after", "")))
                if answer.status_code in (200, 409):  # 409: the step had committed before its answer was lost
                    index += 1
                elif answer.status_code == 503:
                    time.sleep(0.2)
                else:
                    return


@pytest.mark.parametrize("mode", ["fast", pytest.param("immediate", marks=pytest.mark.faults_long)])
def test_a_postgresql_restart_answers_503_and_heals(pg, fresh_db, live_server_process, mode):
    world, drafts = mla_world(CLIENTS * 4)
    pks = [r.pk for r in drafts]
    answers, stop = [], threading.Event()
    clients = [
        threading.Thread(target=drive, args=(live_server_process.base_url, world, pks[i::CLIENTS], answers, stop))
        for i in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    time.sleep(1.5)
    pg.restart(mode=mode, down_for=2.0)
    for client in clients:
        client.join(timeout=RUN_SECONDS * 4)
    stop.set()
    connections.close_all()

    statuses = Counter(a[0] for a in answers)
    assert statuses[503] > 0, f"the restart hit no request: {statuses}"
    assert set(statuses) <= {200, 409, 503}, statuses
    assert all(ct == "application/problem+json" and ra.isdigit() for code, ct, ra in answers if code == 503)
    # Recovered by itself: every walk finished after the restart.
    states = Counter(MlaRequest.objects.filter(pk__in=pks).values_list("state", flat=True))
    assert states == {"acknowledged": len(pks)}, states
    # Nothing half-written: each request's events and audit rows replay to its state.
    for req in MlaRequest.objects.filter(pk__in=pks):
        replay(req, MLA_WORKFLOW, initial="draft")
    health = httpx.get(f"{live_server_process.base_url}/_faults/ping", timeout=10)
    assert health.status_code == 200
