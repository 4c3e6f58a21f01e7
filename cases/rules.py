"""Who may do what on cases and JITs: small predicates shared by the workflows, services and selectors.

`actor=None` is the system (Celery sweeps, management commands): it passes every right check, never the
business rules. Auditors read everything and change nothing; network contact points only facilitate, so they
never see confidential parts (persons of interest, the operational action plan).
"""

from __future__ import annotations

from coopcases.accounts.roles import RoleCode

# Roles that work a case for their authority (a partner system's service account pushes its own cases).
CASE_WORK_ROLES = (
    RoleCode.LIAISON_MAGISTRATE,
    RoleCode.CENTRAL_AUTHORITY_OFFICER,
    RoleCode.EXECUTING_AUTHORITY_OFFICER,
    RoleCode.SERVICE_ACCOUNT,
)
# Roles that propose, draft and sign a JIT agreement for their authority.
JIT_DRAFTING_ROLES = (RoleCode.LIAISON_MAGISTRATE, RoleCode.CENTRAL_AUTHORITY_OFFICER)
# Roles that work inside a team (members record meetings, evidence exchanges, action-plan items).
JIT_TEAM_ROLES = (RoleCode.LIAISON_MAGISTRATE, RoleCode.CENTRAL_AUTHORITY_OFFICER, RoleCode.EXECUTING_AUTHORITY_OFFICER)

CASE_WORKERS = "case workers of the lead authority"
JIT_DRAFTERS = "liaison magistrates or central authority officers of a party"
JIT_TEAM = "members or officers of a party"


def is_system(actor) -> bool:
    return actor is None


def is_superuser(actor) -> bool:
    return actor is not None and actor.is_superuser


def is_auditor(actor) -> bool:
    return actor is not None and actor.has_role(RoleCode.AUDITOR)


def reads_everything(actor) -> bool:
    return is_system(actor) or is_superuser(actor) or is_auditor(actor)


def case_authority_ids(case) -> set[int]:
    cached = case.__dict__.get("_authority_ids")
    if cached is None:
        cached = {case.lead_authority_id, *case.participating_authorities.values_list("pk", flat=True)}
        case.__dict__["_authority_ids"] = cached
    return cached


def may_work_case(actor, case) -> bool:
    """Change the case itself and its status: the lead authority's case workers."""
    if is_system(actor) or is_superuser(actor):
        return True
    return actor.authority_id == case.lead_authority_id and actor.has_role(*CASE_WORK_ROLES)


def may_add_to_case(actor, case) -> bool:
    """Add persons of interest or JITs: case workers of any of the case's authorities."""
    if is_system(actor) or is_superuser(actor):
        return True
    return actor.authority_id in case_authority_ids(case) and actor.has_role(*CASE_WORK_ROLES)


def may_see_persons(actor, case) -> bool:
    """Persons of interest: the case's authorities' case workers and auditors; facilitators never."""
    return reads_everything(actor) or may_add_to_case(actor, case)


def party_authority_ids(jit) -> set[int]:
    cached = jit.__dict__.get("_party_authority_ids")
    if cached is None:
        cached = set(jit.parties.values_list("authority_id", flat=True))
        jit.__dict__["_party_authority_ids"] = cached
    return cached


def forget_parties(jit) -> None:
    jit.__dict__.pop("_party_authority_ids", None)
    jit.__dict__.pop("_team_authority_ids", None)


def team_authority_ids(jit) -> set[int]:
    """Party authorities and the agencies of current members."""
    cached = jit.__dict__.get("_team_authority_ids")
    if cached is None:
        members = jit.members.filter(removed_at__isnull=True).values_list("authority_id", flat=True)
        cached = party_authority_ids(jit) | set(members)
        jit.__dict__["_team_authority_ids"] = cached
    return cached


def is_jit_drafter(actor, jit) -> bool:
    if is_system(actor) or is_superuser(actor):
        return True
    return actor.authority_id in party_authority_ids(jit) and actor.has_role(*JIT_DRAFTING_ROLES)


def is_jit_team_worker(actor, jit) -> bool:
    if is_system(actor) or is_superuser(actor):
        return True
    if not actor.has_role(*JIT_TEAM_ROLES):
        return False
    if actor.authority_id in team_authority_ids(jit):
        return True
    return jit.members.filter(user=actor, removed_at__isnull=True).exists()
