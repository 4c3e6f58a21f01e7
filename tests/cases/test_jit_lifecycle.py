from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases import services
from cases.models import JITMemberRole, JITStatus
from cases.workflow import JIT_WORKFLOW
from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import ActionForbidden, NotVisible, TransitionNotAllowed, ValidationFailed
from coopcases.deadlines.models import DeadlineKind, DeadlineState
from coopcases.deadlines.selectors import deadlines_of
from coopcases.events.selectors import events_of

pytestmark = pytest.mark.django_db


def codes(error):
    return {p.code for p in error.value.problems}


def test_full_lifecycle_from_proposal_to_closure(team):
    jit = team.to_active()
    assert jit.status == JITStatus.ACTIVE and jit.activated_at is not None

    services.jit_transition(actor=team.pe_user, jit=jit, action="terminate", reason="Main suspects arrested")
    services.jit_transition(actor=team.co_user, jit=jit, action="start_evaluation")
    services.evaluation_record(actor=team.pe_officer, jit=jit, evaluated_on=timezone.localdate(), answers={"q1": "good"})
    jit = services.jit_transition(actor=team.es_user, jit=jit, action="close")

    assert jit.status == JITStatus.CLOSED
    transitions = [(e.from_state, e.to_state) for e in events_of(jit) if e.to_state and e.from_state]
    assert transitions == [
        ("proposed", "drafting"), ("drafting", "national_approvals"), ("national_approvals", "signature_pending"),
        ("signature_pending", "active"), ("active", "terminated_early"), ("terminated_early", "evaluation"),
        ("evaluation", "closed"),
    ]
    assert AuditEntry.objects.filter(object_type="cases.jointinvestigationteam", object_id=str(jit.pk), action="transition").count() == 7
    assert [e.sequence for e in events_of(jit)] == list(range(1, events_of(jit).count() + 1))


def test_activation_opens_the_expiry_deadline_for_the_coordinating_leader(team):
    jit = team.to_active()
    deadline = deadlines_of(jit).get(kind=DeadlineKind.JIT_EXPIRY)
    assert deadline.state == DeadlineState.OPEN
    assert deadline.responsible_authority == team.es  # the leader of Spain, the coordinating party, works there
    assert deadline.case_id == team.case.pk
    # The period ends at midnight after the last day, Madrid time.
    expected = datetime.combine(jit.end_date + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo("Europe/Madrid"))
    assert deadline.due_at == expected


@pytest.mark.parametrize("who", ["auditor", "es_contact_point", "pe_officer"])
def test_roles_that_may_not_draft_cannot_move_the_jit(team, who):
    jit = team.propose()
    with pytest.raises(ActionForbidden, match="liaison magistrates or central authority officers of a party"):
        services.jit_transition(actor=getattr(team, who), jit=jit, action="start_drafting")
    assert team.refresh().status == JITStatus.PROPOSED


def test_a_non_party_user_cannot_even_find_the_jit(team):
    jit = team.propose()
    with pytest.raises(NotVisible):
        services.jit_transition(actor=team.outsider, jit=jit, action="start_drafting")


def test_each_party_drafter_may_move_it(team):
    jit = team.propose()
    services.jit_transition(actor=team.co_user, jit=jit, action="start_drafting")
    services.jit_transition(actor=team.pe_user, jit=jit, action="submit_for_approval")
    assert team.refresh().status == JITStatus.NATIONAL_APPROVALS


def test_a_transition_from_the_wrong_state_is_refused(team):
    jit = team.propose()
    with pytest.raises(TransitionNotAllowed, match="not allowed while the record is 'proposed'"):
        services.jit_transition(actor=team.es_user, jit=jit, action="activate")


def test_signatures_open_only_once_every_party_has_a_leader(team):
    jit = team.propose()
    services.jit_transition(actor=team.es_user, jit=jit, action="start_drafting")
    services.jit_transition(actor=team.es_user, jit=jit, action="submit_for_approval")
    services.jit_member_add(actor=team.es_user, jit=jit, party=team.parties["ES"], role=JITMemberRole.LEADER, name="Leader ES")
    with pytest.raises(ValidationFailed) as error:
        services.jit_transition(actor=team.es_user, jit=jit, action="open_signatures")
    assert "every party needs a leader" in error.value.problems[0].reason
    assert "PE" in error.value.problems[0].reason and "CO" in error.value.problems[0].reason


def test_activation_before_every_party_signed_is_refused(team):
    jit = team.to_signature()
    services.jit_sign(actor=team.es_user, jit=jit, signatory="Head ES")
    with pytest.raises(ValidationFailed) as error:
        services.jit_transition(actor=team.es_user, jit=jit, action="activate")
    assert "every party must sign first" in error.value.problems[0].reason
    assert team.refresh().status == JITStatus.SIGNATURE_PENDING


def test_the_last_signature_activates_once_the_start_date_has_come(team):
    jit = team.to_signature()
    services.jit_sign(actor=team.es_user, jit=jit, signatory="Head ES")
    services.jit_sign(actor=team.pe_user, jit=jit, signatory="Head PE")
    assert team.refresh().status == JITStatus.SIGNATURE_PENDING
    jit = services.jit_sign(actor=team.co_user, jit=jit, signatory="Head CO")
    assert jit.status == JITStatus.ACTIVE


def test_a_fully_signed_team_waits_for_its_start_date(team):
    start = timezone.localdate() + timedelta(days=5)
    jit = team.to_signature(start=start, end=start + timedelta(days=90))
    jit = team.sign_all()
    assert jit.status == JITStatus.SIGNATURE_PENDING
    with pytest.raises(ValidationFailed, match="cannot be done yet") as error:
        services.jit_transition(actor=team.es_user, jit=jit, action="activate")
    assert "from its start date" in error.value.problems[0].reason

    assert services.jits_activate_due(timezone.now()) == []
    madrid_start = datetime.combine(start, datetime.min.time(), tzinfo=ZoneInfo("Europe/Madrid"))
    assert services.jits_activate_due(madrid_start + timedelta(minutes=1)) == [jit.pk]
    assert services.jits_activate_due(madrid_start + timedelta(minutes=2)) == []  # idempotent
    assert team.refresh().status == JITStatus.ACTIVE


def test_return_to_drafting_is_refused_once_a_party_signed(team):
    jit = team.to_signature()
    services.jit_sign(actor=team.pe_user, jit=jit, signatory="Head PE")
    with pytest.raises(ValidationFailed) as error:
        services.jit_transition(actor=team.es_user, jit=jit, action="return_to_drafting", reason="typo")
    assert "already signed" in error.value.problems[0].reason


def test_return_to_drafting_needs_a_reason(team):
    jit = team.to_signature()
    with pytest.raises(ValidationFailed) as error:
        services.jit_transition(actor=team.es_user, jit=jit, action="return_to_drafting")
    assert codes(error) == {"required"}
    services.jit_transition(actor=team.es_user, jit=jit, action="return_to_drafting", reason="Peru asks for a new article")
    assert team.refresh().status == JITStatus.DRAFTING


def test_termination_needs_a_reason_and_cancels_the_expiry_deadline(team):
    jit = team.to_active()
    with pytest.raises(ValidationFailed):
        services.jit_transition(actor=team.es_user, jit=jit, action="terminate")
    jit = services.jit_transition(actor=team.es_user, jit=jit, action="terminate", reason="Purpose achieved")
    assert jit.status == JITStatus.TERMINATED_EARLY and jit.ended_at is not None
    assert deadlines_of(jit).get().state == DeadlineState.CANCELLED


def test_closing_needs_the_final_evaluation(team):
    jit = team.to_active()
    services.jit_transition(actor=team.es_user, jit=jit, action="terminate", reason="Purpose achieved")
    services.jit_transition(actor=team.es_user, jit=jit, action="start_evaluation")
    with pytest.raises(ValidationFailed) as error:
        services.jit_transition(actor=team.es_user, jit=jit, action="close")
    assert "evaluation must be recorded" in error.value.problems[0].reason


def test_evaluation_is_recorded_only_in_evaluation(team):
    jit = team.to_active()
    with pytest.raises(TransitionNotAllowed):
        services.evaluation_record(actor=team.es_user, jit=jit, evaluated_on=timezone.localdate(), answers={"q": "a"})


def test_evaluation_validation_names_each_field(team):
    jit = team.to_active()
    services.jit_transition(actor=team.es_user, jit=jit, action="terminate", reason="done")
    services.jit_transition(actor=team.es_user, jit=jit, action="start_evaluation")
    with pytest.raises(ValidationFailed) as error:
        services.evaluation_record(actor=team.es_user, jit=jit, evaluated_on=timezone.localdate() + timedelta(days=3), answers={})
    assert {(p.name, p.code) for p in error.value.problems} == {("evaluated_on", "future"), ("answers", "required")}


def test_a_team_that_never_starts_is_abandoned(team):
    jit = team.propose()
    jit = services.jit_transition(actor=team.es_user, jit=jit, action="abandon", reason="Colombia declined")
    assert jit.status == JITStatus.CLOSED
    assert JIT_WORKFLOW.is_terminal(jit)


def test_amendment_steps_are_only_reachable_through_their_services(team):
    jit = team.to_active()
    with pytest.raises(ValidationFailed) as error:
        services.jit_transition(actor=team.es_user, jit=jit, action="request_amendment")
    assert codes(error) == {"service_only"}


def test_available_transitions_explain_why_not(team):
    jit = team.to_signature()
    available = {a.action: a for a in JIT_WORKFLOW.available(jit, team.es_user)}
    assert set(available) == {"return_to_drafting", "activate", "abandon"}
    assert not available["activate"].allowed
    assert any("every party must sign first" in r for r in available["activate"].reasons)
    auditor_view = {a.action: a for a in JIT_WORKFLOW.available(jit, team.auditor)}
    assert all(not a.allowed for a in auditor_view.values())


def test_members_and_action_items_are_refused_once_closed(team):
    jit = team.propose()
    services.jit_transition(actor=team.es_user, jit=jit, action="abandon", reason="declined")
    with pytest.raises(TransitionNotAllowed):
        services.jit_member_add(actor=team.es_user, jit=jit, party=team.parties["ES"], role=JITMemberRole.MEMBER, name="Late")
    with pytest.raises(TransitionNotAllowed):
        services.action_item_add(actor=team.es_user, jit=jit, action="Late action", party=team.parties["ES"])


def test_stale_version_is_refused(team):
    jit = team.propose()
    with pytest.raises(Exception, match="changed by someone else"):
        services.jit_transition(actor=team.es_user, jit=jit, action="start_drafting", expected_version=jit.version + 1)
