"""The lifecycle of an MLA request (domain.md §8.2; issue 3 §4) as one declared transition table.

Each transition names who may take it (a role *of the right authority*: the request's requesting authority,
either central authority, its executing authority, or for informal enquiries the network's contact points)
and the guards that must hold. `MLA_WORKFLOW.perform` (through `requests.services.mla_request_transition`) is the
only writer of `MlaRequest.state`; it writes one event and one audit row per transition.

Parameters of a transition (executing authority, refusal grounds, conditions…) arrive checked and resolved by
the service as `params["prepared"]`; guards that need them stay silent when they are absent, which is how
`MLA_WORKFLOW.available` answers "may I do this now" before the parameters are known.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coopcases.accounts.roles import RoleCode
from coopcases.core.exceptions import FieldProblem
from coopcases.core.workflow import Transition, Workflow
from requests import clocks, content, legal, routing
from requests.models import (
    EDITABLE_STATES,
    FINISHED_STATES,
    MEASURE_FINAL_STATUSES,
    OPEN_STATES,
    TERMINAL_STATES,
    DecisionKind,
    MeasureStatus,
    MlaRequest,
    MlaRequestKind,
    RequestDecision,
)
from requests.models import MlaRequestState as S


@dataclass(frozen=True)
class Prepared:
    """Transition parameters, validated and resolved to rows by the service."""

    reason: str = ""
    executing_authority: object | None = None
    grounds: tuple = ()
    measures: tuple = ()
    conditions: str = ""


def _prepared(params: dict) -> Prepared | None:
    return params.get("prepared")


# -- who -----------------------------------------------------------------------------------------------------------


def _acts_for(actor, authority_id, role: str) -> bool:
    return bool(authority_id) and getattr(actor, "authority_id", None) == authority_id and actor.has_role(role)


def is_drafting_magistrate(req: MlaRequest, actor) -> bool:
    return _acts_for(actor, req.requesting_authority_id, RoleCode.LIAISON_MAGISTRATE)


def is_requesting_ca_officer(req: MlaRequest, actor) -> bool:
    return _acts_for(actor, req.requesting_central_authority_id, RoleCode.CENTRAL_AUTHORITY_OFFICER)


def is_requested_ca_officer(req: MlaRequest, actor) -> bool:
    return _acts_for(actor, req.requested_central_authority_id, RoleCode.CENTRAL_AUTHORITY_OFFICER)


def is_executing_officer(req: MlaRequest, actor) -> bool:
    return _acts_for(actor, req.executing_authority_id, RoleCode.EXECUTING_AUTHORITY_OFFICER)


def _is_contact_point_in(req: MlaRequest, actor, country_id: str) -> bool:
    return (
        req.channel_network_id is not None
        and getattr(actor, "authority_id", None) is not None
        and actor.has_role(RoleCode.NETWORK_CONTACT_POINT)
        and actor.authority.country_id == country_id
        and actor.contact_point_networks.filter(pk=req.channel_network_id).exists()
    )


def is_requested_side(req: MlaRequest, actor) -> bool:
    """The receiving side: the requested central authority, or for an informal enquiry the network's contact point."""
    if req.is_informal:
        return _is_contact_point_in(req, actor, req.requested_state_id)
    return is_requested_ca_officer(req, actor)


def may_draft(req, actor) -> bool:
    return is_drafting_magistrate(req, actor)


def may_send_informal(req, actor) -> bool:
    return is_drafting_magistrate(req, actor) or (
        _is_contact_point_in(req, actor, req.requesting_state_id) and actor.authority_id == req.requesting_authority_id
    )


def may_answer_additional_information(req, actor) -> bool:
    return is_drafting_magistrate(req, actor) or is_requesting_ca_officer(req, actor)


def may_execute(req, actor) -> bool:
    return is_executing_officer(req, actor) or (req.is_informal and is_requested_side(req, actor))


def may_close(req, actor) -> bool:
    return is_drafting_magistrate(req, actor) or is_requesting_ca_officer(req, actor)


WHO_DRAFTER = gettext_lazy("a liaison magistrate of the requesting authority")
WHO_REQUESTING_CA = gettext_lazy("a central authority officer of the requesting state's central authority")
WHO_REQUESTED_SIDE = gettext_lazy("a central authority officer of the requested state's central authority (for an informal enquiry: the network's contact point in the requested state)")
WHO_EXECUTING = gettext_lazy("an officer of the executing authority (for an informal enquiry: the network's contact point in the requested state)")
WHO_REQUESTING_SIDE = gettext_lazy("a liaison magistrate of the requesting authority or an officer of the requesting state's central authority")


# -- guards --------------------------------------------------------------------------------------------------------


def _formal_route(req, actor, params):
    if req.is_informal:
        return _("an informal enquiry skips the central authority: send it directly through the network")
    return None


def _informal_only(req, actor, params):
    if not req.is_informal:
        return _("only an informal network enquiry is sent directly; a formal request goes to the central authority first")
    return None


def _content_complete(req, actor, params):
    return content.content_problems(req)


def _four_eyes(req, actor, params):
    if actor.pk in (req.created_by_id, req.submitted_by_id):
        return _("four eyes: nobody approves a request they drafted or submitted")
    return None


def _channel_open(req, actor, params):
    return routing.channel_problems(req)


def _executing_authority_valid(req, actor, params):
    prepared = _prepared(params)
    authority = prepared.executing_authority if prepared else None
    if prepared is None:
        return None
    if authority is None:
        return [FieldProblem("executing_authority", _("name the executing authority"), "required")]
    if authority.country_id != req.requested_state_id:
        return [FieldProblem("executing_authority", _("the executing authority must be an authority of the requested state"), "wrong_state")]
    return None


def _has_executing_authority(req, actor, params):
    prepared = _prepared(params)
    if prepared and prepared.executing_authority:
        return _executing_authority_valid(req, actor, params)
    if req.executing_authority_id is None:
        return _("no executing authority is assigned yet: name one")
    return None


def _formal_only(req, actor, params):
    if req.is_informal:
        return _("an informal enquiry has no executing authority: the network's contact point answers it directly")
    return None


def _conditions_given(req, actor, params):
    prepared = _prepared(params)
    if prepared is not None and not prepared.conditions.strip():
        return [FieldProblem("conditions", _("state the conditions subject to which assistance is granted"), "required")]
    return None


def refusal_facts(req: MlaRequest, grounds, measures) -> legal.RefusalFacts:
    on = timezone.localdate()
    return legal.RefusalFacts(
        legal_basis_ids=frozenset(req.legal_bases.values_list("pk", flat=True)),
        instruments_binding_both_ids=frozenset(b.instrument.pk for b in legal.bindings(req.requesting_state_id, req.requested_state_id, on)),
        refused_measures_coercive=[m.measure.coercive for m in measures],
        offences_list_flags=list(req.offences.values_list("eu_list_offence", flat=True)),
        ground_count=len(grounds),
    )


def _refusal_lawful(req, actor, params):
    prepared = _prepared(params)
    if prepared is None:
        return None
    if not prepared.grounds:
        return [FieldProblem("grounds", _("a refusal needs at least one ground (UNTOC 18(21), 18(23))"), "required")]
    return legal.forbidden_ground_problems(prepared.grounds, refusal_facts(req, prepared.grounds, prepared.measures))


def _some_measure_executed(req, actor, params):
    if not req.measures.filter(status=MeasureStatus.EXECUTED).exists():
        return _("record at least one measure as executed first")
    return None


def _every_measure_final(req, actor, params):
    open_measures = [str(m) for m in req.measures.exclude(status__in=MEASURE_FINAL_STATUSES).select_related("measure")]
    if open_measures:
        return [FieldProblem("measures", _("record the outcome of every measure first; still open: %(measures)s") % {"measures": ", ".join(open_measures)}, "measures_open")]
    return None


def _answer_directly_only_informal(req, actor, params):
    if req.state == S.ACKNOWLEDGED and not req.is_informal:
        return _("a formal request is executed by its executing authority: assign one first")
    return None


def _close_received_only_spontaneous(req, actor, params):
    if req.state == S.ACKNOWLEDGED and req.kind != MlaRequestKind.SPONTANEOUS_INFORMATION:
        return _("only spontaneous information is closed once received; a request is closed after its answer")
    return None


# -- effects -------------------------------------------------------------------------------------------------------


def _now():
    return timezone.now()


def _on_submit(req, actor, params):
    req.submitted_by, req.submitted_at = actor, _now()


def _on_approve(req, actor, params):
    req.approved_by, req.approved_at = actor, _now()


def _on_transmit(req, actor, params):
    req.transmitted_by, req.transmitted_at = actor, _now()


def _on_send_informal(req, actor, params):
    req.submitted_by = req.transmitted_by = actor
    req.submitted_at = req.transmitted_at = _now()


def _after_transmit(req, actor, params):
    clocks.on_transmitted(req, req.transmitted_at)


def _after_acknowledge(req, actor, params):
    clocks.on_acknowledged(req)


def _on_assign(req, actor, params):
    prepared = _prepared(params)
    if prepared and prepared.executing_authority:
        req.executing_authority = prepared.executing_authority
    req.measures.filter(status=MeasureStatus.PENDING).update(status=MeasureStatus.IN_EXECUTION, updated_at=_now())


def _after_assign(req, actor, params):
    clocks.on_decided(req)


def _on_request_information(req, actor, params):
    req.resume_state = req.state


def _after_pause(req, actor, params):
    clocks.on_paused(req)


def _on_information_provided(req, actor, params):
    req.resume_state = ""


def _after_resume(req, actor, params):
    clocks.on_resumed(req)


def _after_resume_execution(req, actor, params):
    clocks.on_resumed(req)
    clocks.on_decided(req)


def _decision(req, actor, kind, reasons, *, grounds=(), measures=(), conditions=""):
    decision = RequestDecision.objects.create(
        request=req, kind=kind, reasons=reasons, conditions=conditions, decided_by=actor, authority_id=actor.authority_id, decided_at=_now()
    )
    decision.grounds.set(grounds)
    decision.measures.set(measures)
    return decision


def _after_conditional_grant(req, actor, params):
    prepared = _prepared(params)
    _decision(req, actor, DecisionKind.CONDITIONAL_GRANT, prepared.reason or prepared.conditions, conditions=prepared.conditions)
    clocks.on_decided(req)


def _after_postpone(req, actor, params):
    prepared = _prepared(params)
    _decision(req, actor, DecisionKind.POSTPONEMENT, prepared.reason, grounds=prepared.grounds)
    clocks.on_paused(req)


def _finish(req, actor, params):
    req.finished_at = _now()


def _on_refuse(req, actor, params):
    prepared = _prepared(params)
    for measure in prepared.measures:
        measure.status = MeasureStatus.REFUSED
        measure.save(update_fields=["status", "updated_at"])
        measure.refusal_grounds.set(prepared.grounds)
    req.finished_at = _now()


def _after_refuse(req, actor, params):
    prepared = _prepared(params)
    _decision(req, actor, DecisionKind.REFUSAL, prepared.reason, grounds=prepared.grounds, measures=prepared.measures)
    clocks.on_answered(req)


def _on_impossible(req, actor, params):
    req.measures.exclude(status__in=MEASURE_FINAL_STATUSES).update(status=MeasureStatus.IMPOSSIBLE, updated_at=_now())
    req.finished_at = _now()


def _after_answered(req, actor, params):
    clocks.on_answered(req)


def _after_withdraw(req, actor, params):
    clocks.on_withdrawn(req)


# -- the table -----------------------------------------------------------------------------------------------------

EXECUTION_STATES = (S.IN_EXECUTION, S.PARTIALLY_EXECUTED)
REQUESTED_SIDE_OPEN = (S.ACKNOWLEDGED, S.IN_EXECUTION, S.CONSULTATION, S.GRANTED_WITH_CONDITIONS, S.PARTIALLY_EXECUTED)

TRANSITIONS = [
    # requesting side
    Transition("submit", tuple(EDITABLE_STATES), S.SUBMITTED, gettext_lazy("Submit to the central authority"), may_draft, WHO_DRAFTER,
               guards=(_formal_route, _content_complete), effect=_on_submit),
    Transition("send_informal", (S.DRAFT, S.RETURNED), S.TRANSMITTED, gettext_lazy("Send through the network"), may_send_informal,
               gettext_lazy("a liaison magistrate or network contact point of the requesting authority"),
               guards=(_informal_only, _content_complete, _channel_open), effect=_on_send_informal, after=_after_transmit),
    Transition("return_for_amendment", (S.SUBMITTED,), S.RETURNED, gettext_lazy("Return for amendment"), is_requesting_ca_officer, WHO_REQUESTING_CA,
               reason_required=True),
    Transition("reject", (S.SUBMITTED,), S.REJECTED_BY_CENTRAL_AUTHORITY, gettext_lazy("Reject"), is_requesting_ca_officer, WHO_REQUESTING_CA,
               reason_required=True, effect=_finish),
    Transition("approve", (S.SUBMITTED,), S.APPROVED, gettext_lazy("Approve"), is_requesting_ca_officer, WHO_REQUESTING_CA,
               guards=(_four_eyes,), effect=_on_approve),
    Transition("transmit", (S.APPROVED,), S.TRANSMITTED, gettext_lazy("Transmit to the requested state"), is_requesting_ca_officer, WHO_REQUESTING_CA,
               guards=(_channel_open,), effect=_on_transmit, after=_after_transmit),
    Transition("provide_additional_information", (S.ADDITIONAL_INFORMATION_REQUESTED,), lambda req, params: req.resume_state,
               gettext_lazy("Provide the additional information"), may_answer_additional_information, WHO_REQUESTING_SIDE,
               reason_required=True, effect=_on_information_provided, after=_after_resume),
    Transition("withdraw", tuple(OPEN_STATES), S.WITHDRAWN, gettext_lazy("Withdraw (assistance no longer required)"), may_draft, WHO_DRAFTER,
               reason_required=True, effect=_finish, after=_after_withdraw),
    Transition("close", (*FINISHED_STATES, S.ACKNOWLEDGED), S.CLOSED, gettext_lazy("Close"), may_close, WHO_REQUESTING_SIDE,
               guards=(_close_received_only_spontaneous,)),
    # requested side
    Transition("acknowledge", (S.TRANSMITTED,), S.ACKNOWLEDGED, gettext_lazy("Acknowledge receipt"), is_requested_side, WHO_REQUESTED_SIDE,
               after=_after_acknowledge),
    Transition("assign_executing_authority", (S.ACKNOWLEDGED, S.GRANTED_WITH_CONDITIONS), S.IN_EXECUTION,
               gettext_lazy("Assign the executing authority"), is_requested_ca_officer, WHO_REQUESTED_SIDE,
               guards=(_formal_only, _executing_authority_valid), effect=_on_assign, after=_after_assign),
    Transition("request_additional_information", REQUESTED_SIDE_OPEN, S.ADDITIONAL_INFORMATION_REQUESTED,
               gettext_lazy("Request additional information"), is_requested_side, WHO_REQUESTED_SIDE,
               reason_required=True, effect=_on_request_information, after=_after_pause),
    Transition("open_consultation", (S.ACKNOWLEDGED, S.IN_EXECUTION, S.PARTIALLY_EXECUTED), S.CONSULTATION,
               gettext_lazy("Consult before refusing or postponing"), is_requested_ca_officer, WHO_REQUESTED_SIDE, reason_required=True),
    Transition("grant_with_conditions", (S.CONSULTATION,), S.GRANTED_WITH_CONDITIONS, gettext_lazy("Grant with conditions"),
               is_requested_ca_officer, WHO_REQUESTED_SIDE, guards=(_conditions_given,), after=_after_conditional_grant),
    Transition("postpone", (S.CONSULTATION,), S.POSTPONED, gettext_lazy("Postpone"), is_requested_ca_officer, WHO_REQUESTED_SIDE,
               reason_required=True, after=_after_postpone),
    Transition("resume_execution", (S.POSTPONED,), S.IN_EXECUTION, gettext_lazy("Resume execution"), is_requested_ca_officer, WHO_REQUESTED_SIDE,
               guards=(_has_executing_authority,), effect=_on_assign, after=_after_resume_execution),
    Transition("refuse", (S.CONSULTATION,), S.REFUSED, gettext_lazy("Refuse"), is_requested_ca_officer, WHO_REQUESTED_SIDE,
               reason_required=True, guards=(_refusal_lawful,), effect=_on_refuse, after=_after_refuse),
    # executing authority
    Transition("mark_partially_executed", (S.IN_EXECUTION,), S.PARTIALLY_EXECUTED, gettext_lazy("Mark partially executed"),
               is_executing_officer, WHO_EXECUTING, guards=(_some_measure_executed,)),
    Transition("execute", (*EXECUTION_STATES, S.ACKNOWLEDGED), S.EXECUTED, gettext_lazy("Mark executed"), may_execute, WHO_EXECUTING,
               guards=(_answer_directly_only_informal, _every_measure_final), effect=_finish, after=_after_answered),
    Transition("mark_impossible", EXECUTION_STATES, S.IMPOSSIBLE, gettext_lazy("Mark impossible to execute"), is_executing_officer, WHO_EXECUTING,
               reason_required=True, effect=_on_impossible, after=_after_answered),
]

MLA_WORKFLOW = Workflow(
    model=MlaRequest, state_field="state", event_prefix="mla_request", transitions=TRANSITIONS, terminal_states=tuple(TERMINAL_STATES)
)
ACTIONS = tuple(t.action for t in TRANSITIONS)
