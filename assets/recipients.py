"""Who is told about an asset file, an order on it (e.g. its renewal deadline) or a sharing agreement."""

from coopcases.accounts.models import User
from coopcases.accounts.roles import RoleCode
from coopcases.notifications.recipients import register_resolver

from .models import Asset, AssetOrder, SharingAgreement
from .selectors import AUTHORITY_ROLES, case_authority_ids


def _users(**filters):
    return User.objects.filter(is_active=True, **filters).distinct()


def _authority_users(authority_ids):
    return _users(authority_id__in=[a for a in authority_ids if a], roles__code__in=AUTHORITY_ROLES)


def _executing_officers(country_ids):
    return _users(authority__country_id__in=list(country_ids), roles__code=RoleCode.EXECUTING_AUTHORITY_OFFICER)


@register_resolver("assets.asset")
def asset_recipients(asset: Asset, key: str):
    if key == "case_authorities":
        return _authority_users(case_authority_ids(asset.case))
    if key == "responsible_authority":
        return _authority_users([asset.responsible_authority_id])
    if key == "executing_authority":
        return _executing_officers(asset.orders.exclude(executing_state=None).values_list("executing_state_id", flat=True))
    return []


@register_resolver("assets.assetorder")
def order_recipients(order: AssetOrder, key: str):
    if key == "case_authorities":
        return _authority_users(case_authority_ids(order.case))
    if key == "responsible_authority":  # the issuing authority renews or confirms its order
        return _authority_users([order.issuing_authority_id])
    if key == "executing_authority":
        if order.executing_authority_id:
            return _authority_users([order.executing_authority_id])
        return _executing_officers([order.executing_state_id] if order.executing_state_id else [])
    return []


@register_resolver("assets.sharingagreement")
def agreement_recipients(agreement: SharingAgreement, key: str):
    if key == "case_authorities":
        return _authority_users(case_authority_ids(agreement.case))
    if key == "executing_authority":  # the officers of the state that holds the funds and pays
        return _executing_officers([agreement.holding_state_id])
    return []
