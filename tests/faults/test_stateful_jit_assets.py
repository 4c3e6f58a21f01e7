"""Stateful property tests of the JIT and asset state machines (see tests/faults/test_stateful_mla.py for the
invariants): the JIT walks of tests/cases with the replay and audit invariants added; a new asset machine."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from assets import services as asset_services
from assets.models import Asset, AssetState
from assets.workflow import asset_workflow
from cases.workflow import JIT_WORKFLOW
from coopcases.accounts.roles import RoleCode
from coopcases.audit.models import AuditEntry
from coopcases.audit.services import object_ref
from coopcases.core.exceptions import DomainError
from coopcases.events.models import Event
from tests.assets.factories import CaseFactory, colombia, spain, user
from tests.cases.test_jit_state_machine import JITLifecycle
from tests.factories import AuthorityFactory
from tests.faults.conftest import STEPS
from tests.faults.invariants import no_open_deadline_when_finished, replay
from tests.faults.stateful import CountedSteps, run_counted

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


class JitMachine(CountedSteps, JITLifecycle):
    initial_state = None

    @invariant()
    def events_replay_and_outsiders_never_act(self):
        if not hasattr(self, "jit"):
            return
        first = Event.objects.filter(object_id=str(self.jit.pk), object_type=object_ref(self.jit)[0], from_state__gt="").order_by("sequence").first()
        replay(self.jit, JIT_WORKFLOW, initial=first.from_state if first else self.jit.status)
        no_open_deadline_when_finished(self.jit, JIT_WORKFLOW)
        outsiders = [self.team.outsider.pk, self.team.auditor.pk]
        assert not Event.objects.filter(object_id=str(self.jit.pk), from_state__gt="", actor_id__in=outsiders).exists()


class AssetMachine(CountedSteps, RuleBasedStateMachine):
    """An asset of a Colombian case located in Spain; orders, disposals and transitions in any order by anyone.
    Once the asset is finished, a walk may start over with a new case and asset."""

    def __init__(self):
        super().__init__()
        co, es = colombia(), spain()
        lead = AuthorityFactory(country=co)
        court = AuthorityFactory(country=es)
        self.lead, self.court = lead, court
        self.actors = {
            "magistrate": user(lead, RoleCode.LIAISON_MAGISTRATE),
            "officer": user(lead, RoleCode.CENTRAL_AUTHORITY_OFFICER),
            "outsider": user(AuthorityFactory(country=es), RoleCode.LIAISON_MAGISTRATE),
            "auditor": user(AuthorityFactory(country=es), RoleCode.AUDITOR),
        }
        self.location = es
        self.start_walk()

    def start_walk(self):
        self.case = CaseFactory(lead_authority=self.lead)  # a new case: one account's identifiers once per case
        self.asset = asset_services.asset_create(
            actor=self.actors["magistrate"], case=self.case, kind="account", description="Current account",
            location_state=self.location, identifiers={"iban": "ES9121000418450200051332"}, holder_name="Juan Pérez",
            holder_type="natural_person", estimated_amount="250000.00", estimated_currency="EUR", valuation_date=date(2024, 3, 1),
        )

    @precondition(lambda self: asset_workflow.is_terminal(self.asset))
    @rule()
    def start_over(self):
        self.start_walk()

    def _refresh(self):
        self.asset = Asset.objects.get(pk=self.asset.pk)

    @rule(kind=st.sampled_from(["freezing", "confiscation", "disposal", "management"]), who=st.sampled_from(["magistrate", "outsider"]))
    def add_order(self, kind, who):
        fields = {
            "freezing": {"reference": "DL-1", "issuing_authority": self.lead, "executing_authority": self.court, "issued_on": date(2024, 3, 2)},
            "confiscation": {"reference": "S-3", "issuing_authority": self.lead, "issued_on": date(2025, 1, 15),
                             "proceeding_type": "conviction_based", "final": True},
            "disposal": {"disposal_method": "sale", "realised_amount": "1000.00", "realised_currency": "EUR",
                         "issuing_authority": self.court, "effective_on": date(2025, 6, 1)},
            "management": {"reference": "M-1", "issuing_authority": self.court, "issued_on": date(2025, 2, 1)},
        }[kind]
        with contextlib.suppress(DomainError):
            asset_services.order_add(actor=self.actors[who], asset=self.asset, kind=kind, **fields)
        self._refresh()

    @rule(action=st.sampled_from(sorted(asset_workflow.transitions)), who=st.sampled_from(["magistrate", "magistrate", "officer", "outsider", "auditor"]),
          reason=st.sampled_from(["", "order lifted on appeal"]))
    def transition(self, action, who, reason):
        before = self.asset.state, self.asset.version
        object_type, object_id, _ = object_ref(self.asset)
        counts = (Event.objects.filter(object_type=object_type, object_id=object_id).count(),
                  AuditEntry.objects.filter(object_type=object_type, object_id=object_id, action="transition").count())
        try:
            asset_services.asset_transition(actor=self.actors[who], asset=self.asset, action=action, reason=reason)
        except DomainError:
            self._refresh()
            assert (self.asset.state, self.asset.version) == before, "a refused transition changed the asset"
            return
        self._refresh()
        assert who not in ("outsider", "auditor"), f"{who} took {action}"
        assert before[0] in asset_workflow.transitions[action].sources
        assert self.asset.version == before[1] + 1
        after = (Event.objects.filter(object_type=object_type, object_id=object_id).count(),
                 AuditEntry.objects.filter(object_type=object_type, object_id=object_id, action="transition").count())
        assert after == (counts[0] + 1, counts[1] + 1), "not exactly one event and one audit row"

    @invariant()
    def events_replay_and_deadlines_follow(self):
        replay(self.asset, asset_workflow, initial=AssetState.IDENTIFIED)
        no_open_deadline_when_finished(self.asset, asset_workflow)


def test_jit_walks_keep_the_invariants(request):
    steps = run_counted(request, JitMachine, step_count=STEPS["jit"])
    assert steps >= STEPS["jit_floor"], steps


def test_asset_walks_keep_the_invariants(request):
    steps = run_counted(request, AssetMachine, step_count=STEPS["assets"])
    assert steps >= STEPS["assets_floor"], steps
