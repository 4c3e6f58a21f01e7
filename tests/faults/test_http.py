"""Against the live API served by gunicorn (own PostgreSQL and Redis): If-Match races between two partner
systems and hostile input (uploads and JSON). sqlmap is in test_sqlmap.py.

Every answer must be a 2xx for the control cases and a 4xx problem+json for the hostile ones: never a 5xx, and
nothing stored (no attachment row, no file under MEDIA_ROOT, no version change)."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections import Counter

import httpx
import pytest

from coopcases.accounts.roles import RoleCode
from coopcases.api.services import api_client_create
from requests.models import Attachment, MlaRequest
from requests.workflow import MLA_WORKFLOW
from tests.faults.conftest import LONG
from tests.faults.invariants import replay
from tests.faults.scenarios import mla_world, step
from tests.security.factories import administrator

pytestmark = [pytest.mark.ephemeral, pytest.mark.xdist_group("faults")]
SCOPES = ("requests:read", "requests:write", "cases:read", "reference:read")
PAIRS = 300 if LONG else 12
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
# A refused body may be answered before it is read; the server then closes the connection, so hostile requests
# don't reuse one (as a real client would reconnect).
ONE_SHOT = {"Connection": "close"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


class Partner:
    """An API client of `authority` (a central authority officer's system) with a bearer token it obtained from the
    live server, over loopback HTTP."""

    def __init__(self, authority, name: str, base_url: str):
        issued = api_client_create(actor=administrator(), name=name, authority=authority, scopes=SCOPES,
                                   roles=(RoleCode.CENTRAL_AUTHORITY_OFFICER,))
        token = httpx.post(f"{base_url}/oauth/token/", data={"grant_type": "client_credentials"},
                           auth=(issued.client_id, issued.client_secret), timeout=30)
        assert token.status_code == 200, token.text
        self.token = token.json()["access_token"]
        self.http = httpx.Client(base_url=f"{base_url}/api/v1", timeout=60, headers={"Authorization": f"Bearer {self.token}"})


@pytest.fixture
def api(fresh_db, live_server_process):
    world, drafts = mla_world(0)
    authority = world.user("ca:pe-fn").authority
    partners = [Partner(authority, f"system {i}", live_server_process.base_url) for i in range(2)]
    yield world, partners
    for partner in partners:
        partner.http.close()


def submitted(world):
    from tests.requests.factories import complete_draft

    req = complete_draft(world)
    step(world, req.pk, 0)
    return MlaRequest.objects.get(pk=req.pk)


def test_if_match_races_between_two_partner_systems(api):
    world, (first, second) = api
    statuses, touched = Counter(), []
    for i in range(PAIRS):
        req = submitted(world)
        touched.append(req.pk)
        etag = f'"v{req.version}"'
        actions = [("approve", first), ("return_for_amendment", second)] if i % 2 else [("approve", first), ("approve", second)]
        barrier, answers = threading.Barrier(2), [None, None]

        def send(slot, action, partner, pk=req.pk, tag=etag, gate=barrier, out=answers):
            gate.wait(timeout=30)
            out[slot] = partner.http.post(f"/mla-requests/{pk}/transitions/", json={"action": action, "reason": "race"},
                                          headers={"If-Match": tag})

        threads = [threading.Thread(target=send, args=(slot, action, partner)) for slot, (action, partner) in enumerate(actions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        codes = sorted(a.status_code for a in answers)
        statuses.update(codes)
        assert codes[0] == 200 and codes[1] in (409, 412), [a.text for a in answers]
        loser = max(answers, key=lambda a: a.status_code)
        assert loser.headers["content-type"].startswith("application/problem+json")
        assert MlaRequest.objects.get(pk=req.pk).version == req.version + 1, "both writes applied: a lost update"
    for req in MlaRequest.objects.filter(pk__in=touched):
        replay(req, MLA_WORKFLOW, initial="draft")
    assert statuses[200] == PAIRS


def zip_bomb() -> bytes:
    """A "docx" whose one member inflates 50 MB of zeros: a ratio far above the allowed 100:1."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", b"\0" * (50 * 1024 * 1024))
    return buffer.getvalue()


def nested(depth: int) -> str:
    return '{"action": "approve", "reason": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


HOSTILE_UPLOADS = {
    "oversized": ("big.pdf", PDF + b"0" * (25 * 1024 * 1024 + 1)),
    "zip bomb": ("bomb.docx", None),
    "extension lies (PNG named .pdf)": ("report.pdf", PNG),
    "executable named .pdf": ("report.pdf", b"MZ\x90\x00" + b"\x00" * 200),
    "empty": ("empty.txt", b""),
    "truncated zip named .docx": ("broken.docx", b"PK\x03\x04" + b"\x14\x00" * 20),
    "traversal in the name": ("../../etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
}


@pytest.mark.faults_long  # needs its own cluster; finding 3 in docs/reliability.md
def test_hostile_uploads_are_refused_and_nothing_is_stored(api, settings):
    world, (partner, _) = api
    req = submitted(world)
    url = f"/mla-requests/{req.pk}/attachments/"
    control = partner.http.post(url, files={"file": ("letter.pdf", PDF, "application/pdf")})
    assert control.status_code == 201, control.text
    stored = Attachment.objects.count()
    for label, (name, content) in HOSTILE_UPLOADS.items():
        answer = partner.http.post(url, files={"file": (name, content if content is not None else zip_bomb(), "application/pdf")},
                                   headers=ONE_SHOT)
        assert 400 <= answer.status_code < 500, f"{label}: {answer.status_code} {answer.text[:300]}"
        assert answer.headers["content-type"].startswith("application/problem+json"), label
    malformed = partner.http.post(url, content=b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end",
                                  headers={"content-type": "multipart/form-data; boundary=x", **ONE_SHOT})
    assert 400 <= malformed.status_code < 500, malformed.text[:300]
    assert Attachment.objects.count() == stored, "a hostile upload was stored"


@pytest.mark.faults_long  # needs its own cluster; finding 4 in docs/reliability.md
def test_hostile_json_is_refused_and_changes_nothing(api):
    world, (partner, _) = api
    req = submitted(world)
    url = f"/mla-requests/{req.pk}/transitions/"
    bodies = {
        "nested 100000 deep": nested(100_000),
        "nested 1000 deep": nested(1000),
        "truncated": '{"action": "approve", ',
        "not an object": '["approve"]',
        "huge reason": json.dumps({"action": "approve", "reason": "x" * (6 * 1024 * 1024)}),
        "NaN": '{"action": "approve", "reason": NaN}',
        "wrong types": '{"action": {"$ne": null}, "reason": 1}',
    }
    for label, body in bodies.items():
        answer = partner.http.post(url, content=body.encode(), headers={"content-type": "application/json", "If-Match": f'"v{req.version}"', **ONE_SHOT})
        assert 400 <= answer.status_code < 500, f"{label}: {answer.status_code} {answer.text[:300]}"
        patch = partner.http.patch(f"/mla-requests/{req.pk}/", content=body.encode(),
                                   headers={"content-type": "application/json", "If-Match": f'"v{req.version}"', **ONE_SHOT})
        assert 400 <= patch.status_code < 500, f"PATCH {label}: {patch.status_code} {patch.text[:300]}"
    after = MlaRequest.objects.get(pk=req.pk)
    assert (after.state, after.version) == (req.state, req.version)
