"""How the generated policy tests build each scenario and ask the real permission code, per object kind.

Each kind's `can_view` asks its visibility selector (SQL) and its per-object check (Python) and requires them to
agree; `can_do` asks the code that guards the action where the app has one (workflow guards, confidential-part
selectors, admin permissions), again requiring agreement with the table-backed per-object check.
"""

from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.utils import timezone

from assets import selectors as asset_selectors
from cases import rules as case_rules
from cases import selectors as case_selectors
from cases.models import CasePerson, JITParticipant, ParticipantAccess
from coopcases.accounts.models import User
from coopcases.accounts.permissions import user_may, users_visible_to
from coopcases.accounts.policy import ADMINISTRATOR, register_object_kind, visible_fields
from coopcases.accounts.roles import RoleCode
from coopcases.audit.models import AuditEntry
from coopcases.audit.selectors import audit_entries_visible_to, audit_may, may_export_audit
from coopcases.audit.services import audit_record
from coopcases.core.exceptions import ActionForbidden, NotVisible
from networks.models import Authority
from requests import selectors as mla_selectors
from requests import workflow as mla_workflow
from requests.models import MlaRequest, MlaRequestState
from tests.assets.factories import AssetFactory, OrderFactory
from tests.cases.factories import CaseFactory, JITFactory
from tests.factories import AuthorityFactory, UserFactory
from tests.requests.factories import build_world, complete_draft


def make_actor(role: str, **fields) -> User:
    if role == ADMINISTRATOR:
        return UserFactory(is_staff=True, **fields)
    return UserFactory(roles=[role], is_staff=role == RoleCode.AUDITOR, **fields)


def raises_nothing(call) -> bool:
    try:
        call()
    except (NotVisible, ActionForbidden):
        return False
    return True


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


# --- mla.mlarequest ------------------------------------------------------------------------------------------

def mla_scenario(role, relation):
    """A request from Peru to Spain, transmitted through IberRed and assigned for execution, with a person concerned."""
    w = build_world()
    req = complete_draft(w, "PE")
    now = timezone.now()
    MlaRequest.objects.filter(pk=req.pk).update(
        state=MlaRequestState.IN_EXECUTION, submitted_at=now, transmitted_at=now, channel_network=w.networks["iberred"],
        requesting_central_authority=w.authorities["pe-fn"], requested_central_authority=w.authorities["es-mjusticia"],
        executing_authority=w.authorities["es-anticorrupcion"],
    )
    authority = {
        "requesting_authority": w.authorities["pe-fecor"],
        "requesting_central_authority": w.authorities["pe-fn"],
        "requested_central_authority": w.authorities["es-mjusticia"],
        "executing_authority": w.authorities["es-anticorrupcion"],
    }.get(relation) or Authority.objects.get(code="uy-fiscalia")
    actor = make_actor(role, authority=authority)
    if relation in ("routing_network", "other_network"):
        actor.contact_point_networks.set([w.networks["iberred" if relation == "routing_network" else "rfai"]])
    return actor, MlaRequest.objects.get(pk=req.pk)


def mla_can_view(actor, req):
    return agreeing(
        mla_selectors.mla_requests_visible_to(actor).filter(pk=req.pk).exists(), mla_selectors.mla_request_may(actor, req, "view"), "mla view"
    )


def mla_can_do(actor, req, action):
    allowed = mla_selectors.mla_request_may(actor, req, action)
    door = {
        "view_confidential": lambda: raises_nothing(lambda: mla_selectors.mla_request_persons(actor=actor, pk=req.pk, purpose="policy test"))
        and "persons" in visible_fields(actor, req, ["persons"]),
        "create": lambda: mla_workflow.may_draft(req, actor),
    }.get(action)
    if action == "view_confidential" and not mla_can_view(actor, req):
        return agreeing(False, allowed, "mla view_confidential")
    if action == "view_confidential":  # the API's rows decide it in SQL
        rows = mla_selectors.mla_request_rows(actor, mla_selectors.with_deadlines(mla_selectors.mla_requests_visible_to(actor)).filter(pk=req.pk))
        agreeing(bool(rows.get()["confidential_shown"]), allowed, "mla view_confidential (API rows)")
    return agreeing(door(), allowed, f"mla {action}") if door else allowed


register_object_kind("mla.mlarequest", mla_scenario, mla_can_view, mla_can_do)


# --- cases.case ----------------------------------------------------------------------------------------------

def case_scenario(role, relation):
    lead, participating = AuthorityFactory(), AuthorityFactory()
    case = CaseFactory(lead_authority=lead, participating_authorities=[participating])
    CasePerson.objects.create(case=case, kind="person", role="suspect", name="Juan Pérez")
    authority = {"lead_authority": lead, "participating_authority": participating}.get(relation) or AuthorityFactory()
    return make_actor(role, authority=authority), case


def case_can_view(actor, case):
    return agreeing(case_selectors.cases_visible_to(actor).filter(pk=case.pk).exists(), case_selectors.case_may(actor, case, "view"), "case view")


def case_can_do(actor, case, action):
    allowed = case_selectors.case_may(actor, case, action)
    door = {
        "view_confidential": lambda: case_selectors.case_persons_visible_to(actor).filter(case=case).exists(),
        "create": lambda: case_rules.may_work_case(actor, case),
        "transition": lambda: case_rules.may_work_case(actor, case),
    }.get(action)
    return agreeing(door(), allowed, f"case {action}") if door else allowed


register_object_kind("cases.case", case_scenario, case_can_view, case_can_do)


# --- cases.jointinvestigationteam ----------------------------------------------------------------------------

def jit_scenario(role, relation):
    first, second = AuthorityFactory(), AuthorityFactory()
    jit = JITFactory(active=True, parties=[first, second])
    actor = make_actor(role, authority=second if relation == "party" else AuthorityFactory())
    if relation in ("admitted_participant", "admitted_full_access"):
        participant = JITParticipant.objects.create(
            jit=jit, organisation="eurojust",
            access_level=ParticipantAccess.FULL if relation == "admitted_full_access" else ParticipantAccess.OPERATIONAL,
        )
        participant.admitted_users.add(actor)
    return actor, jit


def jit_can_view(actor, jit):
    return agreeing(case_selectors.jits_visible_to(actor).filter(pk=jit.pk).exists(), case_selectors.jit_may(actor, jit, "view"), "jit view")


def jit_can_do(actor, jit, action):
    allowed = case_selectors.jit_may(actor, jit, action)
    door = {
        "view_confidential": lambda: jit_can_view(actor, jit) and raises_nothing(lambda: case_selectors.jit_action_plan(actor, jit)),
        "create": lambda: case_rules.is_jit_drafter(actor, jit),
        "transition": lambda: case_rules.is_jit_team_worker(actor, jit),
    }.get(action)
    return agreeing(door(), allowed, f"jit {action}") if door else allowed


register_object_kind("cases.jointinvestigationteam", jit_scenario, jit_can_view, jit_can_do)


# --- assets.asset --------------------------------------------------------------------------------------------

def asset_scenario(role, relation):
    lead, participating = AuthorityFactory(), AuthorityFactory()
    asset = AssetFactory(case=CaseFactory(lead_authority=lead, participating_authorities=[participating]), holder_name="Juan Pérez")
    executing = AuthorityFactory()
    OrderFactory(asset=asset, executing_state=executing.country)
    authority = {"case_authority": participating, "executing_state": executing}.get(relation) or AuthorityFactory()
    return make_actor(role, authority=authority), asset


def asset_can_view(actor, asset):
    return agreeing(
        asset_selectors.assets_visible_to(actor).filter(pk=asset.pk).exists(), asset_selectors.asset_may(actor, asset, "view"), "asset view"
    )


def asset_can_do(actor, asset, action):
    allowed = asset_selectors.asset_may(actor, asset, action)
    door = {
        "view_confidential": lambda: "holder_name" in visible_fields(actor, asset, ["holder_name", "description"]),
        "create": lambda: asset_selectors.may_act_on_case(asset.case, actor),
        "transition": lambda: asset_selectors.may_act_on(asset, actor),
    }.get(action)
    return agreeing(door(), allowed, f"asset {action}") if door else allowed


register_object_kind("assets.asset", asset_scenario, asset_can_view, asset_can_do)
