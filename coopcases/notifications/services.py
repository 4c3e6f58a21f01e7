"""Writes of the notifications app: inbox, preferences, webhook subscriptions, secrets and re-delivery."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from coopcases.accounts.roles import RoleCode
from coopcases.audit.services import audit_record
from coopcases.core.exceptions import ActionForbidden, ConcurrentChange, FieldProblem, ValidationFailed
from coopcases.events.enqueue import enqueue
from coopcases.events.registry import check_event_type_patterns
from coopcases.notifications.models import (
    Channel,
    DeliveryStatus,
    EmailFrequency,
    Notification,
    NotificationPreference,
    WebhookDelivery,
    WebhookSecret,
    WebhookSubscription,
)
from coopcases.notifications.webhooks import check_target_url, generate_secret

DEFAULT_ROTATION_OVERLAP = timedelta(hours=24)


def notifications_mark_read(*, actor, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's own notifications read (all unread ones when no ids are given); returns how many changed."""
    with transaction.atomic(durable=True):
        qs = Notification.objects.filter(user=actor, read_at__isnull=True)
        if notification_ids is not None:
            qs = qs.filter(pk__in=notification_ids)
        return qs.update(read_at=timezone.now())


def notification_preference_set(*, actor, channels: list[str], email_frequency: str) -> NotificationPreference:
    problems = []
    if not isinstance(channels, list) or not set(channels) <= set(Channel.values):
        problems.append(FieldProblem("channels", "channels must be among: inbox, email"))
    if email_frequency not in EmailFrequency.values:
        problems.append(FieldProblem("email_frequency", "must be immediate or daily_digest"))
    if problems:
        raise ValidationFailed("These notification preferences are not valid.", problems)
    with transaction.atomic(durable=True):
        preference, _ = NotificationPreference.objects.update_or_create(
            user=actor, defaults={"channels": list(dict.fromkeys(channels)), "email_frequency": email_frequency}
        )
    return preference


def webhook_subscription_check(*, owner, authority, target_url: str, event_types) -> list[str]:
    """The event types, deduplicated, or ValidationFailed naming each field at fault (also used by the admin form)."""
    problems = []
    reason = check_target_url(target_url)
    if reason:
        problems.append(FieldProblem("target_url", reason, "refused_address"))
    if not owner.has_role(RoleCode.SERVICE_ACCOUNT):
        problems.append(FieldProblem("owner", "the owner must be a partner-system service account"))
    elif owner.authority_id != authority.pk:
        problems.append(FieldProblem("owner", "the service account must belong to the subscription's authority"))
    if problems:
        raise ValidationFailed("This webhook subscription cannot be saved.", problems)
    return check_event_type_patterns(event_types)


def _issue_secret(subscription: WebhookSubscription, now) -> str:
    secret = generate_secret()
    WebhookSecret.objects.create(subscription=subscription, secret=secret, created_at=now)
    return secret


def webhook_subscription_create(
    *, actor, owner, authority, name: str, target_url: str, event_types: list[str]
) -> tuple[WebhookSubscription, str]:
    """Create a subscription and its first secret; the secret is returned once, to be handed to the partner."""
    if not (actor.is_staff or actor.is_superuser):
        raise ActionForbidden("Only administrators may register partner endpoints.")
    event_types = webhook_subscription_check(owner=owner, authority=authority, target_url=target_url, event_types=event_types)
    with transaction.atomic(durable=True):
        subscription = WebhookSubscription.objects.create(
            name=name, owner=owner, authority=authority, target_url=target_url, event_types=event_types
        )
        secret = _issue_secret(subscription, timezone.now())
        audit_record(actor=actor, action="webhook_subscription.create", obj=subscription,
                     after={"target_url": target_url, "event_types": event_types, "owner": owner.pk})
    return subscription, secret


def webhook_subscription_update(
    *, actor, subscription: WebhookSubscription, name: str, target_url: str, event_types: list[str], active: bool,
    expected_version: int | None = None,
) -> WebhookSubscription:
    if not (actor.is_staff or actor.is_superuser):
        raise ActionForbidden("Only administrators may change partner endpoints.")
    event_types = webhook_subscription_check(
        owner=subscription.owner, authority=subscription.authority, target_url=target_url, event_types=event_types
    )
    with transaction.atomic(durable=True):
        current = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        if expected_version is not None and current.version != expected_version:
            raise ConcurrentChange(f"This subscription was changed by someone else (version {current.version}, you had {expected_version}).")
        before = {"name": current.name, "target_url": current.target_url, "event_types": current.event_types, "active": current.active}
        current.name, current.target_url, current.event_types = name, target_url, event_types
        if active and not current.active:
            current.disabled_at, current.disabled_reason = None, ""
        elif not active and current.active:
            current.disabled_at, current.disabled_reason = timezone.now(), "disabled by an administrator"
        current.active = active
        current.version += 1
        current.save()
        audit_record(actor=actor, action="webhook_subscription.update", obj=current, before=before,
                     after={"name": name, "target_url": target_url, "event_types": event_types, "active": active})
    return current


def webhook_secret_rotate(*, actor, subscription: WebhookSubscription, overlap: timedelta = DEFAULT_ROTATION_OVERLAP) -> str:
    """Issue a new secret; the current ones keep signing for `overlap`, so the partner can switch without a gap."""
    if not (actor.is_staff or actor.is_superuser):
        raise ActionForbidden("Only administrators may rotate webhook secrets.")
    with transaction.atomic(durable=True):
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        locked.version += 1
        locked.save(update_fields=["version"])
        now = timezone.now()
        WebhookSecret.objects.filter(subscription=subscription, valid_until__isnull=True).update(valid_until=now + overlap)
        WebhookSecret.objects.filter(subscription=subscription, valid_until__gt=now + overlap).update(valid_until=now + overlap)
        secret = _issue_secret(subscription, now)
        audit_record(actor=actor, action="webhook_secret.rotate", obj=subscription,
                     after={"old_secrets_valid_until": (now + overlap).isoformat()})
    return secret


def webhook_delivery_redeliver(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again from the start of the retry schedule (a dead one, or a succeeded one on request)."""
    from coopcases.notifications.tasks import deliver_webhook

    if not (actor.is_staff or actor.is_superuser):
        raise ActionForbidden("Only administrators may re-deliver webhooks.")
    with transaction.atomic(durable=True):
        current = WebhookDelivery.objects.select_for_update(of=("self",)).select_related("subscription").get(pk=delivery.pk)
        if not current.subscription.active:
            raise ValidationFailed(
                "The subscription is disabled; enable it first.",
                [FieldProblem("subscription", current.subscription.disabled_reason or "disabled", "inactive")],
            )
        if current.status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED):
            raise ValidationFailed("This delivery is still being tried.", [FieldProblem("status", current.status, "in_progress")])
        before = {"status": current.status, "attempts": current.attempts}
        current.status, current.attempts, current.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
        current.delivered_at, current.leased_until, current.lost_attempts = None, None, 0
        current.save(update_fields=["status", "attempts", "next_attempt_at", "delivered_at", "leased_until", "lost_attempts"])
        audit_record(actor=actor, action="webhook_delivery.redeliver", obj=current, before=before,
                     after={"status": DeliveryStatus.PENDING})
        transaction.on_commit(lambda: enqueue(deliver_webhook, current.pk, 1))
    return current
