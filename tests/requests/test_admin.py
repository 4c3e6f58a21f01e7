"""The central authority's admin: approval queue, decisions through the service layer, read-only requests."""

from datetime import date

import pytest
from django.urls import reverse

from coopcases.events.models import Event
from requests import services
from requests.models import MlaRequestState as S
from tests.requests.factories import advance, complete_draft


@pytest.fixture
def officer(world, client):
    user = world.user("ca:pe-fn")
    user.is_staff = True
    user.save()
    client.force_login(user)
    return user


def _act(client, url, action, pks, **extra):
    return client.post(url, {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0", **extra})


def test_approval_queue_lists_my_states_submitted_requests_oldest_first(world, client, officer, clock):
    first = advance(world, complete_draft(world, title="First filed", requested_due_date=date(2026, 3, 3), due_reason="Hearing"), S.SUBMITTED)
    clock.advance(hours=1)
    second = advance(world, complete_draft(world, title="Second filed"), S.SUBMITTED)
    complete_draft(world, title="Still a draft")
    advance(world, complete_draft(world, "CO", title="Colombian"), S.SUBMITTED)
    clock.advance(days=2)
    client.force_login(officer)  # the session of two days ago has expired
    page = client.get(reverse("admin:mla_awaitingdecision_changelist"))
    assert page.status_code == 200
    body = page.content.decode()
    assert body.index(first.reference) < body.index(second.reference)
    assert "Still a draft" not in body and "Colombian" not in body
    overdue = client.get(reverse("admin:mla_awaitingdecision_changelist"), {"overdue": "yes"}).content.decode()
    assert first.reference in overdue and second.reference not in overdue


def test_approve_asks_for_confirmation_then_goes_through_the_service(world, client, officer):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    url = reverse("admin:mla_awaitingdecision_changelist")
    page = _act(client, url, "approve", [req.pk])
    assert page.status_code == 200 and b'name="apply"' in page.content
    req.refresh_from_db()
    assert req.state == S.SUBMITTED
    response = _act(client, url, "approve", [req.pk], apply="1", reason="")
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == S.APPROVED and req.approved_by == officer
    event = Event.objects.get(object_id=str(req.pk), event_type="mla_request.approve")
    assert event.door == "admin" and event.actor == officer


def test_return_needs_a_reason(world, client, officer):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    url = reverse("admin:mla_mlarequest_changelist")
    page = _act(client, url, "return_for_amendment", [req.pk], apply="1", reason="")
    assert page.status_code == 200 and b"This field is required" in page.content
    _act(client, url, "return_for_amendment", [req.pk], apply="1", reason="Add the account numbers")
    req.refresh_from_db()
    assert req.state == S.RETURNED


def test_rule_violations_are_reported_not_bypassed(world, client):
    both = world.user("magistrate_ca:pe-fn")
    both.is_staff = True
    both.save()
    client.force_login(both)
    req = services.mla_request_create(
        actor=both, title="Own", requested_state="ES", legal_bases=["UNTOC"], language="es", offences=["CORRUPTION"], subject_and_authority="s",
        facts_summary="f", purpose="p", persons_unknown_reason="unknown",
    )
    services.measure_add(request_pk=req.pk, actor=both, measure="RECORDS")
    services.mla_request_transition(pk=req.pk, action="submit", actor=both)
    response = _act(client, reverse("admin:mla_mlarequest_changelist"), "approve", [req.pk], apply="1", reason="")
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("four eyes" in m for m in messages)
    req.refresh_from_db()
    assert req.state == S.SUBMITTED


def test_requests_are_read_only_and_limited_to_what_the_officer_sees(world, client, officer):
    mine = advance(world, complete_draft(world), S.SUBMITTED)
    hidden = advance(world, complete_draft(world, "CO"), S.SUBMITTED)
    listing = client.get(reverse("admin:mla_mlarequest_changelist")).content.decode()
    assert mine.reference in listing and hidden.reference not in listing
    assert client.get(reverse("admin:mla_mlarequest_changelist"), {"q": mine.reference}).status_code == 200
    change_url = reverse("admin:mla_mlarequest_change", args=[mine.pk])
    page = client.get(change_url)
    assert page.status_code == 200 and b"mla_request.submit" in page.content
    assert client.post(change_url, {"title": "Hacked", "state": "approved"}).status_code == 403
    assert client.get(reverse("admin:mla_mlarequest_change", args=[hidden.pk])).status_code == 302  # "does not exist", as for any missing id
    assert client.get(reverse("admin:mla_mlarequest_add")).status_code == 403
    mine.refresh_from_db()
    assert (mine.state, mine.title) == (S.SUBMITTED, "Accounts of Operación Lavandería")


def test_magistrates_have_no_admin(world, client):
    user = world.user("magistrate:pe-fecor")
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(reverse("admin:mla_mlarequest_changelist")).status_code == 403
