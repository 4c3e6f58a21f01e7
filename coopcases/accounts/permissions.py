"""Who may see and manage which accounts: the `accounts.user` rows of policy.yaml, applied."""

from django.db.models import Q, QuerySet

from coopcases.accounts.models import User
from coopcases.accounts.policy import actor_may, policy, policy_roles

KIND = "accounts.user"


def user_relations(actor, target: User) -> set[str]:
    if target.pk is not None and target.pk == actor.pk:
        return {"self"}
    if actor.authority_id is not None and target.authority_id == actor.authority_id:
        return {"same_authority"}
    return {"other_authority"}


def users_visible_to(actor) -> QuerySet[User]:
    """One SQL predicate: the relations the actor's roles may view, OR-ed."""
    relations = policy().relations_allowing(policy_roles(actor), KIND, "view")
    others = ~Q(pk=actor.pk)
    same = Q(authority_id=actor.authority_id) if actor.authority_id is not None else Q(pk__in=[])
    predicate = Q(pk__in=[])
    if "self" in relations:
        predicate |= Q(pk=actor.pk)
    if "same_authority" in relations:
        predicate |= others & same
    if "other_authority" in relations:
        predicate |= others & ~same
    return User.objects.filter(predicate)


def user_may(actor, target: User | None, action: str) -> bool:
    """`target` None asks whether the actor may do `action` to any account (admin list, add buttons)."""
    if target is None:
        return bool(policy().relations_allowing(policy_roles(actor), KIND, action))
    return actor_may(actor, KIND, user_relations(actor, target), action)
