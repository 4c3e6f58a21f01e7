"""Retention of the domain records: MLA requests, cases, JITs and asset files, closed longer than their policy
allows, are pseudonymised by the daily sweep task, each in its own audit entry; nothing else is touched."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assets.models import Asset, AssetState
from cases.models import Case, CasePerson, CaseStatus, JITMember, JITStatus, JointInvestigationTeam
from coopcases.audit.models import AuditEntry, RetentionPolicy
from coopcases.audit.tasks import retention_sweep
from coopcases.events.services import event_emit
from requests.models import MlaRequest, MlaRequestState, PersonConcerned
from tests.assets.factories import AssetFactory
from tests.audit.helpers import clock_at
from tests.cases.factories import CaseFactory, CasePersonFactory, JITFactory
from tests.requests.factories import build_world, complete_draft

pytestmark = pytest.mark.django_db


def _closed(obj, state_field: str, closed_state: str, days_ago: int, monkeypatch):
    """Close `obj` (its workflow's end state) with its status-history event `days_ago` days back."""
    type(obj).objects.filter(pk=obj.pk).update(**{state_field: closed_state})
    with clock_at(monkeypatch, timezone.now() - timedelta(days=days_ago)):
        event_emit(obj=obj, event_type="test.close", actor=None, to_state=closed_state)
    return obj


def _period(kind: str) -> int:
    return RetentionPolicy.objects.get(object_type=kind).days_after_closure


def _sweep_and_entry(kind: str, obj):
    result = retention_sweep.run()
    entry = AuditEntry.objects.get(action="pseudonymise", object_type=kind, object_id=str(obj.pk))
    assert entry.door == "task" and f"{_period(kind)} days after closure" in entry.reason and "verify" in entry.reason
    return result, entry


def test_every_domain_kind_has_a_sourced_policy_and_a_handler():
    result = retention_sweep.run()
    kinds = {"mla.mlarequest", "cases.case", "cases.jointinvestigationteam", "assets.asset"}
    assert kinds <= set(result["done"]) and not kinds & set(result["unhandled"])
    assert all(p.source and not p.verified for p in RetentionPolicy.objects.filter(object_type__in=kinds))


def test_mla_requests_lose_persons_and_facts_once_their_period_after_closure_has_passed(monkeypatch):
    world = build_world()
    period = _period("mla.mlarequest")
    old = _closed(complete_draft(world, "PE"), "state", MlaRequestState.CLOSED, period + 1, monkeypatch)
    recent = _closed(complete_draft(world, "PE"), "state", MlaRequestState.CLOSED, period - 1, monkeypatch)
    still_open = complete_draft(world, "PE")
    result, entry = _sweep_and_entry("mla.mlarequest", old)
    assert result["done"]["mla.mlarequest"] == 1
    old = MlaRequest.objects.get(pk=old.pk)
    assert old.facts_summary == "" and not PersonConcerned.objects.filter(request=old).exists()
    assert entry.after == {"scrubbed": ["persons", "facts_summary", "persons_unknown_reason"], "persons_removed": 1}
    assert "Juan" not in str(entry.after) and "cocaine" not in str(entry.after)
    for kept in (recent, still_open):
        assert PersonConcerned.objects.filter(request=kept).exists() and MlaRequest.objects.get(pk=kept.pk).facts_summary
    assert retention_sweep.run()["done"]["mla.mlarequest"] == 0  # done once


def test_a_request_reopened_and_closed_again_counts_from_its_last_closure(monkeypatch):
    world = build_world()
    period = _period("mla.mlarequest")
    req = _closed(complete_draft(world, "PE"), "state", MlaRequestState.CLOSED, period + 30, monkeypatch)
    _closed(req, "state", MlaRequestState.CLOSED, 5, monkeypatch)
    assert retention_sweep.run()["done"]["mla.mlarequest"] == 0
    assert PersonConcerned.objects.filter(request=req).exists()


def test_cases_pseudonymise_their_persons_of_interest(monkeypatch):
    period = _period("cases.case")
    old, recent = CaseFactory(), CaseFactory()
    CasePersonFactory(case=old, name="Juan Pérez", notes="lives in Callao")
    CasePersonFactory(case=recent, name="Ana Gómez")
    _closed(old, "status", CaseStatus.CLOSED, period + 1, monkeypatch)
    _closed(recent, "status", CaseStatus.CLOSED, period - 1, monkeypatch)
    _result, entry = _sweep_and_entry("cases.case", old)
    person = CasePerson.objects.get(case=old)
    assert person.name == f"pseudonymised-{person.pk}" and person.notes == "" and person.role  # role and kind stay
    assert entry.after["persons"] == 1 and "Juan" not in str(entry.after)
    assert CasePerson.objects.get(case=recent).name == "Ana Gómez"
    assert Case.objects.filter(pk=old.pk).exists()


def test_jits_pseudonymise_their_members(monkeypatch):
    period = _period("cases.jointinvestigationteam")
    old, recent = JITFactory(closed=True), JITFactory(closed=True)
    _closed(old, "status", JITStatus.CLOSED, period + 1, monkeypatch)
    _closed(recent, "status", JITStatus.CLOSED, period - 1, monkeypatch)
    _result, entry = _sweep_and_entry("cases.jointinvestigationteam", old)
    assert all(m.name.startswith("pseudonymised-") and m.function == "" for m in JITMember.objects.filter(jit=old))
    assert entry.after["members"] == 2
    assert not any(m.name.startswith("pseudonymised-") for m in JITMember.objects.filter(jit=recent))
    assert JointInvestigationTeam.objects.filter(pk=old.pk).exists()


def test_asset_files_lose_their_holder(monkeypatch):
    period = _period("assets.asset")
    old = AssetFactory(holder_name="Inversiones Lavandería SAC", holder_type="company")
    recent = AssetFactory(holder_name="Ana Gómez")
    _closed(old, "state", AssetState.CLOSED, period + 1, monkeypatch)
    _closed(recent, "state", AssetState.CLOSED, period - 1, monkeypatch)
    _result, entry = _sweep_and_entry("assets.asset", old)
    old = Asset.objects.get(pk=old.pk)
    assert (old.holder_name, old.holder_type) == ("", "unknown") and old.description  # the property stays described
    assert "Lavandería" not in str(entry.after)
    assert Asset.objects.get(pk=recent.pk).holder_name == "Ana Gómez"
