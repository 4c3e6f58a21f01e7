from coopcases.notifications.models import Notification


def notifications_visible_to(actor):
    """The actor's inbox, newest first (a user sees only their own notifications)."""
    return Notification.objects.filter(user=actor, in_inbox=True).order_by("-created_at", "-id")


def unread_count(actor) -> int:
    return Notification.objects.filter(user=actor, in_inbox=True, read_at__isnull=True).count()


def webhook_subscriptions_visible_to(actor):
    """Administrators see every endpoint; anyone else those of their own authority (a partner's own)."""
    from coopcases.notifications.models import WebhookSubscription

    qs = WebhookSubscription.objects.all()
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return qs.none()
    if actor.is_staff or actor.is_superuser:
        return qs
    return qs.filter(authority_id=actor.authority_id) if actor.authority_id else qs.none()


def webhook_deliveries_visible_to(actor):
    from coopcases.notifications.models import WebhookDelivery

    return WebhookDelivery.objects.filter(subscription__in=webhook_subscriptions_visible_to(actor).values("pk"))
