from datetime import timedelta

import httpx
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from coopcases.audit.models import AuditEntry
from coopcases.deadlines.models import DeadlineKind, DeadlineKindSetting
from coopcases.deadlines.sweeps import sweep_reminders
from coopcases.events.dispatch import event_dispatch
from coopcases.events.models import Event
from coopcases.notifications import recipients, webhooks
from coopcases.notifications.models import DeliveryStatus, WebhookDelivery, WebhookSecret, WebhookSubscription
from coopcases.notifications.webhooks import webhook_deliver
from tests.notifications.factories import open_deadline, service_account, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("default_rules")]


def subscription_form(owner, **overrides):
    return {
        "name": "Partner CMS", "owner": owner.pk, "authority": owner.authority_id,
        "target_url": "https://partner.example/hooks", "event_types": '["deadline.*"]', "active": "on",
        "secrets-TOTAL_FORMS": "0", "secrets-INITIAL_FORMS": "0", **overrides,
    }


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_creating_a_subscription_shows_its_secret_once(admin_client):
    owner = service_account()
    response = admin_client.post(reverse("admin:notifications_webhooksubscription_add"), subscription_form(owner), follow=True)

    subscription = WebhookSubscription.objects.get()
    secret = WebhookSecret.objects.get(subscription=subscription).secret
    assert any(secret in m for m in messages_of(response))
    page = admin_client.get(reverse("admin:notifications_webhooksubscription_change", args=[subscription.pk]))
    assert page.status_code == 200 and secret not in page.content.decode()  # only the hint afterwards
    assert AuditEntry.objects.filter(action="webhook_subscription.create").count() == 1


def test_the_form_refuses_an_unknown_event_type_and_names_it(admin_client):
    owner = service_account()
    response = admin_client.post(
        reverse("admin:notifications_webhooksubscription_add"),
        subscription_form(owner, event_types='["deadline.vanished"]'),
    )
    assert response.status_code == 200
    assert "unknown event type &#x27;deadline.vanished&#x27;" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_changing_a_subscription_goes_through_the_service(admin_client):
    subscription, _ = subscribe(url="https://partner.example/hooks")
    url = reverse("admin:notifications_webhooksubscription_change", args=[subscription.pk])
    form = {"name": "Partner CMS v2", "target_url": "https://partner.example/v2", "event_types": '["deadline.missed"]',
            "secrets-TOTAL_FORMS": "1", "secrets-INITIAL_FORMS": "1",
            "secrets-0-id": subscription.secrets.get().pk, "secrets-0-subscription": subscription.pk}

    admin_client.post(url, form)
    subscription.refresh_from_db()
    assert (subscription.name, subscription.event_types, subscription.active) == ("Partner CMS v2", ["deadline.missed"], False)
    assert subscription.disabled_reason == "disabled by an administrator"
    change = AuditEntry.objects.get(action="webhook_subscription.update")
    assert change.before["event_types"] == ["deadline.*"] and change.after["active"] is False


def test_the_rotation_action_shows_the_new_secret(admin_client):
    subscription, _ = subscribe(url="https://partner.example/hooks")
    response = admin_client.post(
        reverse("admin:notifications_webhooksubscription_changelist"),
        {"action": "rotate_secret", "_selected_action": [subscription.pk]}, follow=True,
    )
    current = WebhookSecret.objects.get(subscription=subscription, valid_until__isnull=True).secret
    assert any(current in m for m in messages_of(response))
    assert WebhookSecret.objects.filter(subscription=subscription).count() == 2


def test_a_dead_delivery_is_redelivered_from_the_admin_and_its_attempts_are_listed(admin_client, monkeypatch):
    monkeypatch.setitem(recipients._visibility, "mla.mlarequest", lambda user, obj: True)
    monkeypatch.setattr(webhooks, "client_for", lambda origin: httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500))))
    subscribe(url="https://partner.example/hooks")
    open_deadline(now=timezone.now(), due_in=timedelta(hours=10), offsets=[24])
    sweep_reminders(now=timezone.now())
    event_dispatch(event_id=Event.objects.get().pk)
    delivery = WebhookDelivery.objects.get()
    webhook_deliver(delivery_id=delivery.pk, attempt=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD)

    page = admin_client.get(reverse("admin:notifications_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200 and "500" in page.content.decode()
    admin_client.post(
        reverse("admin:notifications_webhookdelivery_changelist"), {"action": "redeliver", "_selected_action": [delivery.pk]}
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)


def test_default_offsets_per_kind_are_edited_in_the_admin(admin_client):
    setting = DeadlineKindSetting.objects.get(kind=DeadlineKind.JIT_EXPIRY)
    url = reverse("admin:deadlines_deadlinekindsetting_change", args=[setting.pk])

    response = admin_client.post(url, {"kind": setting.kind, "reminder_offsets_hours": "[0, -4]"})
    assert response.status_code == 200 and "positive whole hours" in response.content.decode()
    admin_client.post(url, {"kind": setting.kind, "reminder_offsets_hours": "[240, 48]"})
    setting.refresh_from_db()
    assert setting.reminder_offsets_hours == [240, 48]


@pytest.mark.parametrize(
    "name",
    ["deadlines_deadline", "notifications_notificationrule", "notifications_notification", "events_event",
     "notifications_webhookdelivery", "notifications_webhooksubscription", "deadlines_deadlinekindsetting"],
)
def test_changelists_render(admin_client, name):
    open_deadline(now=timezone.now(), due_in=timedelta(hours=-1), offsets=[])
    sweep_reminders(now=timezone.now())
    assert admin_client.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_events_given_up_can_be_dispatched_again_from_the_admin(admin_client):
    open_deadline(now=timezone.now(), due_in=timedelta(hours=-1), offsets=[])
    sweep_reminders(now=timezone.now())
    Event.objects.update(dispatched_at=timezone.now(), dispatch_error="given up after 5 attempts.", dispatch_attempts=6)

    listed = admin_client.get(reverse("admin:events_event_changelist") + "?dispatch=given_up")
    assert listed.context["cl"].result_count == 2
    admin_client.post(
        reverse("admin:events_event_changelist"),
        {"action": "redispatch", "_selected_action": list(Event.objects.values_list("pk", flat=True))},
    )
    assert set(Event.objects.values_list("dispatched_at", "dispatch_attempts")) == {(None, 0)}
    assert AuditEntry.objects.filter(action="event.redispatch").count() == 2
