"""The transitions resource: what may I do now and why not; doing it through the service, with If-Match."""

import pytest

from coopcases.audit.models import AuditEntry
from requests.models import MlaRequest
from tests.api.conftest import session_client
from tests.requests.factories import advance, complete_draft

pytestmark = pytest.mark.django_db
URL = "/api/v1/mla-requests/"


def _actions(response) -> dict:
    return {t["action"]: t for t in response.json()["transitions"]}


def test_the_drafter_sees_what_it_may_do_and_why_not(world):
    req = complete_draft(world, "PE")
    drafter = session_client(world.user("magistrate:pe-fecor"))
    listing = drafter.get(f"{URL}{req.pk}/transitions/")
    assert listing.status_code == 200 and listing.json()["state"] == "draft"
    actions = _actions(listing)
    assert actions["submit"]["allowed"] is True and actions["submit"]["reasons"] == []
    assert actions["withdraw"]["allowed"] is True
    # the central authority sees the request only once submitted; then not allowed to submit
    advance(world, req, "submitted")
    ca = session_client(world.user("ca:pe-fn"))
    actions = _actions(ca.get(f"{URL}{req.pk}/transitions/"))
    assert actions["approve"]["allowed"] is True
    drafter_view = _actions(drafter.get(f"{URL}{req.pk}/transitions/"))
    assert drafter_view["approve"]["allowed"] is False and "may do this" in drafter_view["approve"]["reasons"][0]


def test_a_transition_honours_if_match_and_returns_the_new_representation(world):
    req = complete_draft(world, "PE")
    drafter = session_client(world.user("magistrate:pe-fecor"))
    url = f"{URL}{req.pk}/transitions/"
    stale = drafter.post(url, {"action": "submit"}, format="json", HTTP_IF_MATCH=f'"v{req.version - 1}"')
    assert stale.status_code == 412 and MlaRequest.objects.get(pk=req.pk).state == "draft"
    done = drafter.post(url, {"action": "submit"}, format="json", HTTP_IF_MATCH=f'"v{req.version}"')
    assert done.status_code == 200, done.json()
    assert done.json()["state"] == "submitted" and done["ETag"] == f'"v{req.version + 1}"'
    entry = AuditEntry.objects.filter(action="transition", object_id=str(req.pk)).latest("id")
    assert entry.door == "api" and entry.after["action"] == "submit"


def test_transition_refusals_are_problems(world):
    req = complete_draft(world, "PE")
    drafter = session_client(world.user("magistrate:pe-fecor"))
    url = f"{URL}{req.pk}/transitions/"
    unknown = drafter.post(url, {"action": "teleport"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["invalid_params"][0]["name"] == "action"
    wrong_state = drafter.post(url, {"action": "approve"}, format="json")
    assert wrong_state.status_code == 409 and wrong_state["Content-Type"] == "application/problem+json"
    foreign_param = drafter.post(url, {"action": "submit", "grounds": ["X"]}, format="json")
    assert foreign_param.status_code == 400 and foreign_param.json()["invalid_params"][0]["name"] == "grounds"
    advance(world, req, "submitted")
    not_theirs = drafter.post(url, {"action": "approve"}, format="json")
    assert not_theirs.status_code == 403 and not_theirs.json()["code"] == "forbidden"


def test_a_transition_with_parameters_goes_through_the_service(world):
    req = advance(world, complete_draft(world, "PE"), "acknowledged")
    ca = session_client(world.user("ca:es-mjusticia"))
    url = f"{URL}{req.pk}/transitions/"
    unknown = ca.post(url, {"action": "assign_executing_authority", "executing_authority": "nobody"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["invalid_params"][0]["name"] == "executing_authority"
    done = ca.post(url, {"action": "assign_executing_authority", "executing_authority": "es-anticorrupcion"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["state"] == "in_execution" and done.json()["executing_authority"] == "es-anticorrupcion"


def test_a_missing_reason_is_named(world):
    req = advance(world, complete_draft(world, "PE"), "submitted")
    ca = session_client(world.user("ca:pe-fn"))
    response = ca.post(f"{URL}{req.pk}/transitions/", {"action": "return_for_amendment"}, format="json")
    assert response.status_code == 400 and response.json()["invalid_params"][0]["name"] == "reason"
