"""The access policy table (policy.yaml): loading it, asking it, rendering it, and the registry its tests use.

Permission code asks the table instead of restating it: a kind's code works out the actor's *relations* to an
object (own authority, assigned executing authority, member of the JIT…) and calls `actor_may`. Visibility
selectors turn the relations allowing `view` into one SQL predicate (see `coopcases.accounts.permissions`).

For the generated tests, each kind registers how to build an (actor, object) pair for a role and a relation
and how to ask its real permission code: `register_object_kind(kind, make_scenario, can_view, can_do)`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db.models import Q
from django.utils.module_loading import import_string

from coopcases.accounts.roles import RoleCode

POLICY_PATH = Path(__file__).with_name("policy.yaml")
EVERY_RELATION = "*"
ADMINISTRATOR = "administrator"
ABBREVIATIONS = {"view": "V", "view_confidential": "C", "create": "N", "transition": "T", "export": "E"}


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    relations: dict[str, str]
    confidential: tuple[str, ...]
    rules: dict[str, dict[str, frozenset[str]]]  # role -> relation -> actions, "*" expanded
    pending: str | None
    relations_of: str | None = None  # dotted path of `(actor, obj) -> set of relations`, the kind's permission code


@dataclass(frozen=True)
class Policy:
    actions: dict[str, str]
    roles: dict[str, str]
    kinds: dict[str, Kind]

    def allowed(self, kind: str, role: str, relation: str) -> frozenset[str]:
        return self.kinds[kind].rules.get(role, {}).get(relation, frozenset())

    def allows(self, roles: Iterable[str], kind: str, relations: Iterable[str], action: str) -> bool:
        relations = tuple(relations)
        return any(action in self.allowed(kind, role, relation) for role in roles for relation in relations)

    def relations_allowing(self, roles: Iterable[str], kind: str, action: str) -> set[str]:
        return {rel for rel in self.kinds[kind].relations if self.allows(roles, kind, [rel], action)}


def _parse(raw: dict) -> Policy:
    actions, roles = dict(raw["actions"]), dict(raw["roles"])
    unknown_roles = set(roles) - set(RoleCode.values) - {ADMINISTRATOR}
    if unknown_roles:
        raise PolicyError(f"roles not in RoleCode: {sorted(unknown_roles)}")
    kinds = {}
    for name, spec in raw["kinds"].items():
        relations = dict(spec["relations"])
        rules: dict[str, dict[str, frozenset[str]]] = {}
        for role, cells in (spec.get("rules") or {}).items():
            if role not in roles:
                raise PolicyError(f"{name}: unknown role {role!r}")
            expanded: dict[str, frozenset[str]] = {}
            for relation, allowed in cells.items():
                targets = list(relations) if relation == EVERY_RELATION else [relation]
                if relation != EVERY_RELATION and relation not in relations:
                    raise PolicyError(f"{name}: {role} names unknown relation {relation!r}")
                if set(allowed) - set(actions):
                    raise PolicyError(f"{name}: {role}/{relation} names unknown actions {sorted(set(allowed) - set(actions))}")
                for target in targets:
                    expanded[target] = expanded.get(target, frozenset()) | frozenset(allowed)
            rules[role] = expanded
        kinds[name] = Kind(
            name, spec["label"], relations, tuple(spec.get("confidential", ())), rules, spec.get("pending"), spec.get("relations_of")
        )
    return Policy(actions, roles, kinds)


@functools.cache
def policy() -> Policy:
    return _parse(yaml.safe_load(POLICY_PATH.read_text(encoding="utf-8")))


def policy_roles(user) -> frozenset[str]:
    """The table's roles of a user: their role codes, plus `administrator` for staff who are not auditors.

    Auditors and administrators stay separate duties: an auditor with admin access is not an administrator.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    roles = set(user.role_codes)
    if (user.is_staff or user.is_superuser) and RoleCode.AUDITOR not in roles:
        roles.add(ADMINISTRATOR)
    return frozenset(roles)


def actor_may(actor, kind: str, relations: Iterable[str], action: str) -> bool:
    return policy().allows(policy_roles(actor), kind, relations, action)


def actor_may_on(actor, obj, action: str) -> bool:
    """The table's answer for one object: its kind is its model label, its relations come from the kind's code."""
    kind = policy().kinds[obj._meta.label_lower]
    return actor_may(actor, kind.name, import_string(kind.relations_of)(actor, obj), action)


def visibility_filter(actor, kind: str, predicates: dict[str, Q | Callable[[], Q]], action: str = "view") -> Q | None:
    """The visibility predicate of a kind: the OR of the SQL predicates of the relations the actor's roles may view
    (or take another `action` on, e.g. `view_confidential`).

    `predicates` maps each relation to its predicate, or to a callable building it when it costs a query (called
    only if the relation is allowed); relations without one, like `unrelated`, match only when every relation is
    allowed. None means every row (auditors).
    """
    allowed = policy().relations_allowing(policy_roles(actor), kind, action)
    if allowed == set(policy().kinds[kind].relations):
        return None
    predicate = Q(pk__in=[])
    for relation in allowed & set(predicates):
        relation_predicate = predicates[relation]
        predicate |= relation_predicate() if callable(relation_predicate) else relation_predicate
    return predicate


def visible_fields(actor, obj, fields: Iterable[str]) -> list[str]:
    """`fields` without the kind's confidential ones unless the actor may `view_confidential` this object."""
    kind = policy().kinds.get(obj._meta.label_lower)
    if kind is None or not kind.confidential or actor_may_on(actor, obj, "view_confidential"):
        return list(fields)
    return [field for field in fields if field not in kind.confidential]


def confidential_depends_on_object(actor, kind: str) -> bool:
    """Whether some object the actor may view has confidential fields they may not see; when not, callers skip the
    per-object check (a list of fifty rows then costs no query more)."""
    roles = policy_roles(actor)
    confidential = policy().kinds[kind].confidential
    return bool(confidential) and bool(
        policy().relations_allowing(roles, kind, "view") - policy().relations_allowing(roles, kind, "view_confidential")
    )


def render_markdown(source: Policy | None = None) -> str:
    """The tables of docs/access-policy.md: per kind, roles down, relations across, allowed actions in the cells."""
    source = source or policy()
    legend = ", ".join(f"**{ABBREVIATIONS[a]}** {a.replace('_', ' ')}" for a in source.actions)
    out = [f"Legend: {legend}; **—** nothing. Anything not shown is refused.", ""]
    for kind in source.kinds.values():
        status = f" — *pending: wired when `{kind.pending}` lands*" if kind.pending else ""
        out += [f"### {kind.label} (`{kind.name}`){status}", ""]
        if kind.confidential:
            out += [f"Confidential fields: {', '.join(f'`{f}`' for f in kind.confidential)}.", ""]
        out += ["| relation | meaning |", "|---|---|"]
        out += [f"| `{rel}` | {meaning} |" for rel, meaning in kind.relations.items()]
        out += ["", "| role | " + " | ".join(f"`{rel}`" for rel in kind.relations) + " |"]
        out += ["|---" * (len(kind.relations) + 1) + "|"]
        for role in source.roles:
            cells = []
            for rel in kind.relations:
                allowed = source.allowed(kind.name, role, rel)
                cells.append(" ".join(ABBREVIATIONS[a] for a in source.actions if a in allowed) or "—")
            out.append(f"| {role} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- registry of checks for the generated tests ---------------------------------------------------------------

Scenario = Callable[[str, str], tuple[object, object]]  # (role, relation) -> (actor, object)


@dataclass(frozen=True)
class RegisteredKind:
    kind: str
    make_scenario: Scenario
    can_view: Callable[[object, object], bool]
    can_do: Callable[[object, object, str], bool]


_registered: dict[str, RegisteredKind] = {}


def register_object_kind(kind: str, make_scenario: Scenario, can_view, can_do) -> RegisteredKind:
    if kind not in policy().kinds:
        raise PolicyError(f"{kind} is not in policy.yaml")
    _registered[kind] = RegisteredKind(kind, make_scenario, can_view, can_do)
    return _registered[kind]


def registered_kinds() -> dict[str, RegisteredKind]:
    return dict(_registered)
