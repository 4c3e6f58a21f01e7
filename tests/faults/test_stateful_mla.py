"""Stateful property tests (Hypothesis RuleBasedStateMachine) of the three state machines, through the services,
with the invariants the outbox and the fault tests rely on:

- the events replay to the current state: the transition events of an object, in sequence order, form a chain
  (each one leaves the state the previous one entered) that ends in the object's state; sequences are gapless;
- exactly one audit row per transition event, in the same order (the audit's `action` equals the event's), and
  one more event and one more audit row per success, none per refusal (which changes nothing);
- deadlines consistent with the state: a finished object has no open deadline (and, for JITs, a running team
  has exactly one open expiry deadline: the invariant of tests/cases);
- permissions: a transition succeeds only for an actor the role matrix allows (MLA: the independent matrix of
  tests/requests; JIT and assets: outsiders and auditors never succeed); nobody approves their own request.

Steps: profile "ci" in `make test`, "long" in `make faults` (tests/faults/conftest.py); each test counts the
steps it really executed (tests/faults/stateful.py). A walk that reaches an end state starts over with a new
object, so long runs keep moving through the lifecycle instead of collecting refusals.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from coopcases.core.exceptions import DomainError
from requests import services
from requests.models import MeasureStatus, MlaRequest
from requests.workflow import ACTIONS, MLA_WORKFLOW
from tests.faults.conftest import STEPS
from tests.faults.invariants import no_open_deadline_when_finished, replay
from tests.faults.stateful import CountedSteps, run_counted
from tests.requests.conftest import clock, world  # noqa: F401 (fixtures: the reference world, a fixed clock)
from tests.requests.factories import complete_draft
from tests.requests.test_workflow_stateful import ACTORS, ALLOWED, PARAMS, PREFERENCE, SINKS

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
EXECUTING = ("in_execution", "partially_executed")


class MlaMachine(CountedSteps, RuleBasedStateMachine):
    """The walks of tests/requests (mostly a step leaving the current state by an actor the matrix allows; one
    step in five anything by anyone), checked against the database after every step in three queries."""

    def __init__(self, reference_world):
        super().__init__()
        self.world = reference_world
        self.start_walk()

    def start_walk(self):
        self.req = complete_draft(self.world, measures=("RECORDS", "TAKE_STATEMENT"))
        self.counts = (0, 0)  # transition events, transition audit rows
        # What the last step must have done: "refused" (nothing at all), "other" (no transition: a new walk or a
        # measure's outcome) or (action, who, state, version) for a transition taken.
        self.expect = "other"

    @precondition(lambda self: MLA_WORKFLOW.is_terminal(self.req))
    @rule()
    def start_over(self):
        self.start_walk()

    @rule(data=st.data())
    def act(self, data):
        state = self.req.state
        leaving = [a for a in PREFERENCE if state in MLA_WORKFLOW.transitions[a].sources]
        leaving = [a for a in leaving if a not in SINKS] or leaving or PREFERENCE
        stray = data.draw(st.integers(0, 4), label="stray") == 0
        action = data.draw(st.sampled_from(ACTIONS if stray else leaving), label="action")
        who = data.draw(st.sampled_from(sorted(ACTORS) if stray else sorted(ALLOWED[action] or ACTORS)), label="who")
        try:
            services.mla_request_transition(
                pk=self.req.pk, action=action, actor=self.world.user(ACTORS[who]), reason="because", params=PARAMS.get(action, {})
            )
        except DomainError:
            self.expect = "refused"
            return
        self.expect = (action, who, state, self.req.version)

    @precondition(lambda self: self.req.state in EXECUTING)
    @rule(status=st.sampled_from([MeasureStatus.EXECUTED, MeasureStatus.IMPOSSIBLE]))
    def record_an_outcome(self, status):
        measure = self.req.measures.exclude(status__in=["executed", "refused", "impossible", "not_pursued"]).first()
        if measure:
            services.measure_record_outcome(measure_pk=measure.pk, actor=self.world.user(ACTORS["executing"]), status=status, outcome="done")
        self.expect = "other"

    @invariant()
    def the_database_agrees(self):
        before = self.req
        req = MlaRequest.objects.get(pk=before.pk)
        events, audits = replay(req, MLA_WORKFLOW, initial="draft")
        no_open_deadline_when_finished(req, MLA_WORKFLOW)
        transitions = [e for e in events if e.from_state]
        counts = (len(transitions), len(audits))
        if self.expect == "refused":
            assert (req.state, req.version, counts) == (before.state, before.version, self.counts), "a refusal changed the request"
        elif self.expect == "other":
            assert counts == self.counts, "a transition event or audit row without a transition"
        else:
            action, who, state, version = self.expect
            assert who in ALLOWED[action], f"{who} took {action}"
            assert state in MLA_WORKFLOW.transitions[action].sources
            assert req.version == version + 1
            assert counts == (self.counts[0] + 1, self.counts[1] + 1), "not exactly one event and one audit row"
            last = transitions[-1]
            assert (last.event_type, last.from_state, last.to_state) == (f"mla_request.{action}", state, req.state)
        approvals = {e.actor_id for e in events if e.event_type == "mla_request.approve"}
        assert not {req.created_by_id, req.submitted_by_id} & approvals, "someone approved their own request"
        assert req.approved_by_id is None or req.approved_by_id not in (req.created_by_id, req.submitted_by_id)
        self.req, self.counts, self.expect = req, counts, "refused"


def test_mla_request_walks_keep_the_invariants(world, request):  # noqa: F811 (the fixture)
    steps = run_counted(request, MlaMachine, lambda: MlaMachine(world), step_count=STEPS["mla"])
    assert steps >= STEPS["mla_floor"], steps
