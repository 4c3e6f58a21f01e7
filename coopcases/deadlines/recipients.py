"""Recipients of deadline events: the responsible authority and its state's central authority are known here;
every other key (drafter, requesting_central_authority, jit_leaders…) is asked of the deadline's subject."""

from coopcases.accounts.models import User
from coopcases.accounts.roles import RoleCode
from coopcases.notifications.recipients import register_parent, register_resolver, resolve
from networks.models import AuthorityKind


@register_resolver("deadlines.deadline")
def deadline_recipients(deadline, key: str):
    if key == "responsible_authority":
        if deadline.responsible_authority_id is None:
            return User.objects.none()
        return User.objects.filter(authority_id=deadline.responsible_authority_id, is_active=True)
    if key == "responsible_central_authority":
        if deadline.responsible_authority_id is None:
            return User.objects.none()
        return User.objects.filter(
            is_active=True,
            authority__kind=AuthorityKind.CENTRAL_AUTHORITY,
            authority__country_id=deadline.responsible_authority.country_id,
            roles__code=RoleCode.CENTRAL_AUTHORITY_OFFICER,
        ).distinct()
    subject = deadline.subject
    return resolve(subject, key) if subject is not None else []


@register_parent("deadlines.deadline")
def deadline_subject(deadline):
    return deadline.subject
