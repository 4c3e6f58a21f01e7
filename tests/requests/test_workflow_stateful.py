"""Random walks through the lifecycle (Hypothesis stateful testing) with random actors.

Invariants: a step succeeds only from a declared source state and for an actor the role matrix below allows
(written independently of the workflow table); each success raises the version by exactly one and writes
exactly one event and one audit row; a refusal changes nothing; four eyes always hold; event sequences
stay gapless.
"""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import DomainError
from coopcases.events.models import Event
from requests import services
from requests.models import MeasureStatus, MlaRequest
from requests.workflow import ACTIONS, MLA_WORKFLOW
from tests.requests.factories import complete_draft

ACTORS = {
    "drafter": "magistrate:pe-fecor",
    "requesting_ca": "ca:pe-fn",
    "requesting_ca2": "ca2:pe-fn",
    "requested_ca": "ca:es-mjusticia",
    "executing": "exec:es-anticorrupcion",
    "outsider": "ca:co-fgn",
    "auditor": "auditor:pe-fn",
}
REQUESTING_SIDE = {"drafter", "requesting_ca", "requesting_ca2"}
ALLOWED = {
    "submit": {"drafter"}, "withdraw": {"drafter"}, "send_informal": set(),
    "return_for_amendment": {"requesting_ca", "requesting_ca2"}, "reject": {"requesting_ca", "requesting_ca2"},
    "approve": {"requesting_ca", "requesting_ca2"}, "transmit": {"requesting_ca", "requesting_ca2"},
    "provide_additional_information": REQUESTING_SIDE, "close": REQUESTING_SIDE,
    "acknowledge": {"requested_ca"}, "assign_executing_authority": {"requested_ca"}, "request_additional_information": {"requested_ca"},
    "open_consultation": {"requested_ca"}, "grant_with_conditions": {"requested_ca"}, "postpone": {"requested_ca"},
    "resume_execution": {"requested_ca"}, "refuse": {"requested_ca"},
    "mark_partially_executed": {"executing"}, "execute": {"executing"}, "mark_impossible": {"executing"},
}
# Hypothesis draws early list elements more often: put the steps that move a request forward first, so walks
# reach execution, consultation and closing, and the branches and the wrong actors still get drawn.
PREFERENCE = [
    "submit", "approve", "transmit", "acknowledge", "assign_executing_authority", "execute", "mark_partially_executed", "close",
    "open_consultation", "grant_with_conditions", "refuse", "postpone", "resume_execution", "request_additional_information",
    "provide_additional_information", "mark_impossible", "return_for_amendment", "reject", "withdraw", "send_informal",
]
SINKS = {"withdraw", "reject"}  # end a walk early: drawn only on stray steps
PARAMS = {
    "assign_executing_authority": {"executing_authority": "es-anticorrupcion"},
    "resume_execution": {"executing_authority": "es-anticorrupcion"},
    "refuse": {"grounds": ["ESSENTIAL_INTERESTS"]},
    "grant_with_conditions": {"conditions": "Use only in case 123-2026"},
    "postpone": {"ground": "ONGOING_PROCEEDINGS"},
}


class Lifecycle(RuleBasedStateMachine):
    def __init__(self, world):
        super().__init__()
        self.world = world
        self.req = complete_draft(world, measures=("RECORDS", "TAKE_STATEMENT"))

    def _counts(self):
        return (
            Event.objects.filter(object_id=str(self.req.pk), from_state__gt="").count(),
            AuditEntry.objects.filter(object_id=str(self.req.pk), action="transition").count(),
        )

    @rule(data=st.data())
    def act(self, data):
        before = MlaRequest.objects.get(pk=self.req.pk)
        # Steer the walk: mostly an action leaving the current state, by an actor the matrix allows; one step in
        # five, anything by anyone.
        leaving = [a for a in PREFERENCE if before.state in MLA_WORKFLOW.transitions[a].sources]
        leaving = [a for a in leaving if a not in SINKS] or leaving or PREFERENCE
        stray = data.draw(st.integers(0, 4), label="stray") == 0
        action = data.draw(st.sampled_from(ACTIONS if stray else leaving), label="action")
        who = data.draw(st.sampled_from(sorted(ACTORS) if stray else sorted(ALLOWED[action] or ACTORS)), label="who")
        events, audits = self._counts()
        try:
            after = services.mla_request_transition(
                pk=self.req.pk, action=action, actor=self.world.user(ACTORS[who]), reason="because", params=PARAMS.get(action, {})
            )
        except DomainError:
            after = MlaRequest.objects.get(pk=self.req.pk)
            assert (after.state, after.version, self._counts()) == (before.state, before.version, (events, audits))
            return
        assert who in ALLOWED[action], f"{who} took {action}"
        assert before.state in MLA_WORKFLOW.transitions[action].sources
        assert after.version == before.version + 1
        assert self._counts() == (events + 1, audits + 1)
        last = Event.objects.filter(object_id=str(self.req.pk)).latest("sequence")
        assert (last.event_type, last.from_state, last.to_state) == (f"mla_request.{action}", before.state, after.state)

    @precondition(lambda self: MlaRequest.objects.get(pk=self.req.pk).state in ("in_execution", "partially_executed"))
    @rule(data=st.data())
    def record_an_outcome(self, data):
        measure = self.req.measures.exclude(status__in=["executed", "refused", "impossible", "not_pursued"]).first()
        if measure:
            services.measure_record_outcome(
                measure_pk=measure.pk, actor=self.world.user(ACTORS["executing"]), status=data.draw(st.sampled_from([MeasureStatus.EXECUTED, MeasureStatus.IMPOSSIBLE])), outcome="done"
            )

    @invariant()
    def four_eyes_and_gapless_history(self):
        req = MlaRequest.objects.get(pk=self.req.pk)
        if req.approved_by_id:
            assert req.approved_by_id not in (req.created_by_id, req.submitted_by_id)
        sequences = list(Event.objects.filter(object_id=str(req.pk)).order_by("sequence").values_list("sequence", flat=True))
        assert sequences == list(range(1, len(sequences) + 1))


def test_random_walks_keep_the_invariants(world):
    run_state_machine_as_test(
        lambda: Lifecycle(world),
        settings=settings(max_examples=6, stateful_step_count=20, deadline=None, suppress_health_check=list(HealthCheck)),
    )
