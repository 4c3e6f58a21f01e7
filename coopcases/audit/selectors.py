"""Reading the audit log: the `audit.auditentry` rows of policy.yaml (auditors read all of it, nobody else any)."""

from django.db.models import Q, QuerySet

from coopcases.accounts.policy import actor_may, policy, policy_roles
from coopcases.audit.models import AuditEntry

KIND = "audit.auditentry"


def audit_entry_relations(actor, entry: AuditEntry) -> set[str]:
    if entry.actor_id is not None and entry.actor_id == actor.pk:
        return {"own_action"}
    if actor.authority_id is not None and entry.authority_id == actor.authority_id:
        return {"own_authority"}
    return {"other"}


def _entries_for(actor, action: str) -> QuerySet[AuditEntry]:
    relations = policy().relations_allowing(policy_roles(actor), KIND, action)
    own = Q(actor_id=actor.pk) if actor.pk is not None else Q(pk__in=[])
    authority = Q(authority_id=actor.authority_id) if getattr(actor, "authority_id", None) is not None else Q(pk__in=[])
    predicate = Q(pk__in=[])
    if "own_action" in relations:
        predicate |= own
    if "own_authority" in relations:
        predicate |= ~own & authority
    if "other" in relations:
        predicate |= ~own & ~authority
    return AuditEntry.objects.filter(predicate)


def audit_entries_visible_to(actor) -> QuerySet[AuditEntry]:
    return _entries_for(actor, "view")


def audit_entries_exportable_by(actor) -> QuerySet[AuditEntry]:
    return _entries_for(actor, "export")


def may_read_audit(actor) -> bool:
    return bool(policy().relations_allowing(policy_roles(actor), KIND, "view"))


def may_export_audit(actor) -> bool:
    return bool(policy().relations_allowing(policy_roles(actor), KIND, "export"))


def audit_may(actor, entry: AuditEntry, action: str) -> bool:
    return actor_may(actor, KIND, audit_entry_relations(actor, entry), action)
