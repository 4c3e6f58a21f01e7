"""/api/v1/cases/ and /api/v1/jits/: list, detail, create, update with If-Match, visibility, transitions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case, JointInvestigationTeam
from tests.api.conftest import Partner, session_client
from tests.cases.factories import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    return Team.build()


def test_a_partner_opens_a_case_and_updates_it(team):
    p = Partner(team.pe, roles=("service_account",))
    created = p.api.post("/api/v1/cases/", {"national_reference": "PE-2026-7", "title": "Gold mining", "offences": [],
                                            "participating_countries": ["CO"]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["lead_authority"] == team.pe.code and body["participating_countries"] == ["CO"] and created["ETag"] == '"v1"'
    url = f"/api/v1/cases/{body['id']}/"
    assert p.api.patch(url, {"title": "Illegal gold mining"}, format="json").status_code == 428
    changed = p.api.patch(url, {"title": "Illegal gold mining"}, format="json", HTTP_IF_MATCH='"v1"')
    assert changed.status_code == 200 and changed.json()["title"] == "Illegal gold mining" and changed["ETag"] == '"v2"'
    assert p.api.patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH='"v1"').status_code == 412
    duplicate = p.api.post("/api/v1/cases/", {"national_reference": "PE-2026-7", "title": "Again"}, format="json")
    assert duplicate.status_code == 400 and duplicate.json()["invalid_params"][0]["name"] == "national_reference"
    unknown = p.api.post("/api/v1/cases/", {"national_reference": "PE-2026-8", "title": "t", "participating_authorities": ["nope"]}, format="json")
    assert unknown.status_code == 400 and unknown.json()["invalid_params"][0]["name"] == "participating_authorities"


def test_cases_are_visible_to_their_authorities_only(team):
    participant = session_client(team.pe_user)
    outsider = session_client(team.outsider)
    url = f"/api/v1/cases/{team.case.pk}/"
    assert participant.get(url).json()["national_reference"] == "ES-2026-001"
    assert outsider.get(url).status_code == 404
    assert outsider.get("/api/v1/cases/").json()["results"] == []
    assert [c["id"] for c in participant.get("/api/v1/cases/", {"q": "cocaine"}).json()["results"]] == [team.case.pk]


def test_case_transitions(team):
    lead = session_client(team.es_user)
    url = f"/api/v1/cases/{team.case.pk}/transitions/"
    actions = {t["action"]: t for t in lead.get(url).json()["transitions"]}
    assert set(actions) == {"suspend", "close"} and actions["suspend"]["reason_required"] is True
    done = lead.post(url, {"action": "suspend", "reason": "awaiting evidence"}, format="json", HTTP_IF_MATCH='"v1"')
    assert done.status_code == 200 and done.json()["status"] == "suspended"


def test_a_jit_is_proposed_changed_and_moved_along(team):
    es = session_client(team.es_user)
    today = timezone.localdate()
    body = {
        "case": team.case.pk, "title": "JIT Cocaine route", "legal_basis": team.basis.code, "purpose": "Dismantle the organisation.",
        "start_date": str(today), "end_date": str(today + timedelta(days=90)), "parties": [team.es.code, team.pe.code],
    }
    created = es.post("/api/v1/jits/", body, format="json")
    assert created.status_code == 201, created.json()
    jit = created.json()
    assert jit["status"] == "proposed" and [p["authority"] for p in jit["parties"]] == [team.es.code, team.pe.code]
    url = f"/api/v1/jits/{jit['id']}/"
    changed = es.patch(url, {"parties": [team.es.code, team.pe.code, team.co.code]}, format="json", HTTP_IF_MATCH='"v1"')
    assert changed.status_code == 200, changed.json()
    assert len(changed.json()["parties"]) == 3 and changed.json()["states_of_operation"] == ["ES", "PE"]  # kept unless given
    assert es.patch(url, {"case": team.case.pk}, format="json", HTTP_IF_MATCH='"v2"').json()["invalid_params"][0]["name"] == "case"
    transitions = es.get(f"{url}transitions/").json()
    assert transitions["state"] == "proposed" and [t["action"] for t in transitions["transitions"] if t["allowed"]] == ["start_drafting", "abandon"]
    moved = es.post(f"{url}transitions/", {"action": "start_drafting"}, format="json", HTTP_IF_MATCH='"v2"')
    assert moved.status_code == 200 and moved.json()["status"] == "drafting" and moved["ETag"] == '"v3"'
    assert es.post(f"{url}transitions/", {"action": "submit_for_approval"}, format="json").json()["status"] == "national_approvals"
    refused = es.post(f"{url}transitions/", {"action": "open_signatures"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "validation_failed"  # no leaders named yet
    service_only = es.post(f"{url}transitions/", {"action": "amendment_signed"}, format="json")
    assert service_only.status_code == 400 and service_only.json()["invalid_params"][0]["name"] == "action"


def test_jits_of_other_states_are_invisible_and_cannot_be_proposed_on_foreign_cases(team):
    team.propose()
    outsider = session_client(team.outsider)
    assert outsider.get(f"/api/v1/jits/{team.jit.pk}/").status_code == 404
    assert outsider.get("/api/v1/jits/").json()["results"] == []
    today = timezone.localdate()
    response = outsider.post("/api/v1/jits/", {
        "case": team.case.pk, "title": "t", "legal_basis": team.basis.code, "purpose": "p", "start_date": str(today),
        "end_date": str(today + timedelta(days=9)), "parties": [team.ar.code, team.es.code],
    }, format="json")
    assert response.status_code == 400 and response.json()["invalid_params"][0]["name"] == "case"
    assert JointInvestigationTeam.objects.count() == 1 and Case.objects.count() == 1


def test_jit_filters(team):
    team.propose()
    es = session_client(team.es_user)
    ids = lambda **params: [j["id"] for j in es.get("/api/v1/jits/", params).json()["results"]]  # noqa: E731
    assert ids(state="proposed") == [team.jit.pk]
    assert ids(state="active") == []
    assert ids(case=team.case.pk) == [team.jit.pk]
    assert ids(overdue="true") == []
    assert ids(due_before=str(timezone.localdate() + timedelta(days=365))) == [team.jit.pk]
    assert es.get("/api/v1/jits/", {"case": "x"}).json()["invalid_params"][0]["name"] == "case"
