"""Every transition of the lifecycle, who may take it, and the guards that stop it."""

import pytest

from coopcases.audit.models import AuditEntry
from coopcases.core.exceptions import ActionForbidden, NotVisible, TransitionNotAllowed, ValidationFailed
from coopcases.events.models import Event
from requests import services
from requests.models import DecisionKind, MeasureStatus, MlaRequestKind, RequestDecision
from requests.models import MlaRequestState as S
from requests.workflow import MLA_WORKFLOW
from tests.requests.factories import (
    advance,
    complete_draft,
    drafter,
    executing_authority_of,
    executor,
    informal_enquiry,
    requested_ca,
    requesting_ca,
    step,
)


def _history(req):
    return list(Event.objects.filter(object_type="mla.mlarequest", object_id=str(req.pk)).order_by("sequence").values_list("event_type", "from_state", "to_state"))


def _in_consultation(world, origin="PE", **kw):
    req = advance(world, complete_draft(world, origin, **kw), S.ACKNOWLEDGED)
    return step(req, "open_consultation", requested_ca(world, req), "Execution may affect an ongoing investigation")


# -- the allowed transitions ---------------------------------------------------------------------------------------


def test_main_path_to_closed_writes_one_event_and_one_audit_row_per_step(world):
    req = complete_draft(world)
    version = req.version
    audits_before = AuditEntry.objects.filter(action="transition").count()
    req = advance(world, req, S.IN_EXECUTION)
    assert req.executing_authority.code == "es-anticorrupcion"
    assert set(req.measures.values_list("status", flat=True)) == {MeasureStatus.IN_EXECUTION}
    measure = req.measures.get()
    services.measure_record_outcome(measure_pk=measure.pk, actor=executor(world, req), status=MeasureStatus.EXECUTED, outcome="Statements sent")
    req = step(req, "execute", executor(world, req))
    req = step(req, "close", drafter(world, req), "Results reviewed")
    assert req.state == S.CLOSED
    transitions = [(t, f, to) for t, f, to in _history(req) if f]
    assert transitions == [
        ("mla_request.submit", S.DRAFT, S.SUBMITTED),
        ("mla_request.approve", S.SUBMITTED, S.APPROVED),
        ("mla_request.transmit", S.APPROVED, S.TRANSMITTED),
        ("mla_request.acknowledge", S.TRANSMITTED, S.ACKNOWLEDGED),
        ("mla_request.assign_executing_authority", S.ACKNOWLEDGED, S.IN_EXECUTION),
        ("mla_request.execute", S.IN_EXECUTION, S.EXECUTED),
        ("mla_request.close", S.EXECUTED, S.CLOSED),
    ]
    assert AuditEntry.objects.filter(action="transition").count() - audits_before == 7
    assert req.version == version + 7 + 1  # seven transitions and one measure outcome
    assert (req.submitted_by, req.approved_by) == (drafter(world, req), requesting_ca(world, req))
    assert req.transmitted_at is not None and req.finished_at is not None


def test_return_for_amendment_then_resubmit(world):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    req = step(req, "return_for_amendment", requesting_ca(world, req), "Add the account numbers")
    assert req.state == S.RETURNED
    services.mla_request_update(pk=req.pk, actor=drafter(world, req), changes={"purpose": "To prove the flow of proceeds to account ES12"})
    req = step(req, "submit", drafter(world, req))
    assert req.state == S.SUBMITTED
    assert Event.objects.get(object_id=str(req.pk), event_type="mla_request.return_for_amendment").reason == "Add the account numbers"


def test_reject_is_terminal_and_read_only(world):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    req = step(req, "reject", requesting_ca(world, req), "No legal basis for this measure")
    assert req.state == S.REJECTED_BY_CENTRAL_AUTHORITY and MLA_WORKFLOW.is_terminal(req)
    assert MLA_WORKFLOW.available(req, drafter(world, req)) == []
    with pytest.raises(TransitionNotAllowed):
        step(req, "withdraw", drafter(world, req), "no")
    with pytest.raises(TransitionNotAllowed):
        services.message_post(request_pk=req.pk, actor=drafter(world, req), body="Why?")


def test_additional_information_pauses_and_returns_to_the_previous_state(world):
    req = advance(world, complete_draft(world), S.IN_EXECUTION)
    req = step(req, "request_additional_information", requested_ca(world, req), "Which accounts exactly?")
    assert (req.state, req.resume_state) == (S.ADDITIONAL_INFORMATION_REQUESTED, S.IN_EXECUTION)
    req = step(req, "provide_additional_information", requesting_ca(world, req), "Accounts ES12 and ES34")
    assert (req.state, req.resume_state) == (S.IN_EXECUTION, "")
    req = step(req, "request_additional_information", requested_ca(world, req), "A translation of the order, please")
    req = step(req, "provide_additional_information", drafter(world, req), "Attached")
    assert req.state == S.IN_EXECUTION


def test_consultation_then_conditional_grant_then_execution(world):
    req = _in_consultation(world)
    req = step(req, "grant_with_conditions", requested_ca(world, req), "Use restricted", conditions="Results used only in case 123-2026")
    assert req.state == S.GRANTED_WITH_CONDITIONS
    decision = RequestDecision.objects.get(request=req)
    assert (decision.kind, decision.conditions) == (DecisionKind.CONDITIONAL_GRANT, "Results used only in case 123-2026")
    req = step(req, "assign_executing_authority", requested_ca(world, req), executing_authority=executing_authority_of(world, req).pk)
    assert req.state == S.IN_EXECUTION


def test_conditional_grant_needs_conditions(world):
    req = _in_consultation(world)
    with pytest.raises(ValidationFailed) as err:
        step(req, "grant_with_conditions", requested_ca(world, req), "")
    assert [p.name for p in err.value.problems] == ["conditions"]


def test_postpone_and_resume(world):
    req = advance(world, complete_draft(world), S.IN_EXECUTION)
    req = step(req, "open_consultation", requested_ca(world, req), "An investigation here would be compromised")
    req = step(req, "postpone", requested_ca(world, req), "Searches planned next month", ground="ONGOING_PROCEEDINGS")
    assert req.state == S.POSTPONED
    decision = RequestDecision.objects.get(request=req, kind=DecisionKind.POSTPONEMENT)
    assert list(decision.grounds.values_list("code", flat=True)) == ["ONGOING_PROCEEDINGS"]
    req = step(req, "resume_execution", requested_ca(world, req))
    assert req.state == S.IN_EXECUTION


def test_postponement_reason_must_be_one(world):
    req = _in_consultation(world)
    with pytest.raises(ValidationFailed) as err:
        step(req, "postpone", requested_ca(world, req), "Because", ground="BANK_SECRECY")
    assert err.value.problems[0].name == "ground"


def test_resume_without_executing_authority_names_one(world):
    req = _in_consultation(world)
    req = step(req, "postpone", requested_ca(world, req), "Ongoing proceedings")
    with pytest.raises(ValidationFailed):
        step(req, "resume_execution", requested_ca(world, req))
    req = step(req, "resume_execution", requested_ca(world, req), executing_authority="es-jci-5")
    assert req.executing_authority.code == "es-jci-5"


def test_refusal_records_grounds_reasons_and_measure_outcomes(world):
    req = _in_consultation(world)
    req = step(req, "refuse", requested_ca(world, req), "Execution would prejudice essential interests", grounds=["ESSENTIAL_INTERESTS"])
    assert req.state == S.REFUSED
    decision = RequestDecision.objects.get(request=req, kind=DecisionKind.REFUSAL)
    assert list(decision.grounds.values_list("code", flat=True)) == ["ESSENTIAL_INTERESTS"]
    measure = req.measures.get()
    assert measure.status == MeasureStatus.REFUSED and list(measure.refusal_grounds.values_list("code", flat=True)) == ["ESSENTIAL_INTERESTS"]
    assert step(req, "close", requesting_ca(world, req)).state == S.CLOSED


def test_partial_execution_then_impossible(world):
    req = complete_draft(world, measures=("RECORDS", "TAKE_STATEMENT"))
    req = advance(world, req, S.IN_EXECUTION)
    records, statement = req.measures.order_by("pk")
    with pytest.raises(ValidationFailed):
        step(req, "mark_partially_executed", executor(world, req))
    services.measure_record_outcome(measure_pk=records.pk, actor=executor(world, req), status=MeasureStatus.EXECUTED, outcome="Sent")
    req = step(req, "mark_partially_executed", executor(world, req))
    assert req.state == S.PARTIALLY_EXECUTED
    with pytest.raises(ValidationFailed) as err:
        step(req, "execute", executor(world, req))
    assert "Taking evidence or statements" in err.value.problems[0].reason
    req = step(req, "mark_impossible", executor(world, req), "The witness died")
    assert req.state == S.IMPOSSIBLE
    statement.refresh_from_db()
    assert statement.status == MeasureStatus.IMPOSSIBLE


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.TRANSMITTED, S.IN_EXECUTION])
def test_withdraw_from_any_open_state(world, state):
    req = complete_draft(world)
    if state != S.DRAFT:
        req = advance(world, req, state)
    req = step(req, "withdraw", drafter(world, req), "Assistance no longer required: the suspect confessed")
    assert req.state == S.WITHDRAWN
    assert step(req, "close", drafter(world, req)).state == S.CLOSED


def test_informal_enquiry_skips_the_central_authority(world):
    req = informal_enquiry(world)
    magistrate = world.user("magistrate:ar-procelac")
    with pytest.raises(ValidationFailed) as err:
        step(req, "submit", magistrate)
    assert "skips the central authority" in err.value.problems[0].reason
    req = step(req, "send_informal", magistrate)
    assert req.state == S.TRANSMITTED
    contact = world.user("contact:uy-fiscalia")
    contact.contact_point_networks.add(world.networks["rrag"])
    with pytest.raises(ActionForbidden):
        step(req, "acknowledge", world.user("ca:uy-accji"))
    req = step(req, "acknowledge", contact)
    req = step(req, "execute", contact)
    assert req.state == S.EXECUTED


def test_formal_request_cannot_be_sent_informally_nor_answered_before_assignment(world):
    req = complete_draft(world)
    with pytest.raises(ValidationFailed):
        step(req, "send_informal", drafter(world, req))
    req = advance(world, req, S.ACKNOWLEDGED)
    with pytest.raises(ActionForbidden):
        step(req, "execute", requested_ca(world, req))


def test_spontaneous_information_is_closed_once_received(world):
    req = complete_draft(world, kind=MlaRequestKind.SPONTANEOUS_INFORMATION, measures=(), person=False)
    req = advance(world, req, S.ACKNOWLEDGED)
    assert step(req, "close", requesting_ca(world, req)).state == S.CLOSED


def test_a_formal_request_is_not_closed_before_its_answer(world):
    req = advance(world, complete_draft(world), S.ACKNOWLEDGED)
    with pytest.raises(ValidationFailed):
        step(req, "close", drafter(world, req))


# -- who may not -------------------------------------------------------------------------------------------------


def test_four_eyes_nobody_approves_what_they_drafted(world):
    both = world.user("magistrate_ca:pe-fn")
    req = services.mla_request_create(
        actor=both, title="Own request", requested_state="ES", legal_bases=["UNTOC"], language="es", offences=["CORRUPTION"],
        subject_and_authority="Investigation 9", facts_summary="Bribes", purpose="Evidence", persons_unknown_reason="Unknown officials",
    )
    services.measure_add(request_pk=req.pk, actor=both, measure="RECORDS")
    step(req, "submit", both)
    with pytest.raises(ValidationFailed) as err:
        step(req, "approve", both)
    assert "four eyes" in err.value.problems[0].reason
    assert step(req, "approve", world.user("ca:pe-fn")).state == S.APPROVED


def test_wrong_role_of_the_right_authority_and_right_role_of_the_wrong_authority(world):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    with pytest.raises(ActionForbidden) as err:
        step(req, "approve", drafter(world, req))
    assert "central authority officer of the requesting state" in str(err.value)
    other_ca = world.user("ca:co-fgn")
    with pytest.raises(NotVisible):
        step(req, "approve", other_ca)
    with pytest.raises(NotVisible):  # the requested side does not see a request before transmission
        step(req, "approve", requested_ca(world, req))


def test_requested_side_roles(world):
    req = advance(world, complete_draft(world), S.TRANSMITTED)
    with pytest.raises(ActionForbidden):
        step(req, "acknowledge", requesting_ca(world, req))
    req = step(req, "acknowledge", requested_ca(world, req))
    req = step(req, "assign_executing_authority", requested_ca(world, req), executing_authority="es-anticorrupcion")
    with pytest.raises(ActionForbidden):
        step(req, "open_consultation", executor(world, req), "I would refuse")
    with pytest.raises(ActionForbidden):
        step(req, "execute", requested_ca(world, req))
    with pytest.raises(ActionForbidden):
        step(req, "withdraw", requesting_ca(world, req), "No longer needed")


def test_wrong_state_names_action_and_state(world):
    req = advance(world, complete_draft(world), S.APPROVED)
    with pytest.raises(TransitionNotAllowed) as err:
        step(req, "submit", drafter(world, req))
    assert "Submit to the central authority" in str(err.value) and "approved" in str(err.value)
    with pytest.raises(TransitionNotAllowed) as err:
        step(req, "teleport", drafter(world, req))
    assert err.value.code == "unknown_action"


def test_refuse_only_after_consultation(world):
    req = advance(world, complete_draft(world), S.IN_EXECUTION)
    with pytest.raises(TransitionNotAllowed):
        step(req, "refuse", requested_ca(world, req), "No", grounds=["ESSENTIAL_INTERESTS"])


def test_reasons_are_required_where_the_law_wants_them(world):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    with pytest.raises(ValidationFailed) as err:
        step(req, "return_for_amendment", requesting_ca(world, req), "  ")
    assert err.value.problems[0].name == "reason"


def test_assign_needs_an_authority_of_the_requested_state(world):
    req = advance(world, complete_draft(world), S.ACKNOWLEDGED)
    with pytest.raises(ValidationFailed) as err:
        step(req, "assign_executing_authority", requested_ca(world, req), executing_authority="pe-fecor")
    assert err.value.problems[0].name == "executing_authority"
    with pytest.raises(ValidationFailed):
        step(req, "assign_executing_authority", requested_ca(world, req), executing_authority="nowhere")
    with pytest.raises(ValidationFailed) as err:
        step(req, "assign_executing_authority", requested_ca(world, req), executing_authority="es-jci-5", colour="blue")
    assert err.value.problems[0].name == "colour"


def test_failed_transition_changes_nothing(world):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    events = Event.objects.count()
    audits = AuditEntry.objects.count()
    with pytest.raises(ActionForbidden):
        step(req, "approve", drafter(world, req))
    req.refresh_from_db()
    assert (req.state, Event.objects.count(), AuditEntry.objects.count()) == (S.SUBMITTED, events, audits)


def test_available_lists_allowed_and_why_not(world):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    ca = {a.action: a for a in MLA_WORKFLOW.available(req, requesting_ca(world, req))}
    assert {k for k, a in ca.items() if a.allowed} == {"approve", "return_for_amendment", "reject"}
    mine = {a.action: a for a in MLA_WORKFLOW.available(req, drafter(world, req))}
    assert mine["withdraw"].allowed and not mine["approve"].allowed
    assert "central authority officer" in mine["approve"].reasons[0]


# -- refusal grounds the law forbids ------------------------------------------------------------------------------


def test_refusal_needs_a_ground(world):
    req = _in_consultation(world)
    with pytest.raises(ValidationFailed) as err:
        step(req, "refuse", requested_ca(world, req), "No")
    assert err.value.problems[0].name == "grounds"


def test_bank_secrecy_is_never_a_ground(world):
    req = _in_consultation(world)
    with pytest.raises(ValidationFailed) as err:
        step(req, "refuse", requested_ca(world, req), "Secret", grounds=["BANK_SECRECY", "ESSENTIAL_INTERESTS"])
    reasons = [p.reason for p in err.value.problems]
    assert len(reasons) == 1 and "never a ground for refusal" in reasons[0] and "UNTOC 18(8)" in reasons[0]


def test_fiscal_matters_alone_are_no_ground_under_untoc(world):
    req = _in_consultation(world, offences=["TAX_EVASION"])
    with pytest.raises(ValidationFailed) as err:
        step(req, "refuse", requested_ca(world, req), "Tax", grounds=["TAX_OFFENCE"])
    assert "sole ground" in err.value.problems[0].reason
    req = step(req, "refuse", requested_ca(world, req), "Tax and public order", grounds=["TAX_OFFENCE", "ESSENTIAL_INTERESTS"])
    assert req.state == S.REFUSED


def test_tax_offence_is_no_ground_between_managua_parties(world):
    req = _in_consultation(world, "CO", offences=["TAX_EVASION"])
    with pytest.raises(ValidationFailed) as err:
        step(req, "refuse", requested_ca(world, req), "Tax", grounds=["TAX_OFFENCE", "ESSENTIAL_INTERESTS"])
    assert "Managua" in err.value.problems[0].reason


def test_tax_offence_may_be_a_ground_between_nassau_parties_outside_managua(world):
    req = complete_draft(world, "AR", legal_bases=["NASSAU1992"], offences=["TAX_EVASION"])
    req = advance(world, req, S.ACKNOWLEDGED)
    req = step(req, "open_consultation", requested_ca(world, req), "Tax matter")
    assert step(req, "refuse", requested_ca(world, req), "A tax offence", grounds=["TAX_OFFENCE"]).state == S.REFUSED


def test_dual_criminality_not_for_non_coercive_measures_under_uncac(world):
    mixed = _in_consultation(world, "BR", measures=("TAKE_STATEMENT", "SEARCH_SEIZURE"))
    with pytest.raises(ValidationFailed) as err:
        step(mixed, "refuse", requested_ca(world, mixed), "Not an offence here", grounds=["NO_DUAL_CRIMINALITY"])
    assert "UNCAC 46(9)(b)" in err.value.problems[0].reason
    coercive_only = _in_consultation(world, "BR", measures=("SEARCH_SEIZURE",))
    refused = step(coercive_only, "refuse", requested_ca(world, coercive_only), "Not an offence here", grounds=["NO_DUAL_CRIMINALITY"])
    assert refused.state == S.REFUSED


def test_dual_criminality_not_for_eu_list_offences_under_the_eio(world):
    req = _in_consultation(world, "ES", measures=("SEARCH_SEIZURE",))
    with pytest.raises(ValidationFailed) as err:
        step(req, "refuse", requested_ca(world, req), "Not an offence here", grounds=["NO_DUAL_CRIMINALITY"])
    assert "EIO art. 11(1)(g)" in err.value.problems[0].reason


def test_a_postponement_reason_is_not_a_refusal_ground(world):
    req = _in_consultation(world)
    with pytest.raises(ValidationFailed) as err:
        step(req, "refuse", requested_ca(world, req), "Later", grounds=["ONGOING_PROCEEDINGS"])
    assert "postponement" in err.value.problems[0].reason


def test_measure_refusal_follows_the_same_law(world):
    req = advance(world, complete_draft(world, "BR", measures=("TAKE_STATEMENT", "SEARCH_SEIZURE")), S.IN_EXECUTION)
    statement, search = req.measures.order_by("pk")
    officer = executor(world, req)
    with pytest.raises(ValidationFailed) as err:
        services.measure_record_outcome(measure_pk=statement.pk, actor=officer, status=MeasureStatus.REFUSED, outcome="", grounds=["NO_DUAL_CRIMINALITY"])
    assert {p.name for p in err.value.problems} == {"outcome", "grounds"}
    services.measure_record_outcome(measure_pk=search.pk, actor=officer, status=MeasureStatus.REFUSED, outcome="Not an offence here", grounds=["NO_DUAL_CRIMINALITY"])
    search.refresh_from_db()
    assert search.status == MeasureStatus.REFUSED
    with pytest.raises(TransitionNotAllowed):
        services.measure_record_outcome(measure_pk=search.pk, actor=officer, status=MeasureStatus.EXECUTED)
