"""The central authority's admin never writes a state field itself: every step goes through the service layer."""

from django.urls import reverse

from coopcases.events.models import Event
from requests.models import MlaRequestState as S
from tests.requests.factories import advance, complete_draft


def _officer(world, client):
    user = world.user("ca:pe-fn")
    user.is_staff = True
    user.save()
    client.force_login(user)
    return user


def test_a_posted_change_form_cannot_move_the_state(world, client):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    _officer(world, client)
    url = reverse("admin:mla_mlarequest_change", args=[req.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'name="state"' not in page.content
    response = client.post(url, {"state": S.APPROVED, "version": 99, "title": "Rewritten"})
    assert response.status_code == 403
    req.refresh_from_db()
    assert (req.state, req.title) == (S.SUBMITTED, "Accounts of Operación Lavandería")


def test_transmit_is_an_admin_action_through_the_service(world, client):
    req = advance(world, complete_draft(world), S.APPROVED)
    officer = _officer(world, client)
    url = reverse("admin:mla_mlarequest_changelist")
    response = client.post(url, {"action": "transmit", "_selected_action": [str(req.pk)], "index": "0", "apply": "1", "reason": ""})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == S.TRANSMITTED and req.transmitted_by == officer
    assert Event.objects.get(object_id=str(req.pk), event_type="mla_request.transmit").door == "admin"


def test_a_rule_the_service_enforces_holds_in_the_admin(world, client):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    _officer(world, client)
    url = reverse("admin:mla_awaitingdecision_changelist")
    page = client.post(url, {"action": "reject", "_selected_action": [str(req.pk)], "index": "0", "apply": "1", "reason": ""})
    assert page.status_code == 200 and b"This field is required" in page.content
    req.refresh_from_db()
    assert req.state == S.SUBMITTED


def test_reference_data_is_editable_only_with_the_editors_permission(world, client):
    from django.contrib.auth.models import Permission

    officer = _officer(world, client)
    url = reverse("admin:networks_country_change", args=["ES"])
    assert client.post(url, {"name_en": "Renamed"}).status_code == 403
    officer.user_permissions.add(*Permission.objects.filter(codename__in=["view_country", "change_country"]))
    assert client.get(url).status_code == 200


def test_the_history_speaks_the_officers_language(world, client):
    req = advance(world, complete_draft(world), S.SUBMITTED)
    officer = _officer(world, client)
    officer.preferred_language = "es"
    officer.save()
    page = client.get(reverse("admin:mla_mlarequest_change", args=[req.pk])).content.decode()
    assert "Presentar a la autoridad central" in page and "presentada a la autoridad central" in page
