"""Auditors search, read and export the log in the admin; nobody can add, change or delete entries."""

import csv
import io

import pytest
from django.contrib.admin.sites import site

from coopcases.audit.admin import AuditEntryAdmin
from coopcases.audit.chain import GENESIS
from coopcases.audit.models import AuditEntry
from coopcases.audit.services import audit_record
from tests.security.factories import administrator, auditor
from tests.security.helpers import sign_in_verified

pytestmark = pytest.mark.django_db
LIST = "/admin/audit/auditentry/"
EXPORT = "/admin/audit/auditentry/export/"


@pytest.fixture
def auditor_client(client):
    sign_in_verified(client, auditor())
    return client


@pytest.fixture
def entries():
    return [
        audit_record(actor=None, action="transition", object_type="mla.mlarequest", object_id="7", reason="submitted"),
        audit_record(actor=None, action="view", object_type="cases.case", object_id="3", purpose="=HYPERLINK(\"x\")"),
    ]


def test_nobody_may_add_change_or_delete(rf):
    request = rf.get(LIST)
    request.user = auditor()
    model_admin = AuditEntryAdmin(AuditEntry, site)
    assert model_admin.has_view_permission(request)
    assert not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
                or model_admin.has_delete_permission(request))
    assert model_admin.get_actions(request) == {}


def test_an_auditor_lists_filters_and_searches(auditor_client, entries):
    page = auditor_client.get(LIST, {"action": "transition"})
    assert page.status_code == 200
    shown = list(page.context["cl"].result_list)
    assert shown == [entries[0]]
    found = auditor_client.get(LIST, {"q": "7"}).context["cl"].result_list
    assert entries[0] in found and entries[1] not in found
    assert auditor_client.get(f"{LIST}{entries[0].pk}/change/").status_code == 200
    assert auditor_client.post(f"{LIST}{entries[0].pk}/change/", {"reason": "x"}).status_code == 403
    assert auditor_client.get(f"{LIST}add/").status_code == 403


def test_reading_the_log_is_itself_logged(auditor_client, entries):
    auditor_client.get(LIST, {"door": "ui"})
    auditor_client.get(f"{LIST}{entries[0].pk}/change/")
    reads = list(AuditEntry.objects.filter(action="view", object_type="audit.auditentry").order_by("id"))
    assert [(r.object_id, r.purpose) for r in reads] == [("", "audit review"), (str(entries[0].pk), "audit review")]
    assert reads[0].after == {"filters": {"door": "ui"}}


def test_staff_without_the_auditor_role_see_no_audit_log(client, entries):
    sign_in_verified(client, administrator())
    assert client.get(LIST).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert "audit" not in client.get("/admin/").content.decode().lower().split("<main")[-1]


def test_export_asks_for_a_purpose_records_itself_and_streams_the_filtered_rows(auditor_client, entries):
    assert auditor_client.post(f"{EXPORT}?action=view", {"purpose": ""}).status_code == 200  # form error
    response = auditor_client.post(f"{EXPORT}?action=view", {"purpose": "quarterly review of confidential reads"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["id"] for r in rows] == [str(entries[1].pk)]
    assert rows[0]["purpose"].startswith("'=HYPERLINK"), "formula cells are neutralised"
    export = AuditEntry.objects.get(action="export")
    assert export.purpose == "quarterly review of confidential reads" and export.after == {"filters": {"action": "view"}}


def test_an_export_carries_the_hashes_so_the_chain_can_be_checked_elsewhere(auditor_client, entries):
    response = auditor_client.post(EXPORT, {"purpose": "handover to the supervisory authority"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["prev_hash"] == GENESIS
    assert all(row["prev_hash"] == previous["hash"] for previous, row in zip(rows, rows[1:], strict=False))
    assert {e.hash for e in entries} <= {row["hash"] for row in rows}
