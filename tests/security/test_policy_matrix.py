"""The permission matrix, generated from coopcases/accounts/policy.yaml: one test per kind × role × relation.

Each test builds the scenario, asks the kind's real permission code for every action, and compares with the
table. The docs table is rendered from the same file, so the policy, the docs and the tests cannot drift.
"""

import importlib.util
from pathlib import Path

import pytest
from django.apps import apps
from django.utils.module_loading import import_string

from coopcases.accounts.policy import POLICY_PATH, _parse, policy, registered_kinds, render_markdown
from tests.security import policy_registrations  # noqa: F401 (registers the kinds)

POLICY = policy()
DOCS = Path(__file__).resolve().parents[2] / "docs" / "access-policy.md"
BEGIN, END = "<!-- policy-table:begin -->", "<!-- policy-table:end -->"

CASES = [
    pytest.param(kind.name, role, relation, id=f"{kind.name}-{role}-{relation}")
    for kind in POLICY.kinds.values() if not kind.pending
    for role in POLICY.roles
    for relation in kind.relations
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "role", "relation"), CASES)
def test_the_code_allows_exactly_what_the_table_says(kind, role, relation):
    registered = registered_kinds()[kind]
    actor, obj = registered.make_scenario(role, relation)
    expected = POLICY.allowed(kind, role, relation)
    actual = {action for action in POLICY.actions
              if (registered.can_view(actor, obj) if action == "view" else registered.can_do(actor, obj, action))}
    assert actual == expected, f"unexpected allows {sorted(actual - expected)}, unexpected refusals {sorted(expected - actual)}"


def test_every_kind_in_force_has_registered_checks():
    missing = [kind.name for kind in POLICY.kinds.values() if not kind.pending and kind.name not in registered_kinds()]
    assert not missing, f"kinds in policy.yaml without checks in tests/security/policy_registrations.py: {missing}"


def test_a_pending_kind_is_wired_as_soon_as_its_app_has_selectors():
    for kind in (k for k in POLICY.kinds.values() if k.pending):
        assert importlib.util.find_spec(f"{kind.pending}.selectors") is None, (
            f"{kind.pending} now has selectors: register {kind.name} in tests/security/policy_registrations.py "
            f"(scenario, can_view, can_do calling its permission code) and remove `pending` from policy.yaml"
        )
        assert kind.name not in registered_kinds(), f"{kind.name} is registered: remove its `pending` mark"


def test_every_kind_in_force_names_its_permission_code_and_model():
    for kind in POLICY.kinds.values():
        if not kind.pending:
            assert apps.get_model(kind.name)._meta.label_lower == kind.name
            assert callable(import_string(kind.relations_of)), kind.name


def test_auditors_change_nothing_and_read_everything():
    for kind in POLICY.kinds.values():
        for relation in kind.relations:
            allowed = POLICY.allowed(kind.name, "auditor", relation)
            assert not allowed & {"create", "transition"}, kind.name
            assert {"view", "view_confidential"} <= allowed, (kind.name, relation)


def test_facilitators_never_see_confidential_fields():
    for kind in POLICY.kinds.values():
        for relation in kind.relations:
            if kind.name != "accounts.user":
                assert "view_confidential" not in POLICY.allowed(kind.name, "network_contact_point", relation)


def test_docs_show_the_current_table():
    text = DOCS.read_text(encoding="utf-8")
    shown = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert shown == render_markdown().strip(), "docs/access-policy.md is stale: run `manage.py policy_table --write`"


def test_the_table_rejects_unknown_names():
    raw = __import__("yaml").safe_load(POLICY_PATH.read_text())
    raw["kinds"]["audit.auditentry"]["rules"]["auditor"] = {"nowhere": ["view"]}
    with pytest.raises(ValueError, match="unknown relation"):
        _parse(raw)
