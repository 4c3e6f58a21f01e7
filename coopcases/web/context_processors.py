from coopcases.notifications.selectors import unread_count
from coopcases.web.stats.selectors import may_view_statistics


def unread_notifications(request) -> dict:
    """The unread count in the header (one indexed COUNT), only for signed-in users."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}


def statistics_link(request) -> dict:
    """Whether the header shows the statistics page (central authority officers and auditors)."""
    return {"may_see_statistics": may_view_statistics(getattr(request, "user", None))}
