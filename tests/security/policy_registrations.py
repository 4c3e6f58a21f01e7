"""How the generated policy tests build each scenario and ask the real permission code, per object kind.

The lead adds the domain kinds (mla.mlarequest, cases.case, cases.jit, assets.assetfile) here when their apps
land, and drops their `pending:` marks in policy.yaml.
"""

from django.contrib.admin.sites import site
from django.test import RequestFactory

from coopcases.accounts.models import User
from coopcases.accounts.permissions import user_may, users_visible_to
from coopcases.accounts.policy import ADMINISTRATOR, register_object_kind
from coopcases.accounts.roles import RoleCode
from coopcases.audit.models import AuditEntry
from coopcases.audit.selectors import audit_entries_visible_to, audit_may, may_export_audit
from coopcases.audit.services import audit_record
from tests.factories import UserFactory


def make_actor(role: str) -> User:
    if role == ADMINISTRATOR:
        return UserFactory(is_staff=True)
    return UserFactory(roles=[role], is_staff=role == RoleCode.AUDITOR)


def admin_request(actor):
    request = RequestFactory().get("/admin/")
    request.user = actor
    return request


def agreeing(from_sql: bool, from_python: bool, what: str) -> bool:
    """The visibility predicate (SQL) and the per-object check (Python) must never disagree."""
    assert from_sql == from_python, f"{what}: selector says {from_sql}, object check says {from_python}"
    return from_sql


# --- accounts.user -------------------------------------------------------------------------------------------

def user_scenario(role, relation):
    actor = make_actor(role)
    target = {
        "self": lambda: actor,
        "same_authority": lambda: UserFactory(authority=actor.authority),
        "other_authority": lambda: UserFactory(),
    }[relation]()
    return actor, target


def user_can_view(actor, target):
    return agreeing(users_visible_to(actor).filter(pk=target.pk).exists(), user_may(actor, target, "view"), "accounts.user view")


def user_can_do(actor, target, action):
    user_admin = site._registry[User]
    request = admin_request(actor)
    door = {
        "view_confidential": lambda: user_admin.has_view_permission(request, target),  # the form shows every field
        "create": lambda: user_admin.has_add_permission(request),
        "transition": lambda: user_admin.has_change_permission(request, target),
    }.get(action)
    allowed = user_may(actor, target, action)
    return agreeing(door(), allowed, f"accounts.user {action} (admin)") if door else allowed


register_object_kind("accounts.user", user_scenario, user_can_view, user_can_do)


# --- audit.auditentry ----------------------------------------------------------------------------------------

def audit_scenario(role, relation):
    actor = make_actor(role)
    author = {
        "own_action": lambda: actor,
        "own_authority": lambda: UserFactory(authority=actor.authority),
        "other": lambda: UserFactory(),
    }[relation]()
    return actor, audit_record(actor=author, action="update", object_type="test.thing", object_id="1")


def audit_can_view(actor, entry):
    return agreeing(audit_entries_visible_to(actor).filter(pk=entry.pk).exists(), audit_may(actor, entry, "view"), "audit view")


def audit_can_do(actor, entry, action):
    entry_admin = site._registry[AuditEntry]
    request = admin_request(actor)
    return {
        "view_confidential": lambda: entry_admin.has_view_permission(request, entry),
        "create": lambda: entry_admin.has_add_permission(request),
        "transition": lambda: entry_admin.has_change_permission(request, entry) or entry_admin.has_delete_permission(request, entry),
        "export": lambda: agreeing(may_export_audit(actor), audit_may(actor, entry, "export"), "audit export"),
    }[action]()


register_object_kind("audit.auditentry", audit_scenario, audit_can_view, audit_can_do)
