"""Reads of asset files, visibility first.

Who sees an asset is the `assets.asset` table of coopcases/accounts/policy.yaml, applied as one SQL predicate:
- auditors (read only) and superusers: every asset;
- case authority: users of the lead or a participating authority of the asset's case;
- executing state: executing authority officers of a state where one of the asset's orders is to be executed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from cases import rules
from cases.models import Case
from coopcases.accounts.policy import actor_may, visibility_filter
from coopcases.accounts.roles import RoleCode
from coopcases.core.exceptions import NotVisible

from .models import Asset, AssetOrder, SharingAgreement

# Roles that act on asset files; auditors only read.
AUTHORITY_ROLES = (RoleCode.LIAISON_MAGISTRATE, RoleCode.CENTRAL_AUTHORITY_OFFICER, RoleCode.EXECUTING_AUTHORITY_OFFICER)


KIND = "assets.asset"


def case_authority_ids(case) -> set[int]:
    """The authorities of a case: its lead and participating authorities."""
    return rules.case_authority_ids(case)


def _case_authority_q(authority_id: int, prefix: str = "") -> Q:
    participating = Case.participating_authorities.through.objects.filter(case_id=OuterRef(f"{prefix}case_id"), authority_id=authority_id)
    return Q(**{f"{prefix}case__lead_authority_id": authority_id}) | Q(Exists(participating))


def sees_everything(actor) -> bool:
    return bool(actor.is_superuser or actor.has_role(RoleCode.AUDITOR))


def _executing_state_orders(country_id: str):
    return AssetOrder.objects.filter(asset=OuterRef("pk"), executing_state_id=country_id)


def asset_relations(actor, asset: Asset) -> set[str]:
    """The actor's relations to an asset, as policy.yaml names them (the Python twin of the selector's predicates)."""
    relations = set()
    if actor.authority_id and actor.authority_id in case_authority_ids(asset.case):
        relations.add("case_authority")
    if actor.authority_id and asset.orders.filter(executing_state_id=actor.country_id).exists():
        relations.add("executing_state")
    return relations or {"unrelated"}


def asset_may(actor, asset: Asset, action: str) -> bool:
    return bool(actor.is_superuser) or actor_may(actor, KIND, asset_relations(actor, asset), action)


def assets_visible_to(actor) -> QuerySet[Asset]:
    """One SQL predicate over the asset table (EXISTS subqueries, no join fan-out)."""
    qs = Asset.objects.all()
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return qs.none()
    if actor.is_superuser:
        return qs
    predicates = {}
    if actor.authority_id:
        predicates = {
            "case_authority": _case_authority_q(actor.authority_id),
            "executing_state": lambda: Q(Exists(_executing_state_orders(actor.country_id))),
        }
    predicate = visibility_filter(actor, KIND, predicates)
    return qs if predicate is None else qs.filter(predicate)


def asset_get(*, actor, pk) -> Asset:
    asset = assets_visible_to(actor).select_related("case", "location_state", "responsible_authority").filter(pk=pk).first()
    if asset is None:
        raise NotVisible()
    return asset


def asset_orders(*, actor, asset) -> QuerySet[AssetOrder]:
    return AssetOrder.objects.filter(asset__in=assets_visible_to(actor).filter(pk=asset.pk)).select_related(
        "issuing_authority", "executing_state", "legal_basis", "network", "mla_request"
    )


def may_act_on(asset: Asset, actor) -> bool:
    """May `actor` change this asset file (add orders, perform transitions)? Auditors never may."""
    if not getattr(actor, "is_authenticated", False) or not actor.authority_id or not actor.has_role(*AUTHORITY_ROLES):
        return False
    if actor.authority_id in case_authority_ids(asset.case):
        return True
    return actor.has_role(RoleCode.EXECUTING_AUTHORITY_OFFICER) and asset.orders.filter(executing_state_id=actor.country_id).exists()


def may_act_on_case(case, actor) -> bool:
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.authority_id in case_authority_ids(case)
        and actor.has_role(*AUTHORITY_ROLES)
    )


def agreements_visible_to(actor) -> QuerySet[SharingAgreement]:
    qs = SharingAgreement.objects.all()
    if not getattr(actor, "is_authenticated", False):
        return qs.none()
    if sees_everything(actor):
        return qs
    if not actor.authority_id:
        return qs.none()
    # A party state's executing officers follow what their state is owed or must pay.
    visible = _case_authority_q(actor.authority_id)
    if actor.has_role(RoleCode.EXECUTING_AUTHORITY_OFFICER):
        visible |= Q(holding_state_id=actor.country_id) | Q(shares__party_id=actor.country_id)
    return qs.filter(pk__in=qs.filter(visible).values("pk"))


@dataclass(frozen=True)
class PartyBalance:
    party: str
    share: Decimal
    costs_reimbursed: Decimal
    entitled: Decimal
    transferred: Decimal
    owed: Decimal  # still to be transferred; 0 for the holding state, which retains its entitlement
    retained: bool


def agreement_balances(agreement: SharingAgreement) -> list[PartyBalance]:
    """Per party: its share, the costs reimbursed to it, what it was paid and what it is still owed."""
    costs = dict(agreement.deductions.values("incurred_by").annotate(t=Sum("amount")).values_list("incurred_by", "t"))
    paid = dict(agreement.transfers.values("party").annotate(t=Sum("amount")).values_list("party", "t"))
    parties = {s.party_id: s.amount for s in agreement.shares.all()}
    for party in costs:
        parties.setdefault(party, Decimal(0))
    result = []
    for party, share in parties.items():
        reimbursed = costs.get(party, Decimal(0))
        entitled = share + reimbursed
        transferred = paid.get(party, Decimal(0))
        retained = party == agreement.holding_state_id
        result.append(PartyBalance(party, share, reimbursed, entitled, transferred, Decimal(0) if retained else entitled - transferred, retained))
    return result


def asset_orders_visible_to(actor) -> QuerySet[AssetOrder]:
    """Orders of the assets the actor sees (one subquery over the asset predicate)."""
    return AssetOrder.objects.filter(asset__in=assets_visible_to(actor).values("pk"))
