"""PostgreSQL refuses to change or remove audit rows, whichever role asks; only the purge path removes old ones."""

import uuid
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from coopcases.audit.chain import audit_chain_verify
from coopcases.audit.models import AuditEntry, AuditPurge
from coopcases.audit.services import audit_purge_expired, audit_record
from tests.audit.helpers import append_only_triggers_disabled, clock_at, years_ago

pytestmark = pytest.mark.django_db


def _entry(**kw):
    return audit_record(actor=None, action="create", object_type="test.thing", object_id="1", **kw)


def _refused(sql, params=(), match="append-only"):
    with pytest.raises(DatabaseError, match=match), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_application_cannot_update_delete_or_truncate():
    entry = _entry()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    _refused("TRUNCATE audit_auditentry")
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


def test_a_role_with_every_table_privilege_still_cannot_change_rows():
    """The app's role in production lacks the privileges too; even granting them does not get past the trigger."""
    entry = _entry()
    role = f"coop_app_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON audit_auditentry TO {role}")
        cursor.execute(f"SET ROLE {role}")
    try:
        _refused("UPDATE audit_auditentry SET reason = 'x' WHERE id = %s", [entry.pk])
        _refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
        _refused("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_append_only", match="must be owner")
        _refused("SELECT audit_purge_before(now() - interval '10 years')", match="permission denied for function")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_setting_the_purge_flag_by_hand_does_not_release_recent_rows():
    entry = _entry()
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('coopcases.audit_purge', 'on', true)")
    _refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])


def test_the_purge_function_refuses_a_cutoff_within_three_years():
    _entry()
    _refused("SELECT audit_purge_before(now() - interval '1000 days')", match="kept at least 1095 days")


def test_purge_removes_only_entries_past_retention_and_the_chain_still_verifies(monkeypatch, settings):
    settings.AUDIT_RETENTION_DAYS = 4 * 365
    with clock_at(monkeypatch, years_ago(6)):
        old = [_entry(reason=f"old {i}") for i in range(3)]
    with clock_at(monkeypatch, years_ago(2)):
        kept = _entry(reason="recent")

    assert audit_purge_expired() == 3

    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    purge = AuditPurge.objects.get()
    assert (purge.purged_count, purge.last_purged_id, purge.last_purged_hash) == (3, old[-1].pk, old[-1].hash)
    log = AuditEntry.objects.filter(action="purge").get()
    assert log.after["count"] == 3 and log.after["anchor"] == old[-1].hash and log.prev_hash == kept.hash
    report = audit_chain_verify()
    assert report.intact and report.first_id == kept.pk and report.anchor == old[-1].hash
    assert audit_purge_expired() == 0  # idempotent: nothing further is due


def test_purge_keeps_three_years_even_if_configured_shorter(monkeypatch, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    with clock_at(monkeypatch, timezone.now() - timedelta(days=400)):
        _entry()
    assert audit_purge_expired() == 0


def test_entries_removed_from_the_start_without_the_purge_path_are_detected(monkeypatch):
    first = _entry()
    second = _entry()
    with append_only_triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [first.pk])
    broken = audit_chain_verify().broken
    assert (broken.entry_id, broken.field, broken.found) == (second.pk, "prev_hash", first.hash)


def test_after_a_purge_of_everything_the_next_entry_links_to_the_anchor(monkeypatch, settings):
    with clock_at(monkeypatch, years_ago(5)):
        old = _entry()
    with connection.cursor() as cursor:
        cursor.execute("SELECT audit_purge_before(now() - interval '4 years')")
    assert not AuditEntry.objects.exists()
    assert audit_chain_verify().intact
    new = _entry()
    assert new.prev_hash == old.hash and audit_chain_verify().intact


def test_purge_records_cannot_be_changed_either(monkeypatch):
    with clock_at(monkeypatch, years_ago(5)):
        _entry()
    with connection.cursor() as cursor:
        cursor.execute("SELECT audit_purge_before(now() - interval '4 years')")
    _refused("UPDATE audit_auditpurge SET last_purged_hash = 'x'")
    _refused("DELETE FROM audit_auditpurge")
