"""Reads of cases and JITs, visibility first. Each `*_visible_to(actor)` is one SQL predicate (EXISTS subqueries,
no DISTINCT, no per-row Python), so lists stay fast and paginate with any ordering.

Who sees what:
- a case: users of its lead authority or of a participating authority; auditors.
- its persons of interest: the case workers of those authorities (not roles that only facilitate); auditors.
- a JIT: users of a party authority or of a current member's agency, current members, users admitted through a
  participant; auditors. A user of a state that is not a party sees nothing of it.
- inside a JIT, what a participant sees depends on its access level; facilitators never see the action plan.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cases import rules
from cases.models import (
    Case,
    CasePerson,
    JITActionItem,
    JITActionItemVersion,
    JITEvidenceExchange,
    JITMeeting,
    JITMember,
    JITParticipant,
    JITParty,
    JointInvestigationTeam,
    ParticipantAccess,
)
from coopcases.core.exceptions import ActionForbidden, NotVisible
from coopcases.events import selectors as event_selectors
from coopcases.events.models import Event


def _sees_nothing(actor) -> bool:
    return actor is not None and not actor.is_active


def cases_visible_to(actor) -> QuerySet[Case]:
    qs = Case.objects.all()
    if _sees_nothing(actor):
        return qs.none()
    if rules.reads_everything(actor):
        return qs
    if actor.authority_id is None:
        return qs.none()
    participating = Case.participating_authorities.through.objects.filter(
        case_id=OuterRef("pk"), authority_id=actor.authority_id
    )
    return qs.filter(Q(lead_authority_id=actor.authority_id) | Exists(participating))


def case_get(actor, pk) -> Case:
    case = cases_visible_to(actor).select_related("lead_authority__country").filter(pk=pk).first()
    if case is None:
        raise NotVisible()
    return case


def case_persons_visible_to(actor) -> QuerySet[CasePerson]:
    qs = CasePerson.objects.all()
    if _sees_nothing(actor):
        return qs.none()
    if rules.reads_everything(actor):
        return qs
    if actor.authority_id is None or not actor.has_role(*rules.CASE_WORK_ROLES):
        return qs.none()
    participating = Case.participating_authorities.through.objects.filter(
        case_id=OuterRef("case_id"), authority_id=actor.authority_id
    )
    return qs.filter(Q(case__lead_authority_id=actor.authority_id) | Exists(participating))


def jits_visible_to(actor) -> QuerySet[JointInvestigationTeam]:
    qs = JointInvestigationTeam.objects.all()
    if _sees_nothing(actor):
        return qs.none()
    if rules.reads_everything(actor):
        return qs
    current_members = JITMember.objects.filter(jit_id=OuterRef("pk"), removed_at__isnull=True)
    admitted = JITParticipant.admitted_users.through.objects.filter(jitparticipant__jit_id=OuterRef("pk"), user_id=actor.pk)
    predicate = Exists(current_members.filter(user_id=actor.pk)) | Exists(admitted)
    if actor.authority_id is not None:
        predicate |= Exists(JITParty.objects.filter(jit_id=OuterRef("pk"), authority_id=actor.authority_id))
        predicate |= Exists(current_members.filter(authority_id=actor.authority_id))
    return qs.filter(predicate)


def jit_get(actor, pk) -> JointInvestigationTeam:
    jit = jits_visible_to(actor).select_related("case", "legal_basis").filter(pk=pk).first()
    if jit is None:
        raise NotVisible()
    return jit


_ACCESS_RANK = {"none": 0, ParticipantAccess.AGREEMENT: 1, ParticipantAccess.OPERATIONAL: 2, ParticipantAccess.FULL: 3}


def jit_access(actor, jit) -> str:
    """How much of a visible JIT the actor sees: 'none', or a ParticipantAccess level."""
    if rules.reads_everything(actor):
        return ParticipantAccess.FULL
    if _sees_nothing(actor):
        return "none"
    in_team = actor.authority_id in rules.team_authority_ids(jit) or jit.members.filter(
        user_id=actor.pk, removed_at__isnull=True
    ).exists()
    if in_team:
        # The action plan is confidential: roles that only facilitate see the team's work, not its plan.
        return ParticipantAccess.FULL if actor.has_role(*rules.JIT_TEAM_ROLES) else ParticipantAccess.OPERATIONAL
    levels = jit.participants.filter(admitted_users=actor).values_list("access_level", flat=True)
    return max(levels, key=_ACCESS_RANK.__getitem__, default="none")


def _require_access(actor, jit, level: str, what: str) -> None:
    granted = jit_access(actor, jit)
    if granted == "none":
        raise NotVisible()
    if _ACCESS_RANK[granted] < _ACCESS_RANK[level]:
        raise ActionForbidden(_("Your access to this JIT does not include %(what)s.") % {"what": what})


def jit_action_plan(actor, jit) -> QuerySet[JITActionItem]:
    """The current operational action plan (confidential)."""
    _require_access(actor, jit, ParticipantAccess.FULL, _("the operational action plan"))
    return jit.action_items.select_related("party__authority", "owner").order_by("number")


def jit_action_plan_history(actor, jit) -> QuerySet[JITActionItemVersion]:
    """Every version of every item, in the order the plan changed."""
    _require_access(actor, jit, ParticipantAccess.FULL, _("the operational action plan"))
    return jit.action_item_versions.select_related("party__authority", "owner", "changed_by").order_by("plan_version")


def jit_action_plan_at(actor, jit, plan_version: int) -> QuerySet[JITActionItemVersion]:
    """The plan as it stood at `plan_version`: each item's latest version up to it."""
    _require_access(actor, jit, ParticipantAccess.FULL, _("the operational action plan"))
    latest = (
        JITActionItemVersion.objects.filter(item_id=OuterRef("item_id"), plan_version__lte=plan_version)
        .order_by("-plan_version")
        .values("pk")[:1]
    )
    return (
        jit.action_item_versions.filter(plan_version__lte=plan_version, pk=Subquery(latest))
        .select_related("party__authority", "owner")
        .order_by("item__number")
    )


def jit_evidence_log(actor, jit) -> QuerySet[JITEvidenceExchange]:
    _require_access(actor, jit, ParticipantAccess.OPERATIONAL, _("the evidence exchange log"))
    return jit.evidence_exchanges.select_related(
        "from_party__authority", "to_party__authority", "exchanged_by", "recorded_by"
    ).order_by("exchanged_at", "id")


def jit_meetings(actor, jit) -> QuerySet[JITMeeting]:
    _require_access(actor, jit, ParticipantAccess.OPERATIONAL, _("the team's meetings"))
    return jit.meetings.prefetch_related("parties_present").order_by("-held_at")


# What links to a case (each model has a `case` FK), with the selector saying which of those rows an actor sees.
# A value is a callable or the dotted path of one; a path that does not import (its app not built yet) keeps that
# kind of object out of the links and the timeline: deny by default.
LINKED_SOURCES: dict[str, str | Callable] = {
    "cases.jointinvestigationteam": "cases.selectors.jits_visible_to",
    "mla.mlarequest": "requests.selectors.mla_requests_visible_to",
    "assets.asset": "assets.selectors.assets_visible_to",
}


def _linked_visible(actor, case) -> dict[str, QuerySet]:
    links = {}
    for object_type, source in LINKED_SOURCES.items():
        try:
            visible_to = source if callable(source) else import_string(source)
        except ImportError:
            continue
        links[object_type] = visible_to(actor).filter(case_id=case.pk)
    return links


def case_links(case, actor) -> dict[str, QuerySet]:
    """The JITs, MLA requests and asset files of a case that the actor may see, by object type."""
    if not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise NotVisible()
    return _linked_visible(actor, case)


def case_timeline(case, actor) -> QuerySet[Event]:
    """Events of the case and of everything linked to it that the actor may see, newest first."""
    if not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise NotVisible()
    events = event_selectors.case_timeline(case.pk)
    if rules.reads_everything(actor):
        return events
    allowed = Q(object_type=Case._meta.label_lower)
    for object_type, visible in _linked_visible(actor, case).items():
        ids = visible.annotate(_pk_text=Cast("pk", CharField())).values("_pk_text")
        allowed |= Q(object_type=object_type, object_id__in=ids)
    return events.filter(allowed)
