"""Who is told about an MLA request: recipient keys resolved to active users (see coopcases.notifications.recipients)."""

from coopcases.accounts.models import User
from coopcases.accounts.roles import RoleCode
from coopcases.notifications.recipients import register_resolver


def _officers(authority_id, role: str):
    if authority_id is None:
        return User.objects.none()
    return User.objects.filter(authority_id=authority_id, is_active=True, roles__code=role).distinct().order_by("pk")


@register_resolver("mla.mlarequest")
def mla_request_recipients(req, key: str):
    if key == "drafter":
        return [req.created_by] if req.created_by.is_active else []
    if key == "requesting_authority":
        return _officers(req.requesting_authority_id, RoleCode.LIAISON_MAGISTRATE)
    if key == "requesting_central_authority":
        return _officers(req.requesting_central_authority_id, RoleCode.CENTRAL_AUTHORITY_OFFICER)
    if key == "requested_central_authority":
        return _officers(req.requested_central_authority_id, RoleCode.CENTRAL_AUTHORITY_OFFICER)
    if key == "executing_authority":
        return _officers(req.executing_authority_id, RoleCode.EXECUTING_AUTHORITY_OFFICER)
    return []
