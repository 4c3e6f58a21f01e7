"""Declared state machines of cases and joint investigation teams (domain.md §8.6).

JIT: proposed → drafting → national_approvals → signature_pending → active ⇄ amendment_pending
→ expired | terminated_early → evaluation → closed; a team that never starts can be abandoned (→ closed).
The expiry date is a deadline (kind jit_expiry) opened on activation, moved by a signed extension and closed
when the team ends.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import rules
from cases.models import (
    AmendmentKind,
    AmendmentStatus,
    Case,
    CaseStatus,
    JITAmendment,
    JITMemberRole,
    JITStatus,
    JointInvestigationTeam,
)
from cases.periods import end_moment, has_expired, local_today
from coopcases.core.workflow import Transition, Workflow
from coopcases.deadlines.models import DeadlineKind, DeadlineState
from coopcases.deadlines.selectors import deadlines_of
from coopcases.deadlines.services import OPEN_STATES, deadline_extend, deadline_open, deadlines_close

# --- cases -------------------------------------------------------------------------------------------------


def _case_worker(case, actor) -> bool:
    return rules.may_work_case(actor, case)


def _no_jit_still_open(case, actor, params):
    still_open = [str(j) for j in case.jits.exclude(status=JITStatus.CLOSED)]
    if still_open:
        return str(_("close its joint investigation teams first: %(jits)s") % {"jits": ", ".join(still_open)})
    return None


CASE_WORKFLOW = Workflow(
    model=Case,
    state_field="status",
    event_prefix="case",
    transitions=[
        Transition("suspend", [CaseStatus.OPEN], CaseStatus.SUSPENDED, _("Suspend"), _case_worker, rules.CASE_WORKERS,
                   reason_required=True),
        Transition("resume", [CaseStatus.SUSPENDED], CaseStatus.OPEN, _("Resume"), _case_worker, rules.CASE_WORKERS),
        Transition("close", [CaseStatus.OPEN, CaseStatus.SUSPENDED], CaseStatus.CLOSED, _("Close"), _case_worker,
                   rules.CASE_WORKERS, guards=[_no_jit_still_open], reason_required=True),
        Transition("reopen", [CaseStatus.CLOSED], CaseStatus.OPEN, _("Reopen"), _case_worker, rules.CASE_WORKERS,
                   reason_required=True),
    ],
)

# --- JIT guards (each returns why the transition may not happen, or None) -----------------------------------


def _now(params) -> datetime:
    return params.get("now") or timezone.now()


def _parties_complete(jit, actor, params):
    parties = list(jit.parties.all())
    if len({p.country_id for p in parties}) < 2:
        return str(_("a JIT needs at least two parties from two different states"))
    return None


def _every_party_has_leader(jit, actor, params):
    led = set(jit.members.filter(role=JITMemberRole.LEADER, removed_at__isnull=True).values_list("party_id", flat=True))
    missing = [str(p) for p in jit.parties.all() if p.pk not in led]
    return str(_("every party needs a leader; missing for: %(parties)s") % {"parties": ", ".join(missing)}) if missing else None


def _no_signature_yet(jit, actor, params):
    if jit.parties.filter(signed_on__isnull=False).exists():
        return str(_("a party has already signed; the signed text cannot go back to drafting"))
    return None


def _every_party_signed(jit, actor, params):
    unsigned = [str(p) for p in jit.parties.all() if p.signed_on is None]
    return str(_("every party must sign first; not yet signed: %(parties)s") % {"parties": ", ".join(unsigned)}) if unsigned else None


def _start_date_reached(jit, actor, params):
    if local_today(jit, _now(params)) < jit.start_date:
        return str(_("the team becomes active from its start date (%(date)s)") % {"date": jit.start_date.isoformat()})
    return None


def _period_not_over(jit, actor, params):
    if has_expired(jit, _now(params)):
        return str(_("the period ended on %(date)s") % {"date": jit.end_date.isoformat()})
    return None


def _period_over(jit, actor, params):
    if not has_expired(jit, _now(params)):
        return str(_("the period runs until %(date)s") % {"date": jit.end_date.isoformat()})
    return None


def _pending_amendment(jit) -> JITAmendment | None:
    return jit.amendments.filter(status=AmendmentStatus.PENDING).first()


def _amendment_filed(jit, actor, params):
    amendment = _pending_amendment(jit)
    if amendment is None or amendment.pk != params.get("amendment"):
        return str(_("an amendment (extension or composition change) must be filed with the request"))
    return None


def _amendment_pending(jit, actor, params):
    return None if _pending_amendment(jit) else str(_("there is no pending amendment"))


def _amendment_fully_signed(jit, actor, params):
    amendment = _pending_amendment(jit)
    if amendment is None:
        return str(_("there is no pending amendment"))
    signed = set(amendment.signatures.values_list("party_id", flat=True))
    unsigned = [str(p) for p in jit.parties.all() if p.pk not in signed]
    if unsigned:
        return str(_("every party must sign the amendment; not yet signed: %(parties)s") % {"parties": ", ".join(unsigned)})
    return None


def _evaluation_recorded(jit, actor, params):
    return None if hasattr(jit, "evaluation") else str(_("the final evaluation must be recorded first"))


# --- JIT effects -------------------------------------------------------------------------------------------


def _leader_authority(jit):
    leader = (
        jit.members.filter(party__coordinating=True, role=JITMemberRole.LEADER, removed_at__isnull=True)
        .select_related("authority")
        .first()
    )
    if leader is not None:
        return leader.authority
    party = jit.parties.filter(coordinating=True).select_related("authority").first()
    return party.authority if party else None


def _expiry_deadline(jit):
    return deadlines_of(jit).select_for_update().filter(kind=DeadlineKind.JIT_EXPIRY, state__in=OPEN_STATES).first()


def _mark_active(jit, actor, params):
    jit.activated_at = jit.activated_at or _now(params)


def _open_expiry_deadline(jit, actor, params):
    coordinating = jit.parties.filter(coordinating=True).first()
    deadline_open(
        subject=jit,
        kind=DeadlineKind.JIT_EXPIRY,
        label=str(_("Expiry of JIT “%(title)s”") % {"title": jit.title}),
        trigger_at=_now(params),
        due_at=end_moment(jit),
        responsible_authority=_leader_authority(jit),
        calendar_country=coordinating.country if coordinating else None,
    )


def _apply_amendment(jit, actor, params):
    amendment = _pending_amendment(jit)
    if amendment.kind == AmendmentKind.EXTENSION:
        jit.end_date = amendment.new_end_date
    amendment.status = AmendmentStatus.IN_FORCE
    amendment.save(update_fields=["status"])
    params["amendment"] = amendment.pk


def _move_expiry_deadline(jit, actor, params):
    amendment = jit.amendments.get(pk=params["amendment"])
    if amendment.kind != AmendmentKind.EXTENSION:
        return
    deadline = _expiry_deadline(jit)
    reason = str(_("Extension #%(number)s in force on %(date)s: %(reason)s") % {
        "number": amendment.number, "date": amendment.effective_date.isoformat(), "reason": amendment.reason,
    })
    if deadline is None:
        _open_expiry_deadline(jit, actor, params)
    else:
        deadline_extend(deadline=deadline, due_at=end_moment(jit), reason=reason)


def _withdraw_amendment(jit, actor, params):
    jit.amendments.filter(status=AmendmentStatus.PENDING).update(status=AmendmentStatus.WITHDRAWN)


def _end_team(final_deadline_state):
    def effect(jit, actor, params):
        now = _now(params)
        jit.ended_at = min(now, end_moment(jit))
        # An amendment not signed by every party before the end never comes into force.
        jit.amendments.filter(status=AmendmentStatus.PENDING).update(status=AmendmentStatus.LAPSED)
        # Reaching the expiry date is the deadline met, not missed: close it at its own moment.
        deadlines_close(subject=jit, state=final_deadline_state, kinds=[DeadlineKind.JIT_EXPIRY], at=jit.ended_at)

    return effect


def D(jit, actor) -> bool:  # noqa: N802 (a column of the table below)
    return rules.is_jit_drafter(actor, jit)


WHO = rules.JIT_DRAFTERS
S = JITStatus
NOT_STARTED = [S.PROPOSED, S.DRAFTING, S.NATIONAL_APPROVALS, S.SIGNATURE_PENDING]
RUNNING = [S.ACTIVE, S.AMENDMENT_PENDING]

JIT_WORKFLOW = Workflow(
    model=JointInvestigationTeam,
    state_field="status",
    event_prefix="jit",
    terminal_states=[S.CLOSED],
    transitions=[
        Transition("start_drafting", [S.PROPOSED], S.DRAFTING, _("Start drafting the agreement"), D, WHO),
        Transition("submit_for_approval", [S.DRAFTING], S.NATIONAL_APPROVALS, _("Submit for national approvals"), D, WHO,
                   guards=[_parties_complete]),
        Transition("return_to_drafting", [S.NATIONAL_APPROVALS, S.SIGNATURE_PENDING], S.DRAFTING, _("Return to drafting"),
                   D, WHO, guards=[_no_signature_yet], reason_required=True),
        Transition("open_signatures", [S.NATIONAL_APPROVALS], S.SIGNATURE_PENDING, _("Open for signature"), D, WHO,
                   guards=[_parties_complete, _every_party_has_leader, _period_not_over]),
        Transition("activate", [S.SIGNATURE_PENDING], S.ACTIVE, _("Activate"), D, WHO,
                   guards=[_every_party_signed, _start_date_reached, _period_not_over],
                   effect=_mark_active, after=_open_expiry_deadline),
        Transition("request_amendment", [S.ACTIVE], S.AMENDMENT_PENDING, _("Request an amendment"), D, WHO,
                   guards=[_amendment_filed, _period_not_over]),
        Transition("amendment_signed", [S.AMENDMENT_PENDING], S.ACTIVE, _("Bring the signed amendment into force"), D, WHO,
                   guards=[_amendment_fully_signed, _period_not_over],
                   effect=_apply_amendment, after=_move_expiry_deadline),
        Transition("withdraw_amendment", [S.AMENDMENT_PENDING], S.ACTIVE, _("Withdraw the amendment"), D, WHO,
                   guards=[_amendment_pending], reason_required=True, effect=_withdraw_amendment),
        Transition("terminate", RUNNING, S.TERMINATED_EARLY, _("Terminate early"), D, WHO, reason_required=True,
                   effect=_end_team(DeadlineState.CANCELLED)),
        Transition("expire", RUNNING, S.EXPIRED, _("Record expiry"), D, WHO, guards=[_period_over],
                   effect=_end_team(DeadlineState.MET)),
        Transition("start_evaluation", [S.EXPIRED, S.TERMINATED_EARLY], S.EVALUATION, _("Start the final evaluation"), D, WHO),
        Transition("close", [S.EVALUATION], S.CLOSED, _("Close"), D, WHO, guards=[_evaluation_recorded]),
        Transition("abandon", NOT_STARTED, S.CLOSED, _("Abandon (never started)"), D, WHO, reason_required=True),
    ],
)

# Transitions that need a record filed with them: only their own services perform them.
JIT_SERVICE_ONLY_ACTIONS = frozenset({"request_amendment", "amendment_signed"})
