"""/api/v1/mla-requests/: list, detail, create, update, visibility, filters, nested resources."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coopcases.audit.models import AuditEntry
from requests.models import MlaRequest
from tests.api.conftest import session_client
from tests.requests.factories import advance, complete_draft, informal_enquiry, step

pytestmark = pytest.mark.django_db
URL = "/api/v1/mla-requests/"

NEW = {
    "title": "Bank records of Operación Lavandería",
    "requested_state": "ES",
    "legal_bases": ["UNTOC"],
    "language": "es",
    "offences": ["MONEY_LAUNDERING"],
    "purpose": "To trace the proceeds.",
}


def test_a_partner_files_a_draft_and_reads_it_back_with_its_etag(world, partner):
    p = partner(world.authorities["pe-fecor"])
    response = p.api.post(URL, NEW, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "draft" and body["requesting_authority"] == "pe-fecor" and body["requested_state"] == "ES"
    assert body["reference"].startswith("PE-") and body["legal_bases"] == ["UNTOC"]
    assert response["ETag"] == '"v1"' and response["Location"].endswith(f"{URL}{body['id']}/")
    detail = p.api.get(f"{URL}{body['id']}/")
    assert detail.status_code == 200 and detail["ETag"] == '"v1"' and detail.json()["title"] == NEW["title"]
    entry = AuditEntry.objects.get(action="create", object_type="mla.mlarequest", object_id=str(body["id"]))
    assert entry.door == "api" and entry.actor_id == p.user.pk


def test_patch_needs_if_match_and_refuses_a_stale_one(world, partner):
    p = partner(world.authorities["pe-fecor"])
    created = p.api.post(URL, NEW, format="json").json()
    url = f"{URL}{created['id']}/"
    missing = p.api.patch(url, {"title": "New title"}, format="json")
    assert missing.status_code == 428 and missing["Content-Type"] == "application/problem+json"
    assert missing.json()["invalid_params"][0]["name"] == "If-Match"
    ok = p.api.patch(url, {"title": "New title"}, format="json", HTTP_IF_MATCH='"v1"')
    assert ok.status_code == 200 and ok.json()["title"] == "New title" and ok["ETag"] == '"v2"'
    stale = p.api.patch(url, {"title": "Other title"}, format="json", HTTP_IF_MATCH='"v1"')
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed" and stale["ETag"] == '"v2"'
    assert MlaRequest.objects.get(pk=created["id"]).title == "New title"


def test_the_version_is_checked_again_under_the_row_lock(world, partner, monkeypatch):
    """A change landing between the view's read and the service's lock is caught by the service (412)."""
    from requests import services

    p = partner(world.authorities["pe-fecor"])
    created = p.api.post(URL, NEW, format="json").json()
    real_update = services.mla_request_update

    def concurrent_then_update(**kwargs):
        MlaRequest.objects.filter(pk=kwargs["pk"]).update(version=5)
        return real_update(**kwargs)

    monkeypatch.setattr(services, "mla_request_update", concurrent_then_update)
    response = p.api.patch(f"{URL}{created['id']}/", {"title": "Mine"}, format="json", HTTP_IF_MATCH='"v1"')
    assert response.status_code == 412 and response.json()["code"] == "concurrent_change"
    assert MlaRequest.objects.get(pk=created["id"]).title == NEW["title"]


def test_a_request_of_another_authority_answers_404_and_is_not_listed(world, partner):
    hidden = complete_draft(world, "BR")
    p = partner(world.authorities["pe-fecor"])
    mine = p.api.post(URL, NEW, format="json").json()
    assert p.api.get(f"{URL}{hidden.pk}/").status_code == 404
    assert p.api.patch(f"{URL}{hidden.pk}/", {"title": "x"}, format="json", HTTP_IF_MATCH='"v1"').status_code == 404
    assert p.api.get(f"{URL}{hidden.pk}/transitions/").status_code == 404
    assert p.api.get(f"{URL}{hidden.pk}/events/").status_code == 404
    assert [r["id"] for r in p.api.get(URL).json()["results"]] == [mine["id"]]


def test_the_requested_side_sees_a_request_once_transmitted(world):
    req = complete_draft(world, "PE")
    ca = session_client(world.user("ca:es-mjusticia"))
    assert ca.get(f"{URL}{req.pk}/").status_code == 404
    advance(world, req, "transmitted")
    assert ca.get(f"{URL}{req.pk}/").json()["state"] == "transmitted"


def test_filters_search_and_ordering(world, partner):
    p = partner(world.authorities["pe-fecor"])
    first = p.api.post(URL, NEW, format="json").json()
    second = p.api.post(URL, NEW | {"title": "Real estate in Marbella", "urgent": True}, format="json").json()
    ids = lambda response: [r["id"] for r in response.json()["results"]]  # noqa: E731
    assert ids(p.api.get(URL, {"q": "marbella"})) == [second["id"]]
    assert ids(p.api.get(URL, {"q": first["reference"]})) == [first["id"]]
    assert ids(p.api.get(URL, {"ordering": "id"})) == [first["id"], second["id"]]
    assert ids(p.api.get(URL, {"state": "submitted"})) == []
    assert ids(p.api.get(URL, {"states": ["draft", "submitted"], "ordering": "-id"})) == [second["id"], first["id"]]
    assert len(ids(p.api.get(URL, {"updated_since": (timezone.now() - timedelta(minutes=5)).isoformat()}))) == 2
    assert ids(p.api.get(URL, {"updated_since": (timezone.now() + timedelta(minutes=5)).isoformat()})) == []
    assert ids(p.api.get(URL, {"overdue": "true"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "201"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"ordering": "title"}, "ordering"),
        ({"state": "nonsense"}, "state"),
        ({"colour": "blue"}, "colour"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "0001-01-01T00:30:00+17:56"}, "updated_since"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_bad_query_parameters_are_problems_naming_them(world, partner, params, field):
    p = partner(world.authorities["pe-fecor"])
    response = p.api.get(URL, params)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert field in [param["name"] for param in response.json()["invalid_params"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (NEW | {"colour": "blue"}, "colour"),
        (NEW | {"urgent": "very"}, "urgent"),
        (NEW | {"kind": "letter"}, "kind"),
        (NEW | {"title": "x" * 301}, "title"),
        (NEW | {"legal_bases": "UNTOC"}, "legal_bases"),
        (NEW | {"legal_bases": ["NO_SUCH_TREATY"]}, "legal_bases"),
        (NEW | {"requested_state": "PE"}, "requested_state"),
        (NEW | {"requested_due_date": "2001-01-01"}, "requested_due_date"),
        ({"title": "only a title"}, "requested_state"),
        (NEW | {"reference": "PE-X-1"}, "reference"),
        (NEW | {"case": 2**70}, "case"),
    ],
)
def test_bad_bodies_are_problems_naming_the_field(world, partner, body, field):
    p = partner(world.authorities["pe-fecor"])
    response = p.api.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in [param["name"] for param in response.json()["invalid_params"]]
    assert not MlaRequest.objects.exists()


def test_malformed_json_and_other_media_types_are_problems(world, partner):
    p = partner(world.authorities["pe-fecor"])
    for text in ('{"title": "a\\u0000b"}', '{"additional_content": {"k\\u0000": "v"}}', '{"title": "\\ud800"}'):
        unstorable = p.api.generic("POST", URL, text.encode(), content_type="application/json")
        assert unstorable.status_code == 400 and unstorable.json()["invalid_params"][0]["name"] == "body", text
    assert p.api.post(URL, NEW | {"requested_state": "E\x07"}, format="json").json()["invalid_params"][0]["name"] == "requested_state"
    assert p.api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="a\x01b").status_code == 400
    broken = p.api.generic("POST", URL, b'{"title": ', content_type="application/json")
    assert broken.status_code == 400 and broken.json()["invalid_params"][0]["name"] == "body"
    form = p.api.post(URL, NEW)  # multipart
    assert form.status_code == 415 and form["Content-Type"] == "application/problem+json"
    assert p.api.get(f"{URL}abc/").status_code == 404
    assert p.api.get(f"{URL}{2**64}/").status_code == 404


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_a_body_nested_too_deeply_is_a_problem_not_a_crash(world, partner, depth):
    p = partner(world.authorities["pe-fecor"])
    body = '{"additional_content": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
    response = p.api.generic("POST", URL, body.encode(), content_type="application/json")
    assert response.status_code == 400 and response.json()["invalid_params"][0]["name"] == "body"
    assert not MlaRequest.objects.exists()


def test_a_case_of_another_authority_cannot_be_linked(world, partner):
    from tests.cases.factories import CaseFactory

    foreign = CaseFactory(lead_authority=world.authorities["pe-fn"])
    p = partner(world.authorities["pe-fecor"])
    response = p.api.post(URL, NEW | {"case": foreign.pk}, format="json")
    assert response.status_code == 400 and response.json()["invalid_params"][0]["name"] == "case"


def test_messages_and_events_of_a_request(world, partner):
    p = partner(world.authorities["pe-fecor"])
    created = p.api.post(URL, NEW, format="json").json()
    base = f"{URL}{created['id']}/"
    posted = p.api.post(f"{base}messages/", {"body": "Any news?", "audience": "everyone"}, format="json")
    assert posted.status_code == 201 and posted.json()["authority"] == "pe-fecor"
    assert [m["body"] for m in p.api.get(f"{base}messages/").json()["results"]] == ["Any news?"]
    assert p.api.post(f"{base}messages/", {"body": ""}, format="json").json()["invalid_params"][0]["name"] == "body"
    events = p.api.get(f"{base}events/").json()["results"]
    assert [e["event_type"] for e in events][:1] == ["mla_request.created"] and events[0]["door"] == "api"
    last = events[-1]["sequence"]
    assert p.api.get(f"{base}events/", {"after": last}).json()["results"] == []
    p.api.patch(base, {"title": "Renamed"}, format="json", HTTP_IF_MATCH='"v1"')
    assert [e["event_type"] for e in p.api.get(f"{base}events/", {"after": last}).json()["results"]] == ["mla_request.updated"]


def test_attachments_are_uploaded_as_multipart(world, partner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = partner(world.authorities["pe-fecor"])
    created = p.api.post(URL, NEW, format="json").json()
    url = f"{URL}{created['id']}/attachments/"
    pdf = SimpleUploadedFile("request.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")
    response = p.api.post(url, {"file": pdf, "document_type": "request", "description": "The signed request"}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["mime_type"] == "application/pdf" and response.json()["document_type"] == "request"
    assert [a["original_name"] for a in p.api.get(url).json()["results"]] == ["request.pdf"]
    missing = p.api.post(url, {"description": "no file"}, format="multipart")
    assert missing.status_code == 400 and missing.json()["invalid_params"][0]["name"] == "file"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("report.pdf", b"\x89PNG\r\n\x1a\n" + bytes(16), "type_mismatch"),
        ("bundle.zip", b"PK\x03\x04broken", "archive_invalid"),
        ("tool.pdf", b"MZ\x90\x00" + bytes(64), "type_unknown"),
    ],
)
def test_a_refused_upload_is_a_problem_naming_the_file_and_nothing_is_stored(world, partner, settings, name, content, code):
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    p = partner(world.authorities["pe-fecor"])
    created = p.api.post(URL, NEW, format="json").json()
    url = f"{URL}{created['id']}/attachments/"
    response = p.api.post(url, {"file": SimpleUploadedFile(name, content, content_type="application/pdf")}, format="multipart")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")
    assert response.json()["invalid_params"][0]["name"] == "file" and response.json()["code"] == "upload_refused"
    assert code in str(response.json()["invalid_params"][0])
    assert p.api.get(url).json()["results"] == [] and not Path(settings.MEDIA_ROOT, "attachments").exists()


def test_a_partner_completes_and_submits_its_request(world, partner):
    p = partner(world.authorities["pe-fecor"])
    created = p.api.post(URL, NEW | {"subject_and_authority": "Investigation 123-2026 by the Fiscalía Especializada",
                                     "facts_summary": "Proceeds were laundered in Spain.",
                                     "persons_unknown_reason": "The account holders are not yet identified."}, format="json").json()
    base = f"{URL}{created['id']}/"
    added = p.api.post(f"{base}measures/", {"measure": "RECORDS", "details": "Statements 2022-2025"}, format="json", HTTP_IF_MATCH='"v1"')
    assert added.status_code == 201, added.json()
    assert [m["measure"] for m in p.api.get(f"{base}measures/").json()["results"]] == ["RECORDS"]
    unknown = p.api.post(f"{base}measures/", {"measure": "NOPE"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["invalid_params"][0]["name"] == "measure"
    submit = next(t for t in p.api.get(f"{base}transitions/").json()["transitions"] if t["action"] == "submit")
    assert submit["allowed"] is True, submit["reasons"]
    done = p.api.post(f"{base}transitions/", {"action": "submit"}, format="json", HTTP_IF_MATCH='"v2"')
    assert done.status_code == 200 and done.json()["state"] == "submitted"


def test_a_network_contact_point_sees_the_request_but_not_its_confidential_facts(world):
    enquiry = informal_enquiry(world, network="rrag", facts_summary="The suspect moved funds through Montevideo.")
    step(enquiry, "send_informal", world.user("magistrate:ar-procelac"))
    contact = world.user("contact:uy-fiscalia")
    contact.contact_point_networks.add(world.networks["rrag"])

    facilitator = session_client(contact).get(f"{URL}{enquiry.pk}/").json()
    drafter = session_client(world.user("magistrate:ar-procelac")).get(f"{URL}{enquiry.pk}/").json()
    assert facilitator["reference"] == enquiry.reference and facilitator["facts_summary"] is None
    assert drafter["facts_summary"] == "The suspect moved funds through Montevideo."
    listed = session_client(contact).get(URL).json()["results"]
    assert [row["facts_summary"] for row in listed] == [None]


def test_attachments_and_messages_have_a_detail_with_an_etag_and_answer_304_when_unchanged(world, partner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = partner(world.authorities["pe-fecor"])
    created = p.api.post(URL, NEW, format="json").json()
    base = f"{URL}{created['id']}/"
    pdf = SimpleUploadedFile("request.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", content_type="application/pdf")
    uploaded = p.api.post(f"{base}attachments/", {"file": pdf}, format="multipart")
    posted = p.api.post(f"{base}messages/", {"body": "Any news?"}, format="json")
    for created_row, rows in ((uploaded, "attachments"), (posted, "messages")):
        url = f"{base}{rows}/{created_row.json()['id']}/"
        assert created_row.status_code == 201 and created_row["Location"].endswith(url)
        detail = p.api.get(url)
        etag = detail["ETag"]
        assert detail.status_code == 200 and detail.json() == created_row.json() and etag == created_row["ETag"]
        assert etag.startswith('"r') and etag.endswith('"')
        unchanged = p.api.get(url, HTTP_IF_NONE_MATCH=f'"v9", W/{etag}')
        assert unchanged.status_code == 304 and unchanged["ETag"] == etag and not unchanged.content
        assert p.api.get(url, HTTP_IF_NONE_MATCH='"r0"').status_code == 200
        assert p.api.get(f"{base}{rows}/999999/").status_code == 404
        assert p.api.get(f"{base}{rows}/x/").status_code == 404
    other = partner(world.authorities["es-mjusticia"])
    assert other.api.get(f"{base}messages/{posted.json()['id']}/").status_code == 404  # the request is not visible to it


def test_a_request_detail_answers_304_to_its_current_etag_only(world, partner):
    p = partner(world.authorities["pe-fecor"])
    created = p.api.post(URL, NEW, format="json").json()
    url = f"{URL}{created['id']}/"
    assert p.api.get(url, HTTP_IF_NONE_MATCH='"v1"').status_code == 304
    p.api.patch(url, {"title": "Renamed"}, format="json", HTTP_IF_MATCH='"v1"')
    assert p.api.get(url, HTTP_IF_NONE_MATCH='"v1"').status_code == 200
