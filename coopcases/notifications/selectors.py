from coopcases.notifications.models import Notification


def notifications_visible_to(actor):
    """The actor's inbox, newest first (a user sees only their own notifications)."""
    return Notification.objects.filter(user=actor, in_inbox=True).order_by("-created_at", "-id")


def unread_count(actor) -> int:
    return Notification.objects.filter(user=actor, in_inbox=True, read_at__isnull=True).count()
