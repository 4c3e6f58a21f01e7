"""Who is told: each domain app registers, for its object type, how to resolve a recipient key to users,
and who may see its objects.

Domain apps declare both in `<app>/recipients.py`; the notifications app imports those modules at start-up.

    @register_resolver("mla.mlarequest")
    def mla_request_recipients(obj, key: str):
        ...  # return an iterable of users for keys such as "drafter", "requesting_central_authority"

    @register_visibility("mla.mlarequest")
    def mla_request_visible(user, obj) -> bool:
        ...  # the same rule as the app's selector, for one object

    @register_parent("deadlines.deadline")
    def deadline_subject(deadline):
        return deadline.subject  # a deadline is visible exactly when its subject is

Recipient keys in use (a resolver returns nothing for a key it does not know): see RECIPIENT_KEYS.

Visibility: a user found by a resolver is trusted to see the object unless the object type registered a
visibility check (then it must pass). A partner system (webhook subscription owner) is never trusted: its events
are sent only when the object type registered a check and the check passes ("strict").
"""

from collections.abc import Callable, Iterable

RECIPIENT_KEYS = {
    "drafter",
    "requesting_authority",
    "requesting_central_authority",
    "requested_central_authority",
    "executing_authority",
    "responsible_authority",
    "responsible_central_authority",
    "jit_leaders",
    "jit_members",
    "case_authorities",
}

Resolver = Callable[[object, str], Iterable]
Visibility = Callable[[object, object], bool]
_resolvers: dict[str, Resolver] = {}
_visibility: dict[str, Visibility] = {}
_parents: dict[str, Callable[[object], object]] = {}


def register_resolver(object_type: str):
    def decorator(func: Resolver) -> Resolver:
        _resolvers[object_type] = func
        return func

    return decorator


def register_recipient_keys(*keys: str) -> None:
    RECIPIENT_KEYS.update(keys)


def known_recipient_keys() -> frozenset[str]:
    return frozenset(RECIPIENT_KEYS)


def register_visibility(object_type: str):
    def decorator(func: Visibility) -> Visibility:
        _visibility[object_type] = func
        return func

    return decorator


def register_parent(object_type: str):
    def decorator(func):
        _parents[object_type] = func
        return func

    return decorator


def resolve(obj, key: str) -> list:
    resolver = _resolvers.get(obj._meta.label_lower)
    return list(resolver(obj, key)) if resolver else []


def may_see(user, obj, *, strict: bool = False) -> bool:
    """Whether `user` may be told about `obj`; `strict` refuses object types without a registered check."""
    while obj is not None and obj._meta.label_lower in _parents:
        obj = _parents[obj._meta.label_lower](obj)
    if obj is None:
        return not strict
    check = _visibility.get(obj._meta.label_lower)
    return bool(check(user, obj)) if check else not strict
