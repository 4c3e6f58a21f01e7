"""Who is told about cases and JITs (see coopcases.notifications.recipients for the keys)."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from cases import rules
from cases.models import JITMemberRole
from coopcases.notifications.recipients import register_resolver


def _working_users_of(authority_ids, roles):
    return (
        get_user_model()
        .objects.filter(is_active=True, authority_id__in=authority_ids, roles__code__in=roles)
        .distinct()
        .order_by("pk")
    )


@register_resolver("cases.case")
def case_recipients(case, key: str):
    if key != "case_authorities":
        return []
    return _working_users_of(rules.case_authority_ids(case), rules.CASE_WORK_ROLES)


@register_resolver("cases.jointinvestigationteam")
def jit_recipients(jit, key: str):
    """Leaders and members with an account; for a leader without one, the officers of the leader's agency."""
    members = jit.members.filter(removed_at__isnull=True)
    if key == "jit_leaders":
        leaders = members.filter(role=JITMemberRole.LEADER)
        without_account = leaders.filter(user__isnull=True).values("authority_id")
        return (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(
                Q(pk__in=leaders.filter(user__isnull=False).values("user_id"))
                | Q(authority_id__in=without_account, roles__code__in=rules.JIT_DRAFTING_ROLES)
            )
            .distinct()
            .order_by("pk")
        )
    if key == "jit_members":
        return get_user_model().objects.filter(is_active=True, pk__in=members.filter(user__isnull=False).values("user_id")).order_by("pk")
    return []
