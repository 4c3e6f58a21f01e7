"""The shared transition engine, exercised on a small table over Case.status."""

import pytest

from cases.models import Case, CaseStatus
from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import ActionForbidden, ConcurrentChange, TransitionNotAllowed, ValidationFailed
from coopcases.core.workflow import Transition, Workflow
from coopcases.events.models import Event
from tests.factories import AuthorityFactory, magistrate

pytestmark = pytest.mark.django_db


def of_lead_authority(case, actor):
    return actor.authority_id == case.lead_authority_id


def not_on_hold(case, actor, params):
    return "the case is on legal hold" if params.get("hold") else None


def explode(case, actor, params):
    raise ValidationFailed("effect refused")


FLOW = Workflow(
    model=Case,
    state_field="status",
    event_prefix="case",
    terminal_states=[CaseStatus.CLOSED],
    transitions=[
        Transition("suspend", [CaseStatus.OPEN], CaseStatus.SUSPENDED, "Suspend", of_lead_authority, "the lead authority", reason_required=True),
        Transition("close", [CaseStatus.OPEN, CaseStatus.SUSPENDED], CaseStatus.CLOSED, "Close", of_lead_authority, "the lead authority", guards=[not_on_hold]),
        Transition("explode", [CaseStatus.OPEN], CaseStatus.CLOSED, "Explode", of_lead_authority, "the lead authority", effect=explode),
    ],
)


@pytest.fixture
def case():
    return Case.objects.create(national_reference="R-1", title="Operation Test", lead_authority=AuthorityFactory())


def test_perform_writes_state_version_one_event_and_one_audit_row(case):
    actor = magistrate(authority=case.lead_authority)
    FLOW.perform(pk=case.pk, action="suspend", actor=actor, reason="awaiting evidence")
    case.refresh_from_db()
    assert (case.status, case.version) == (CaseStatus.SUSPENDED, 2)
    event = Event.objects.get()
    assert (event.event_type, event.from_state, event.to_state, event.sequence) == ("case.suspend", "open", "suspended", 1)
    assert event.case_id == case.pk and event.actor == actor and event.reason == "awaiting evidence"
    audit = AuditEntry.objects.get()
    assert audit.action == "transition" and audit.after == {"status": "suspended", "action": "suspend"}


def test_events_of_one_object_form_a_gapless_sequence(case):
    actor = magistrate(authority=case.lead_authority)
    FLOW.perform(pk=case.pk, action="suspend", actor=actor, reason="r")
    FLOW.perform(pk=case.pk, action="close", actor=actor)
    assert list(Event.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2]


def test_wrong_state_names_the_action_and_state(case):
    actor = magistrate(authority=case.lead_authority)
    FLOW.perform(pk=case.pk, action="close", actor=actor)
    with pytest.raises(TransitionNotAllowed, match="'Suspend' is not allowed while the record is 'closed'"):
        FLOW.perform(pk=case.pk, action="suspend", actor=actor, reason="x")


def test_other_authority_is_forbidden_and_nothing_is_written(case):
    with pytest.raises(ActionForbidden, match="only be done by the lead authority"):
        FLOW.perform(pk=case.pk, action="close", actor=magistrate())
    assert not Event.objects.exists() and not AuditEntry.objects.exists()


def test_missing_reason_and_failed_guard_are_named(case):
    actor = magistrate(authority=case.lead_authority)
    with pytest.raises(ValidationFailed) as missing:
        FLOW.perform(pk=case.pk, action="suspend", actor=actor)
    assert [p.name for p in missing.value.problems] == ["reason"]
    with pytest.raises(ValidationFailed) as guarded:
        FLOW.perform(pk=case.pk, action="close", actor=actor, params={"hold": True})
    assert guarded.value.problems[0].reason == "the case is on legal hold"


def test_stale_version_is_a_conflict(case):
    actor = magistrate(authority=case.lead_authority)
    with pytest.raises(ConcurrentChange):
        FLOW.perform(pk=case.pk, action="close", actor=actor, expected_version=7)


def test_a_failing_effect_rolls_everything_back(case):
    actor = magistrate(authority=case.lead_authority)
    with pytest.raises(ValidationFailed):
        FLOW.perform(pk=case.pk, action="explode", actor=actor)
    case.refresh_from_db()
    assert (case.status, case.version) == (CaseStatus.OPEN, 1)
    assert not Event.objects.exists() and not AuditEntry.objects.exists()


def test_unknown_action_lists_the_known_ones(case):
    with pytest.raises(TransitionNotAllowed, match="Known actions: close, explode, suspend"):
        FLOW.perform(pk=case.pk, action="approve", actor=magistrate())


def test_available_gives_reasons_for_what_is_not_allowed(case):
    outsider = magistrate()
    options = {a.action: a for a in FLOW.available(case, outsider, {"hold": True})}
    assert set(options) == {"suspend", "close", "explode"}
    assert options["close"].allowed is False
    assert options["close"].reasons == ["only the lead authority may do this", "the case is on legal hold"]
    assert options["suspend"].reason_required is True
    lead = magistrate(authority=case.lead_authority)
    assert all(a.allowed for a in FLOW.available(case, lead))
