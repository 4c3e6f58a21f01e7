"""From one event to its notifications and webhook deliveries (called by the outbox relay, in its transaction).

1. Load the event's object (`object_type` is the model label). Without it nobody is told: resolvers and
   visibility need it.
2. Active NotificationRule rows whose event type (exact or `prefix.*`) and `data_match` fit the event give
   recipient keys and channels; `recipients.resolve(obj, key)` turns keys into users. The actor who caused the
   event, inactive users and users who may not see the object (`recipients.may_see`) are left out.
3. The user's NotificationPreference narrows the channels; one Notification per (event, user) is created,
   its title rendered in the user's language, its e-mail pending, waiting for the digest, or not wanted.
4. Each active subscription created before the event, wanting its type, whose owner may see the object (strict),
   gets one WebhookDelivery with the exact body every attempt will send.
Messages for e-mails and webhooks are published after commit; the sweeps find the rows if that fails.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from coopcases.events.enqueue import enqueue
from coopcases.events.models import Event
from coopcases.notifications.emails import notification_title, object_url
from coopcases.notifications.models import (
    Channel,
    DeliveryStatus,
    EmailFrequency,
    EmailStatus,
    Notification,
    NotificationPreference,
    NotificationRule,
    WebhookDelivery,
    WebhookSubscription,
)
from coopcases.notifications.recipients import may_see, resolve

DEFAULT_CHANNELS = frozenset(Channel.values)


@dataclass
class FanOut:
    notifications: int = 0
    deliveries: int = 0


def load_object(event: Event):
    try:
        model = apps.get_model(event.object_type)
    except (LookupError, ValueError):
        return None
    return model._default_manager.filter(pk=event.object_id).first()


def rules_for(event: Event) -> list[NotificationRule]:
    prefix = event.event_type.split(".", 1)[0]
    candidates = NotificationRule.objects.filter(Q(event_type=event.event_type) | Q(event_type=f"{prefix}.*"), active=True)
    return [rule for rule in candidates if rule.applies_to(event)]


def recipients_of(event: Event, obj) -> dict:
    """{user: channels the rules ask for}."""
    found: dict = defaultdict(set)
    for rule in rules_for(event):
        for key in rule.recipient_keys:
            for user in resolve(obj, key):
                if user.is_active and user.pk != event.actor_id and may_see(user, obj):
                    found[user] |= set(rule.channels)
    return found


def webhook_body(event: Event) -> str:
    """A thin payload (Standard Webhooks shape): partners fetch details through the API, where access is audited."""
    payload = {
        "type": event.event_type,
        "timestamp": event.at.isoformat(),
        "data": {
            "event_id": event.pk,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "sequence": event.sequence,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "case_id": event.case_id,
        },
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def event_fan_out(event: Event, *, now: datetime) -> FanOut:
    from coopcases.notifications.tasks import deliver_webhooks, send_email

    result = FanOut()
    obj = load_object(event)
    if obj is None:
        return result
    wanted = recipients_of(event, obj)
    preferences = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=[u.pk for u in wanted])}
    url = object_url(obj)
    for user, rule_channels in wanted.items():
        preference = preferences.get(user.pk)
        channels = rule_channels & (set(preference.channels) if preference else DEFAULT_CHANNELS)
        if not channels:
            continue
        email_status = EmailStatus.NONE
        if Channel.EMAIL in channels and user.email:
            digest = preference is not None and preference.email_frequency == EmailFrequency.DAILY_DIGEST
            email_status = EmailStatus.DIGEST if digest else EmailStatus.PENDING
        with translation.override(user.message_language):
            title = notification_title(event, obj)
        notification, created = Notification.objects.get_or_create(
            event=event, user=user,
            defaults={
                "event_type": event.event_type, "case_id": event.case_id, "title": title, "url": url,
                "in_inbox": Channel.INBOX in channels, "created_at": now, "email_status": email_status,
                "email_next_attempt_at": now if email_status == EmailStatus.PENDING else None,
            },
        )
        if created:
            result.notifications += 1
            if email_status == EmailStatus.PENDING:
                transaction.on_commit(lambda pk=notification.pk: enqueue(send_email, pk, 1))
    subscriptions = WebhookSubscription.objects.filter(active=True, created_at__lte=event.at).select_related("owner")
    body = None
    for subscription in subscriptions:
        if not subscription.wants(event.event_type) or not may_see(subscription.owner, obj, strict=True):
            continue
        body = body or webhook_body(event)
        delivery, created = WebhookDelivery.objects.get_or_create(
            event=event, subscription=subscription,
            defaults={"webhook_id": f"evt_{event.pk}", "body": body, "status": DeliveryStatus.PENDING,
                      "next_attempt_at": now, "created_at": now},
        )
        if created:
            result.deliveries += 1
    if result.deliveries:
        # One message starts the batch sender, which takes every due delivery in order per object.
        transaction.on_commit(lambda: enqueue(deliver_webhooks))
    return result
