"""Webhook subscriptions and deliveries over the API: secrets shown once and rotated, the authority's own
endpoints only, administrators write, If-Match on changes, redelivery."""

import pytest
from django.utils import timezone

from coopcases.notifications.models import DeliveryStatus, WebhookDelivery, WebhookSecret
from tests.api.conftest_api2 import assert_constant_queries, client_for, problem_names
from tests.factories import AuthorityFactory, UserFactory
from tests.notifications.factories import service_account, staff

SUBS = "/api/v1/webhook-subscriptions/"
DELIVERIES = "/api/v1/webhook-deliveries/"


@pytest.fixture
def partner(db):
    return service_account(AuthorityFactory())


@pytest.fixture
def admin(db):
    return client_for(staff())


def _create(admin, partner, **kw):
    body = {"name": "Partner CMS", "owner": partner.pk, "target_url": "https://partner.example/hooks", "event_types": ["deadline.*"]} | kw
    return admin.post(SUBS, body, format="json")


def test_create_shows_the_secret_once(admin, partner):
    response = _create(admin, partner)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["authority"]["id"] == partner.authority_id
    assert response["ETag"] == '"v1"'
    again = client_for(partner).get(f"{SUBS}{body['id']}/").json()
    assert "secret" not in again and again["secrets"][0]["hint"] == body["secret"][:10] + "…"


@pytest.mark.parametrize(
    ("change", "blamed"),
    [
        ({"event_types": ["no.such.event"]}, ["event_types"]),
        ({"event_types": []}, ["event_types"]),
        ({"target_url": "not a url"}, ["target_url"]),
        ({"owner": 999999}, ["owner"]),
        ({"secret": "whsec_mine"}, ["secret"]),
    ],
)
def test_bad_subscriptions_name_the_field(admin, partner, change, blamed):
    response = _create(admin, partner, **change)
    assert response.status_code == 400, response.content
    assert problem_names(response)[:1] == blamed


def test_private_addresses_are_refused(admin, partner, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    response = _create(admin, partner, target_url="https://127.0.0.1/hooks")
    assert response.status_code == 400 and problem_names(response) == ["target_url"]


def test_partners_see_their_own_and_may_not_write(admin, partner):
    pk = _create(admin, partner).json()["id"]
    own = client_for(partner)
    assert [s["id"] for s in own.get(SUBS).json()["results"]] == [pk]
    assert _create(own, partner).status_code == 403
    stranger = client_for(service_account(AuthorityFactory()))
    assert stranger.get(SUBS).json()["results"] == []
    assert stranger.get(f"{SUBS}{pk}/").status_code == 404
    assert client_for(UserFactory(authority=None)).get(SUBS).json()["results"] == []


def test_patch_with_if_match(admin, partner):
    pk = _create(admin, partner).json()["id"]
    url = f"{SUBS}{pk}/"
    assert admin.patch(url, {"active": False}, format="json").status_code == 428
    assert admin.patch(url, {"active": False}, format="json", HTTP_IF_MATCH='"v9"').status_code == 412
    response = admin.patch(url, {"active": False}, format="json", HTTP_IF_MATCH='"v1"')
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["active"] is False and body["disabled_reason"] and response["ETag"] == '"v2"'
    response = admin.patch(url, {"owner": partner.pk}, format="json", HTTP_IF_MATCH='"v2"')
    assert response.status_code == 400 and problem_names(response) == ["owner"]


def test_rotate_secret(admin, partner):
    created = _create(admin, partner).json()
    response = admin.post(f"{SUBS}{created['id']}/rotate-secret/", {"overlap_hours": 2}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["secret"] != created["secret"]
    assert len(body["subscription"]["secrets"]) == 2 and body["subscription"]["version"] == 2
    old = WebhookSecret.objects.get(secret=created["secret"])
    assert old.valid_until is not None and old.valid_until <= timezone.now() + timezone.timedelta(hours=2)
    assert client_for(partner).post(f"{SUBS}{created['id']}/rotate-secret/", {}, format="json").status_code == 403
    response = admin.post(f"{SUBS}{created['id']}/rotate-secret/", {"overlap_hours": -1}, format="json")
    assert response.status_code == 400 and problem_names(response) == ["overlap_hours"]


# --- deliveries -----------------------------------------------------------------


def _deliveries(admin, partner, count=1, status=DeliveryStatus.DEAD):
    from coopcases.events.services import event_emit
    from coopcases.notifications.models import WebhookSubscription

    subscription = WebhookSubscription.objects.get(pk=_create(admin, partner).json()["id"])
    rows = []
    for i in range(count):
        event = event_emit(obj=subscription, event_type="deadline.reminder", actor=None, data={"n": i})
        rows.append(WebhookDelivery.objects.create(
            event=event, subscription=subscription, webhook_id=f"msg_{event.pk}", body="{}", status=status,
            attempts=10, created_at=timezone.now(),
        ))
    return rows


def test_deliveries_of_ones_own_subscriptions(admin, partner):
    [delivery] = _deliveries(admin, partner)
    own = client_for(partner)
    body = own.get(DELIVERIES).json()["results"]
    assert [d["id"] for d in body] == [delivery.pk] and body[0]["event_type"] == "deadline.reminder"
    assert own.get(DELIVERIES, {"status": "dead", "event_type": "deadline.*"}).json()["results"]
    assert own.get(DELIVERIES, {"status": "succeeded"}).json()["results"] == []
    stranger = client_for(service_account(AuthorityFactory()))
    assert stranger.get(f"{DELIVERIES}{delivery.pk}/").status_code == 404


def test_redeliver(admin, partner):
    [delivery] = _deliveries(admin, partner)
    assert client_for(partner).post(f"{DELIVERIES}{delivery.pk}/redeliver/").status_code == 403
    response = admin.post(f"{DELIVERIES}{delivery.pk}/redeliver/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending" and response.json()["attempts"] == 0
    response = admin.post(f"{DELIVERIES}{delivery.pk}/redeliver/")
    assert response.status_code == 400 and problem_names(response) == ["status"]


def test_query_counts(admin, partner):
    _deliveries(admin, partner, count=3)
    _create(admin, partner, name="second")
    assert_constant_queries(client_for(partner), DELIVERIES)
    assert_constant_queries(client_for(partner), SUBS)
