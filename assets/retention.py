"""Retention of asset files: once closed for the period their policy sets, the holder is scrubbed.

The asset row stays (orders, sharing agreements and the audit trail point to it), with its kind, identifiers of
the property and amounts, which the sharing accounts need; the person or company holding it is cleared.
"""

from assets.models import Asset, AssetState, HolderType
from coopcases.audit.retention import RetentionHandler, closed_before, register_retention_handler

SCRUBBED_FIELDS = ["holder_name", "holder_type"]


def expired_assets(cutoff):
    return closed_before(Asset.objects.exclude(holder_name=""), closed_state=AssetState.CLOSED, cutoff=cutoff)


def pseudonymise_asset(asset: Asset) -> dict:
    asset.holder_name, asset.holder_type = "", HolderType.UNKNOWN
    asset.save(update_fields=["holder_name", "holder_type"])
    return {"scrubbed": SCRUBBED_FIELDS}


register_retention_handler(RetentionHandler(object_type="assets.asset", expired=expired_assets, pseudonymise=pseudonymise_asset))
