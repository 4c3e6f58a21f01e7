"""Random sequences of JIT operations by random actors never break the lifecycle's invariants."""

import contextlib
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from cases import services
from cases.models import AmendmentStatus, JITMemberRole, JITStatus
from cases.periods import end_moment
from cases.workflow import JIT_SERVICE_ONLY_ACTIONS, JIT_WORKFLOW
from coopcases.core.exceptions import DomainError
from coopcases.deadlines.models import DeadlineKind
from coopcases.deadlines.selectors import deadlines_of
from coopcases.deadlines.services import OPEN_STATES
from coopcases.events.selectors import events_of
from tests.cases.factories import Team

# Party drafters weigh more, so that walks get somewhere; the others are there to be refused.
ACTORS = ["es_user", "pe_user", "co_user"] * 3 + ["pe_officer", "auditor", "es_contact_point", "outsider"]
ACTIONS = sorted(set(JIT_WORKFLOW.transitions) - JIT_SERVICE_ONLY_ACTIONS)
RUNNING = {JITStatus.ACTIVE, JITStatus.AMENDMENT_PENDING}


class JITLifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.team = Team.build()

    @initialize(stage=st.sampled_from(["proposed", "signature_pending", "active"]))
    def start_at(self, stage):
        """Random walks rarely sign three times in a row: start some of them further down the lifecycle."""
        {"proposed": self.team.propose, "signature_pending": self.team.to_signature, "active": self.team.to_active}[stage]()
        self.jit = self.team.refresh()
        self.max_end = self.jit.end_date

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def attempt(self, call):
        # A refusal is a legitimate outcome; the invariants say whether it left anything behind.
        with contextlib.suppress(DomainError):
            call()
        self.jit = self.team.refresh()

    @rule(action=st.sampled_from(ACTIONS), who=st.sampled_from(ACTORS))
    def transition(self, action, who):
        self.attempt(lambda: services.jit_transition(actor=getattr(self.team, who), jit=self.jit, action=action, reason="because"))

    @rule(who=st.sampled_from(ACTORS))
    def sign(self, who):
        self.attempt(lambda: services.jit_sign(actor=getattr(self.team, who), jit=self.jit, signatory="Head"))

    @rule(who=st.sampled_from(ACTORS), days=st.integers(min_value=-20, max_value=60))
    def extend(self, who, days):
        self.attempt(lambda: services.jit_extend(actor=getattr(self.team, who), jit=self.jit,
                                                 new_end_date=self.jit.end_date + timedelta(days=days), reason="more time"))

    @rule(code=st.sampled_from(["ES", "PE", "CO"]))
    def add_leader(self, code):
        self.attempt(lambda: services.jit_member_add(actor=self.team.user_of(code), jit=self.jit, party=self.team.parties[code],
                                                     role=JITMemberRole.LEADER, name=f"Leader {code}"))

    @invariant()
    def running_teams_are_signed_and_have_one_open_expiry_deadline(self):
        open_deadlines = list(deadlines_of(self.jit).filter(kind=DeadlineKind.JIT_EXPIRY, state__in=OPEN_STATES))
        if self.jit.status in RUNNING:
            assert not self.jit.parties.filter(signed_on__isnull=True).exists()
            assert len(open_deadlines) == 1 and open_deadlines[0].due_at == end_moment(self.jit)
        else:
            assert open_deadlines == []

    @invariant()
    def a_pending_amendment_exactly_while_amendment_pending(self):
        pending = self.jit.amendments.filter(status=AmendmentStatus.PENDING).count()
        assert pending == (1 if self.jit.status == JITStatus.AMENDMENT_PENDING else 0)

    @invariant()
    def the_period_never_shrinks(self):
        assert self.jit.end_date >= self.max_end
        self.max_end = self.jit.end_date

    @invariant()
    def the_history_is_gapless_and_matches_the_state(self):
        events = list(events_of(self.jit))
        assert [e.sequence for e in events] == list(range(1, len(events) + 1))
        last_transition = [e for e in events if e.to_state][-1]
        assert last_transition.to_state == self.jit.status
        assert self.jit.start_date <= timezone.localdate() + timedelta(days=1)


@pytest.mark.slow
@pytest.mark.django_db
def test_the_jit_lifecycle_keeps_its_invariants():
    run_state_machine_as_test(JITLifecycle, settings=settings(
        max_examples=10, stateful_step_count=20, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    ))
