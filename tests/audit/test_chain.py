"""The hash chain: what PostgreSQL gives back re-hashes to what was written, and any edit is found."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopcases.audit.chain import GENESIS, audit_chain_verify, entry_digest
from coopcases.audit.models import AuditEntry
from coopcases.audit.services import audit_record, audit_view
from coopcases.core.context import Door, acting
from coopcases.core.exceptions import ValidationFailed
from tests.audit.helpers import append_only_triggers_disabled, clock_at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8") | st.just("\x00")),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=json_values, after=json_values)
def test_what_postgresql_returns_hashes_like_what_was_written(before, after):
    written = audit_record(actor=None, action="update", object_type="test.thing", object_id="1",
                           before={"v": before}, after={"v": after})
    stored = AuditEntry.objects.get(pk=written.pk)
    assert stored.before == written.before and stored.after == written.after
    assert entry_digest(stored) == stored.hash == written.hash


def test_awkward_python_values_survive_the_round_trip():
    user = UserFactory()
    moment = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    with acting(Door.API, ip="2001:DB8:0:0::1", request_id="r-1", on_behalf_of="prosecutor x"):
        written = audit_record(
            actor=user, action="update", obj=user,
            before={"amount": Decimal("1234.50"), "id": uuid.UUID(int=7), "when": moment, 3: "int key"},
            after={"big": 1e16, "neg_zero": -0.0, "tiny": 1.5e-7, "text": "a\x00b", "nested": [{"z": 1, "a": 2}]},
        )
    stored = AuditEntry.objects.get(pk=written.pk)
    assert stored.ip == "2001:db8::1"
    assert stored.at == written.at and stored.at.microsecond == written.at.microsecond
    assert stored.before == {"amount": "1234.50", "id": str(uuid.UUID(int=7)), "when": "2026-03-01T12:00:00.123Z", "3": "int key"}
    assert stored.after["big"] == 10**16 and stored.after["text"] == "a\ufffdb"
    assert entry_digest(stored) == stored.hash


def test_audit_time_keeps_microseconds(monkeypatch):
    moment = datetime(2026, 5, 4, 3, 2, 1, 999999, tzinfo=UTC)
    with clock_at(monkeypatch, moment):
        entry = audit_record(actor=None, action="create", object_type="test.thing", object_id="1")
    assert AuditEntry.objects.get(pk=entry.pk).at == moment


def test_entries_chain_from_genesis_and_verify():
    first = audit_record(actor=None, action="create", object_type="test.thing", object_id="1")
    second = audit_record(actor=None, action="update", object_type="test.thing", object_id="1")
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash
    report = audit_chain_verify()
    assert report.intact and report.checked == 2 and report.head_hash == second.hash


def _three_entries():
    return [audit_record(actor=None, action="update", object_type="test.thing", object_id=str(i), after={"n": i}) for i in range(3)]


def test_an_entry_altered_in_sql_is_named_with_expected_and_found_hash():
    entries = _three_entries()
    with append_only_triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditentry SET after = '{\"n\": 99}' WHERE id = %s", [entries[1].pk])
    report = audit_chain_verify()
    assert report.broken.entry_id == entries[1].pk and report.broken.field == "hash"
    assert report.broken.found == entries[1].hash and report.broken.expected != entries[1].hash
    assert report.checked == 1


def test_an_entry_deleted_in_sql_breaks_the_next_link():
    entries = _three_entries()
    with append_only_triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    broken = audit_chain_verify().broken
    assert (broken.entry_id, broken.field, broken.expected, broken.found) == (entries[2].pk, "prev_hash", entries[0].hash, entries[1].hash)


def test_an_altered_and_rehashed_entry_breaks_the_following_link():
    """Recomputing the edited row's own hash is not enough: the next row still points to the old one."""
    entries = _three_entries()
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.after = {"n": 42}
    with append_only_triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditentry SET after = %s, hash = %s WHERE id = %s",
                       ['{"n": 42}', entry_digest(forged), forged.pk])
    assert audit_chain_verify().broken.entry_id == entries[2].pk


def test_verify_audit_command_exits_non_zero_and_names_the_entry(capsys):
    entries = _three_entries()
    call_command("verify_audit", chunk_size=2)
    assert f"head #{entries[2].pk}:{entries[2].hash}" in capsys.readouterr().out
    with append_only_triggers_disabled() as cursor:
        cursor.execute("UPDATE audit_auditentry SET reason = 'edited' WHERE id = %s", [entries[0].pk])
    with pytest.raises(CommandError, match=rf"entry #{entries[0].pk}: content hash broken — expected [0-9a-f]{{64}}, found {entries[0].hash}") as exc:
        call_command("verify_audit", chunk_size=2)
    assert exc.value.returncode == 1


def test_verify_audit_with_an_external_anchor_finds_cut_off_newest_entries():
    entries = _three_entries()
    anchor = f"{entries[2].pk}:{entries[2].hash}"
    call_command("verify_audit", anchor=anchor)
    with append_only_triggers_disabled() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])
    with pytest.raises(CommandError, match=rf"entry #{entries[2].pk}: content hash broken — expected {entries[2].hash}, found missing"):
        call_command("verify_audit", anchor=anchor)


def test_audit_view_records_the_stated_purpose_and_refuses_none():
    reader, subject = UserFactory(), UserFactory()
    with pytest.raises(ValidationFailed) as exc:
        audit_view(actor=reader, obj=subject, purpose="  ")
    assert exc.value.problems[0].name == "purpose"
    entry = audit_view(actor=reader, obj=subject, purpose="check of request 12 before transmission", fields=["email"])
    assert (entry.action, entry.object_type, entry.object_id, entry.actor_id) == ("view", "accounts.user", str(subject.pk), reader.pk)
    assert entry.purpose == "check of request 12 before transmission" and entry.after == {"fields": ["email"]}
