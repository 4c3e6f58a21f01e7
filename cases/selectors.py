"""Reads of cases and JITs, visibility first. Each `*_visible_to(actor)` is one SQL predicate (EXISTS subqueries,
no DISTINCT, no per-row Python), so lists stay fast and paginate with any ordering.

Who sees what is the `cases.case` and `cases.jointinvestigationteam` tables of coopcases/accounts/policy.yaml: each
relation has a predicate here, and the actor's roles select the relations allowing the action:
- a case: users of its lead authority or of a participating authority; auditors.
- its persons of interest (confidential): the case workers of those authorities, never facilitators; auditors.
- a JIT: users of a party authority or of a current member's agency, current members, users admitted through a
  participant; auditors. A user of a state that is not a party sees nothing of it.
- inside a JIT, what a participant sees depends on its access level; facilitators never see the action plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
from coopcases.accounts.policy import actor_may, policy, policy_roles, visibility_filter
from coopcases.core.exceptions import ActionForbidden, NotVisible
from coopcases.events import selectors as event_selectors
from coopcases.events.models import Event

CASE_KIND = "cases.case"
JIT_KIND = "cases.jointinvestigationteam"


def _sees_nothing(actor) -> bool:
    return actor is not None and not actor.is_active


def _sees_everything(actor) -> bool:
    """The system (actor None) and superusers; auditors read everything through the policy table."""
    return rules.is_system(actor) or rules.is_superuser(actor)


def _visible(qs: QuerySet, actor, kind: str, predicates: Callable[[Any], dict[str, Q]]) -> QuerySet:
    """`predicates(actor)` is built only for an actor the table decides about (the system has no authority)."""
    if _sees_nothing(actor):
        return qs.none()
    if _sees_everything(actor):
        return qs
    predicate = visibility_filter(actor, kind, predicates(actor))
    return qs if predicate is None else qs.filter(predicate)


def case_relations(actor, case: Case) -> set[str]:
    """The actor's relations to a case, as policy.yaml names them (the Python twin of `_case_predicates`)."""
    if actor.authority_id is not None and actor.authority_id == case.lead_authority_id:
        return {"lead_authority"}
    if actor.authority_id is not None and actor.authority_id in rules.case_authority_ids(case):
        return {"participating_authority"}
    return {"unrelated"}


def _case_predicates(actor, prefix: str = "") -> dict[str, Q]:
    if actor.authority_id is None:
        return {}
    case_id = OuterRef("case_id" if prefix else "pk")
    participating = Case.participating_authorities.through.objects.filter(case_id=case_id, authority_id=actor.authority_id)
    return {
        "lead_authority": Q(**{f"{prefix}lead_authority_id": actor.authority_id}),
        "participating_authority": Q(Exists(participating)),
    }


def case_may(actor, case: Case, action: str) -> bool:
    return _sees_everything(actor) or actor_may(actor, CASE_KIND, case_relations(actor, case), action)


def cases_visible_to(actor) -> QuerySet[Case]:
    return _visible(Case.objects.all(), actor, CASE_KIND, _case_predicates)


def case_get(actor, pk) -> Case:
    case = cases_visible_to(actor).select_related("lead_authority__country").filter(pk=pk).first()
    if case is None:
        raise NotVisible()
    return case


def case_persons_visible_to(actor) -> QuerySet[CasePerson]:
    """Persons of interest are the case's confidential part: the relations allowing `view_confidential`."""
    qs = CasePerson.objects.all()
    if _sees_nothing(actor):
        return qs.none()
    if _sees_everything(actor):
        return qs
    allowed = policy().relations_allowing(policy_roles(actor), CASE_KIND, "view_confidential")
    if allowed == set(policy().kinds[CASE_KIND].relations):
        return qs
    predicate = Q(pk__in=[])
    for relation, q in _case_predicates(actor, prefix="case__").items():
        if relation in allowed:
            predicate |= q
    return qs.filter(predicate)


def jit_relations(actor, jit: JointInvestigationTeam) -> set[str]:
    """The actor's relations to a JIT, as policy.yaml names them (the Python twin of `_jit_predicates`)."""
    relations = set()
    if actor.authority_id in rules.team_authority_ids(jit) or jit.members.filter(user_id=actor.pk, removed_at__isnull=True).exists():
        relations.add("party")
    levels = set(jit.participants.filter(admitted_users=actor.pk).values_list("access_level", flat=True)) if actor.pk else set()
    if ParticipantAccess.FULL in levels:
        relations.add("admitted_full_access")
    elif levels:
        relations.add("admitted_participant")
    return relations or {"unrelated"}


def _jit_predicates(actor) -> dict[str, Q]:
    current_members = JITMember.objects.filter(jit_id=OuterRef("pk"), removed_at__isnull=True)
    admitted = JITParticipant.admitted_users.through.objects.filter(jitparticipant__jit_id=OuterRef("pk"), user_id=actor.pk)
    party = Q(Exists(current_members.filter(user_id=actor.pk)))
    if actor.authority_id is not None:
        party |= Q(Exists(JITParty.objects.filter(jit_id=OuterRef("pk"), authority_id=actor.authority_id)))
        party |= Q(Exists(current_members.filter(authority_id=actor.authority_id)))
    return {
        "party": party,
        "admitted_participant": Q(Exists(admitted.exclude(jitparticipant__access_level=ParticipantAccess.FULL))),
        "admitted_full_access": Q(Exists(admitted.filter(jitparticipant__access_level=ParticipantAccess.FULL))),
    }


def jit_may(actor, jit: JointInvestigationTeam, action: str) -> bool:
    return _sees_everything(actor) or actor_may(actor, JIT_KIND, jit_relations(actor, jit), action)


def jits_visible_to(actor) -> QuerySet[JointInvestigationTeam]:
    return _visible(JointInvestigationTeam.objects.all(), actor, JIT_KIND, _jit_predicates)


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
    granted = max(levels, key=_ACCESS_RANK.__getitem__, default="none")
    if granted == ParticipantAccess.FULL and not actor.has_role(*rules.JIT_TEAM_ROLES):
        return ParticipantAccess.OPERATIONAL  # the action plan is confidential: facilitators never see it
    return granted


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
# A value is a callable or its dotted path (the requests and assets apps import this one).
LINKED_SOURCES: dict[str, str | Callable] = {
    "cases.jointinvestigationteam": "cases.selectors.jits_visible_to",
    "mla.mlarequest": "requests.selectors.mla_requests_visible_to",
    "assets.asset": "assets.selectors.assets_visible_to",
}


def _linked_visible(actor, case) -> dict[str, QuerySet]:
    links = {}
    for object_type, source in LINKED_SOURCES.items():
        visible_to = source if callable(source) else import_string(source)
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
